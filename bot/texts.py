"""Every word the bot says to people, in one place: Chinese first, English second.

Strings are HTML-ready templates for Telegram's HTML parse mode: the templates themselves hold
only safe markup, and every value substituted into them is escaped by :func:`say`.
"""

from __future__ import annotations

import html
from typing import Literal

Lang = Literal["zh", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    # --- shoppers: answers -----------------------------------------------------------------
    "official_url": ("🔎 官方验证：{url}", "🔎 Verify officially: {url}"),
    "official_hotline": ("☎️ 官方客服：{hotline}", "☎️ Official hotline: {hotline}"),
    "clone_warning": (
        "⚠️ 防伪码、芯片和包装都可能被仿制，最终以品牌官方渠道的查询结果为准。",
        "⚠️ Codes, chips and packaging can be cloned: the brand's official channel has the last word.",
    ),
    "zh_only": ("", "(This tip is only available in Chinese.)"),
    "brand_overview": (
        "<b>{brand}</b> 可以从这几个方面辨别真假，点一个看详细做法：",
        "<b>{brand}</b>: here is what to check. Tap one for the details:",
    ),
    "which_one": ("你想问的是哪一个？", "Which one do you mean?"),
    "no_answer": (
        "抱歉，这个问题我还答不上来。",
        "Sorry, I don't have an answer for that yet.",
    ),
    "other_brand": (
        "「{brand}」还不是我们的合作品牌，我没有它的官方防伪说明。",
        "“{brand}” is not a partner brand yet, so I have no official tips for it.",
    ),
    "covered_brands": ("我目前能解答这些品牌：{brands}", "Brands I can help with: {brands}"),
    "name_the_brand": (
        "提问时带上品牌和要看的地方会更准，例如：「茅台瓶盖怎么看真假」。",
        "Name the brand and what you are checking, e.g. “How do I check the Moutai cap seal?”",
    ),
    "verify_fallback": (
        "想确认真伪，请以品牌官网、官方App或官方客服的查询为准；遇到假货可拨打 12315 投诉。",
        "To be sure, check with the brand's official website, app or customer service; report fakes to 12315.",
    ),
    "did_you_mean": ("你是不是想问：", "Did you mean:"),
    # --- shoppers: the bot's own words ---------------------------------------------------------
    "welcome": (
        "👋 你好，{name}！我是「防伪dou知道」机器人。\n"
        "我收录了 <b>{brands}</b> 个合作品牌的官方防伪小知识，直接用自己的话问我就行，比如：\n"
        "• 茅台瓶盖怎么看真假\n• 周大福的金饰证书怎么查\n• Lafufu 和正版 LABUBU 怎么区分\n\n"
        "命令：/brands 按品类看品牌 · /report 举报疑似假货 · /myreports 我的举报 · /help 帮助",
        "👋 Hi {name}! I'm the 防伪dou知道 authenticity bot.\n"
        "I know the official anti-counterfeit tips of <b>{brands}</b> partner brands. Just ask in your own words, e.g.:\n"
        "• How do I check the Moutai cap seal?\n• How do I verify a Chow Tai Fook certificate?\n\n"
        "Commands: /brands browse brands · /report report a suspected fake · /myreports my reports · /help",
    ),
    "brands_intro": ("合作品牌（按品类），点品牌看它的防伪要点：", "Partner brands by category. Tap one to see its tips:"),
    "brands_page": ("第 {page}/{pages} 页", "page {page}/{pages}"),
    "back": ("« 返回品牌列表", "« Back to brands"),
    "more": ("下一页 »", "Next »"),
    "previous": ("« 上一页", "« Previous"),
    "feedback_thanks": ("谢谢反馈！", "Thanks for the feedback!"),
    "feedback_recorded_up": ("✅ 已记录：有帮助", "✅ Noted: helpful"),
    "feedback_recorded_down": ("✅ 已记录：没帮助，我们会改进", "✅ Noted: not helpful, we'll improve it"),
    "other_questions": ("你可能还想问：", "You might also want:"),
    "report_how": (
        "怀疑买到假货？请先保留好商品、包装、订单和聊天记录，联系品牌官方渠道核实（见上方官方验证），"
        "并向购买平台申请售后或拨打 12315 投诉。",
        "Suspect a fake? Keep the product, packaging, order and chat records, check with the brand's official "
        "channel (see above), then ask the platform for after-sales or report to 12315.",
    ),
    "not_available": ("这个按钮已失效，内容可能已不存在。", "This button is no longer available."),
    "text_only": (
        "我只能读懂文字问题哦。请用文字描述你想辨别的商品和看到的细节，例如「茅台瓶盖胶帽起皱是假的吗」。",
        "I can only read text questions. Please describe the product and what you see, e.g. “Moutai cap seal is wrinkled, fake?”",
    ),
    "too_long": ("问题太长了，请简短描述（{limit} 字以内）。", "That's too long; please keep it under {limit} characters."),
    "error": ("抱歉，出了点问题，请稍后再试。", "Sorry, something went wrong. Please try again later."),
    # --- reports -----------------------------------------------------------------------------
    "report_start": (
        "我们来登记一份疑似假货举报，大约一分钟。随时发送 /cancel 可以取消，可选的步骤可以 /skip 跳过。",
        "Let's file a report of a suspected fake; it takes about a minute. Send /cancel at any time; /skip skips optional steps.",
    ),
    "ask_brand": ("1/7 是哪个品牌？点按钮，或直接输入品牌名。", "1/7 Which brand? Tap one, or type its name."),
    "brand_other": ("其他品牌", "Another brand"),
    "ask_brand_other": ("请输入品牌名称：", "Type the brand's name:"),
    "ask_product": (
        "2/7 商品名称或型号？（例如：53度飞天茅台 500ml）",
        "2/7 Product name or model? (e.g. Moutai Feitian 53% 500 ml)",
    ),
    "ask_platform": ("3/7 在哪里买的？", "3/7 Where did you buy it?"),
    "platform_douyin_live": ("抖音直播间", "Douyin live room"),
    "platform_douyin_shop": ("抖音商城店铺", "Douyin shop"),
    "platform_other_app": ("其他App / 网店", "Another app / online shop"),
    "platform_offline": ("线下门店", "Offline store"),
    "platform_other": ("其他", "Other"),
    "ask_shop": ("店铺或直播间的名称？", "The shop's or live room's name?"),
    "ask_link": (
        "商品链接或直播间链接，也可以粘贴App里复制的分享口令。（可选，/skip 跳过）",
        "The listing or live-room link, or the share code copied from the app. (optional, /skip)",
    ),
    "ask_order": ("4/7 订单号？（可选，/skip 跳过）", "4/7 Order number? (optional, /skip)"),
    "ask_price": ("实付金额？例如 1299 或 ¥1,299.00（可选，/skip 跳过）", "Price paid? e.g. 1299 or ¥1,299.00 (optional, /skip)"),
    "ask_date": (
        "购买日期？例如 2026-11-20、11月20日、昨天（可选，/skip 跳过）",
        "Purchase date? e.g. 2026-11-20 or yesterday (optional, /skip)",
    ),
    "ask_problem": ("5/7 哪里看起来不对？请具体描述。", "5/7 What looks wrong? Please describe it."),
    "failed_tip_noted": ("（已记下：不符合「{tip}」）", "(Noted: it fails “{tip}”)"),
    "ask_check": (
        "你用品牌官方渠道（官方App、防伪码查询等）验证过吗？",
        "Did you check it with the brand's official channel (app, code lookup)?",
    ),
    "check_passed": ("验证通过", "It passed"),
    "check_failed": ("验证没通过", "It failed"),
    "check_not_tried": ("没试过", "Not tried"),
    "ask_photos": (
        "6/7 请发送照片（最多 {max} 张：商品、包装、防伪标、订单截图）。发完点「完成」或发送 /done；没有照片可以 /skip。",
        "6/7 Send photos (up to {max}: product, packaging, labels, order screenshot). Tap Done or send /done when finished; /skip if none.",
    ),
    "photo_received": ("已收到第 {n} 张照片，还可以再发 {left} 张。", "Photo {n} received; you can send {left} more."),
    "photos_full": (
        "最多只能发 {max} 张照片，已收到 {max} 张。请点「完成」或发送 /done 继续。",
        "At most {max} photos; {max} received. Tap Done or send /done to go on.",
    ),
    "photo_too_big": (
        "这张图片太大了（上限 20 MB），请发压缩后的照片。",
        "That image is too large (20 MB limit); please send a compressed photo.",
    ),
    "photos_done": ("完成", "Done"),
    "photo_expected": ("这一步请发送照片，或点「完成」/ 发送 /done。", "Please send photos here, or tap Done / send /done."),
    "ask_consent": ("7/7 是否同意品牌的打假团队就此事联系你？", "7/7 May the brand's enforcement team contact you about this?"),
    "yes": ("同意", "Yes"),
    "no": ("不同意", "No"),
    "summary": ("请确认举报内容：", "Please confirm your report:"),
    "submit": ("✅ 提交", "✅ Submit"),
    "cancel": ("✖️ 取消", "✖️ Cancel"),
    "submitted": (
        "✅ 举报已提交并保存，编号 <b>{ref}</b>。\n我们会把处理进度直接发给你，不用来回追问；随时用 /myreports 查看。",
        "✅ Your report is saved: <b>{ref}</b>.\nWe will message you here whenever its status changes; /myreports shows it any time.",
    ),
    "already_submitted": (
        "这份举报已经提交过了，编号 <b>{ref}</b>，没有重复登记。用 /myreports 查看进度。",
        "This report was already submitted: <b>{ref}</b>; it is not stored twice. /myreports shows its status.",
    ),
    "duplicate": (
        "这个订单你已经举报过了（编号 <b>{ref}</b>），我们不会重复登记，已把它标记为重复举报。用 /myreports 查看进度。",
        "You already reported this order (<b>{ref}</b>); it is not stored twice, and is flagged as reported again. /myreports shows its status.",
    ),
    "cancelled": ("已取消，这份举报没有保存。", "Cancelled; nothing was saved."),
    "timed_out": (
        "举报已超时（30 分钟没有回复），没有保存。需要时请重新发送 /report。",
        "The report timed out (no answer for 30 minutes) and was not saved. Send /report to start again.",
    ),
    "too_many_reports": (
        "一小时内最多提交 {limit} 份举报，请稍后再试。",
        "You can file at most {limit} reports an hour; please try again later.",
    ),
    "in_report": (
        "你正在填写举报。请回答上面的问题，或发送 /cancel 取消。",
        "You are filing a report. Please answer the question above, or send /cancel.",
    ),
    "missing_answers": (
        "还缺少必填内容，请重新开始 /report。",
        "Some required answers are missing; please start again with /report.",
    ),
    "save_failed": (
        "保存失败，举报没有提交，请稍后重试。",
        "Saving failed; the report was not submitted. Please try again later.",
    ),
    "field_required": ("这一项不能为空，请再输入一次。", "This can't be empty; please answer again."),
    "field_too_long": (
        "太长了（{length} 字，上限 {limit} 字），请精简后再发。",
        "Too long ({length} characters; the limit is {limit}). Please shorten it.",
    ),
    "bad_url": (
        "这不是有效的链接。请粘贴以 http:// 或 https:// 开头的完整链接，或App里的分享口令；也可以 /skip。",
        "That is not a valid link. Paste a full http(s):// link or the app's share code, or /skip.",
    ),
    "bad_link_or_code": (
        "没认出链接或口令，请粘贴完整内容，或 /skip。",
        "I can't read a link or share code there; paste it whole, or /skip.",
    ),
    "bad_order_number": (
        "订单号应为 4-64 位字母或数字，请再输入一次，或 /skip。",
        "An order number is 4-64 letters or digits; please try again, or /skip.",
    ),
    "bad_price": (
        "没看懂金额，请输入数字，例如 1299 或 ¥1,299.00，或 /skip。",
        "I can't read that amount; type a number like 1299 or ¥1,299.00, or /skip.",
    ),
    "negative_price": ("金额不能是负数，请再输入一次，或 /skip。", "The price can't be negative; please try again, or /skip."),
    "bad_date": (
        "没看懂日期，请输入例如 2026-11-20、11月20日 或 昨天，或 /skip。",
        "I can't read that date; type e.g. 2026-11-20 or yesterday, or /skip.",
    ),
    "future_date": (
        "购买日期不能晚于今天，请再输入一次，或 /skip。",
        "The purchase date can't be in the future; please try again, or /skip.",
    ),
    "not_skippable": ("这一项是必填的，不能跳过。", "This one is required; it can't be skipped."),
    "label_brand": ("品牌", "Brand"),
    "label_product": ("商品", "Product"),
    "label_platform": ("购买渠道", "Bought on"),
    "label_shop": ("店铺/直播间", "Shop / live room"),
    "label_link": ("链接/口令", "Link / share code"),
    "label_order": ("订单号", "Order number"),
    "label_price": ("实付", "Price paid"),
    "label_date": ("购买日期", "Purchase date"),
    "label_problem": ("问题", "What looks wrong"),
    "label_failed_tip": ("不符合的防伪要点", "Fails the tip"),
    "label_check": ("官方验证", "Official check"),
    "label_photos": ("照片", "Photos"),
    "label_consent": ("同意联系", "May contact"),
    "label_status": ("状态", "Status"),
    "not_given": ("未填", "not given"),
    # --- report progress -------------------------------------------------------------------
    "status_submitted": ("已提交", "submitted"),
    "status_under_review": ("审核中", "under review"),
    "status_confirmed_counterfeit": ("确认为假货", "confirmed counterfeit"),
    "status_not_counterfeit": ("确认不是假货", "not counterfeit"),
    "status_need_more_info": ("需要补充信息", "more information needed"),
    "status_forwarded": ("已转交平台/执法部门", "forwarded to the platform / police"),
    "status_closed": ("已结案", "closed"),
    "status_changed": (
        "📮 你的举报 <b>{ref}</b>（{product}）有新进展：{status}",
        "📮 Your report <b>{ref}</b> ({product}) has news: {status}",
    ),
    "status_note": ("说明：{note}", "Note: {note}"),
    "my_reports": ("你的举报（最近 {n} 份）：", "Your reports (latest {n}):"),
    "no_reports": (
        "你还没有提交过举报。发现疑似假货时发送 /report。",
        "You have no reports yet. Send /report when you find a suspected fake.",
    ),
    # --- roles ---------------------------------------------------------------------------------
    "refused": ("抱歉，你没有权限执行这个操作。", "Sorry, you are not allowed to do that."),
    "whoami": (
        "你的 Telegram 用户 ID：<code>{user_id}</code>\n角色：{roles}",
        "Your Telegram user id: <code>{user_id}</code>\nRoles: {roles}",
    ),
    "role_shopper": ("普通用户", "shopper"),
    "role_admin": ("管理员", "admin"),
    "role_staff": ("品牌方（{brand}）", "brand staff ({brand})"),
    "role_enforcement": ("打假团队（{brand}）", "enforcement ({brand})"),
    "all_brands": ("全部品牌", "all brands"),
    "grant_usage": (
        "用法：/grant 用户ID 角色 [品牌ID]\n角色：admin、staff（需品牌）、enforcement（不写品牌 = 全部品牌）",
        "Usage: /grant USER_ID ROLE [BRAND_ID]\nRoles: admin, staff (needs a brand), enforcement (no brand = all brands)",
    ),
    "revoke_usage": ("用法：/revoke 用户ID 角色 [品牌ID]", "Usage: /revoke USER_ID ROLE [BRAND_ID]"),
    "bad_grant": ("无法授权：{problem}", "Cannot grant: {problem}"),
    "unknown_brand": ("没有品牌 {brand}。", "There is no brand {brand}."),
    "granted": ("✅ 已授予用户 {user_id}：{role}", "✅ Granted to user {user_id}: {role}"),
    "already_granted": ("用户 {user_id} 已经有这个角色了。", "User {user_id} already has that role."),
    "revoked": ("✅ 已收回用户 {user_id} 的角色：{role}", "✅ Revoked from user {user_id}: {role}"),
    "not_granted": ("用户 {user_id} 没有这个角色。", "User {user_id} does not have that role."),
    "roles_list": ("已授予的角色：", "Roles granted:"),
    "roles_none": (
        "还没有授予任何角色（配置文件里的管理员：{admins}）。",
        "No roles granted yet (admins from the config file: {admins}).",
    ),
    # --- brand staff -------------------------------------------------------------------------
    "upload_too_big": (
        "文件太大（{size} KB），防伪说明文件上限 256 KB，什么都没有改动。",
        "That file is too large ({size} KB); a tip file is at most 256 KB. Nothing was changed.",
    ),
    "upload_not_yaml": ("请上传 .yaml 格式的防伪说明文件。", "Please upload a .yaml tip file."),
    "upload_invalid": (
        "❌ 文件有 {n} 处错误，没有上线，线上仍是原来的版本：",
        "❌ The file has {n} error(s) and was not published; the current version keeps serving:",
    ),
    "upload_not_yours": ("你没有权限修改品牌 {brand}，什么都没有改动。", "You may not edit brand {brand}; nothing was changed."),
    "upload_new_brand_admin": ("新增品牌 {brand} 需要管理员上传。", "Adding the new brand {brand} takes an admin."),
    "upload_name_taken": (
        "❌ 文件里的名称或别名已属于其他品牌，没有上线，线上仍是原来的版本（需要管理员修改相关品牌的文件）：",
        "❌ The file uses a name or alias of another brand and was not published; the current version keeps serving (an admin must settle it):",
    ),
    "upload_same": ("内容和线上版本完全一样，无需更新。", "This is exactly the version in service; nothing to do."),
    "published": (
        "✅ {brand} 第 {version} 版已上线，立即生效。\n新增 {added} 条：{added_ids}\n修改 {changed} 条：{changed_ids}\n删除 {removed} 条：{removed_ids}",
        "✅ {brand} version {version} is live now.\nAdded {added}: {added_ids}\nChanged {changed}: {changed_ids}\nRemoved {removed}: {removed_ids}",
    ),
    "published_brand_fields": ("（品牌信息也有修改）", "(brand details changed too)"),
    "guide_usage": ("用法：/guide 品牌ID", "Usage: /guide BRAND_ID"),
    "history_usage": ("用法：/history 品牌ID", "Usage: /history BRAND_ID"),
    "rollback_usage": ("用法：/rollback 品牌ID 版本号", "Usage: /rollback BRAND_ID VERSION"),
    "history": ("{brand} 的版本记录：", "Versions of {brand}:"),
    "history_none": ("{brand} 还没有通过机器人上传过版本。", "No versions of {brand} were uploaded through the bot yet."),
    "no_version": ("{brand} 没有第 {version} 版。", "{brand} has no version {version}."),
    "rolled_back": (
        "↩️ 已恢复为第 {old} 版的内容（记为第 {version} 版）。",
        "↩️ Restored the content of version {old} (recorded as version {version}).",
    ),
    "addbrand": (
        "新增品牌：按下面的模板写好 <code>品牌ID.yaml</code>，直接把文件发给我即可（仅管理员）。",
        "To add a brand, fill in the template as <code>BRAND_ID.yaml</code> and send me the file (admins only).",
    ),
    "unanswered_usage": ("用法：/unanswered 品牌ID", "Usage: /unanswered BRAND_ID"),
    "unanswered_none": ("{brand} 目前没有未解答或被点 👎 的问题。", "No unanswered or 👎 questions for {brand} right now."),
    "unanswered_header": (
        "{brand}：用户问了但没找到答案（或点了 👎）的问法，按次数排序：",
        "{brand}: what shoppers asked without a good answer (or with a 👎), most frequent first:",
    ),
    "unanswered_item": ("<b>{count} 次</b>：{question}", "<b>{count}×</b>: {question}"),
    "add_as_question": ("➕ 加为问法", "➕ Add as a phrasing"),
    "dismiss": ("🗑 忽略", "🗑 Dismiss"),
    "pick_tip": ("把「{question}」加到哪个防伪要点？", "Add “{question}” to which tip?"),
    "phrasing_added": (
        "✅ 已把这个问法加到「{tip}」（第 {version} 版已上线）。",
        "✅ Added to “{tip}” (version {version} is live).",
    ),
    "phrasing_dismissed": ("已忽略。", "Dismissed."),
    "phrasing_gone": ("这条已经处理过了。", "That one was already dealt with."),
    # --- enforcement -------------------------------------------------------------------------
    "reports_usage": ("用法：/reports [状态] [品牌ID]", "Usage: /reports [STATUS] [BRAND_ID]"),
    "reports_none": ("没有符合条件的举报。", "No reports match."),
    "reports_page": (
        "举报（{status}{brand}）第 {page}/{pages} 页，共 {total} 份：",
        "Reports ({status}{brand}), page {page}/{pages}, {total} in all:",
    ),
    "any_status": ("全部状态", "any status"),
    "report_line": (
        "<b>{ref}</b> {brand} · {product} · {shop} · {status}{dup}",
        "<b>{ref}</b> {brand} · {product} · {shop} · {status}{dup}",
    ),
    "dup_mark": (" · 重复举报 {n} 次", " · reported again {n}×"),
    "report_detail_photos": ("📷 照片（{n}）", "📷 Photos ({n})"),
    "report_history": ("处理记录：", "History:"),
    "history_created": ("{when} · {status} · {who}", "{when} · {status} · by {who}"),
    "history_moved": ("{when} · {old} → {new} · {who}", "{when} · {old} → {new} · by {who}"),
    "by_reporter": ("举报人", "the reporter"),
    "by_team": ("打假团队", "the enforcement team"),
    "by_you": ("你", "you"),
    "by_operator": ("后台（命令行）", "an operator (command line)"),
    "by_user": ("用户 {user_id}", "user {user_id}"),
    "move_to": ("→ {status}", "→ {status}"),
    "ask_note": (
        "把 <b>{ref}</b> 改为「{status}」。请输入给举报人的说明（会一并发给对方），或 /skip 不写。",
        "Moving <b>{ref}</b> to “{status}”. Type a note for the reporter (it is sent to them), or /skip.",
    ),
    "status_done": ("✅ {ref} 已改为「{status}」，已通知举报人。", "✅ {ref} is now “{status}”; the reporter is being told."),
    "status_refused": ("无法修改：{problem}", "Cannot change it: {problem}"),
    "note_cancelled": ("已取消，状态没有改动。", "Cancelled; the status is unchanged."),
    "export_usage": (
        "用法：/export [brand=品牌ID] [status=状态] [since=2026-11-01] [until=2026-11-30]",
        "Usage: /export [brand=ID] [status=STATUS] [since=2026-11-01] [until=2026-11-30]",
    ),
    "export_done": (
        "已导出 {n} 份举报（CSV 可直接用 Excel 打开，JSONL 供系统导入）。",
        "Exported {n} reports (the CSV opens in Excel; JSONL is for systems).",
    ),
    "export_too_big": (
        "导出文件太大，无法通过 Telegram 发送，请在服务器上用 authbot export 导出。",
        "The export is too large to send through Telegram; use `authbot export` on the server.",
    ),
    "bad_filter": ("看不懂筛选条件：{problem}", "I can't read that filter: {problem}"),
    "sellers_none": ("还没有可统计的店铺或直播间。", "No shops or live rooms reported yet."),
    "sellers_header": (
        "被举报的店铺/直播间（按举报人数排序）：",
        "Shops and live rooms reported, by number of different shoppers:",
    ),
    "seller_line": (
        "{rank}. {name}（{platform}）· {shoppers} 人举报 · {reports} 份",
        "{rank}. {name} ({platform}) · {shoppers} shoppers · {reports} reports",
    ),
    "evidence_usage": ("用法：/evidence 举报编号", "Usage: /evidence REFERENCE"),
    "no_report": ("没有找到举报 {ref}。", "No report {ref}."),
    "evidence_caption": (
        "{ref} 证据包：report.json、照片和 SHA-256 清单（manifest.json），可用 authbot evidence --verify 校验。",
        "{ref} evidence pack: report.json, photos and a SHA-256 manifest; check it with `authbot evidence --verify`.",
    ),
    # --- the web console ----------------------------------------------------------------------
    "console_link": (
        "🖥 网页控制台登录链接（10 分钟内有效，只能用一次，请勿转发）：\n{link}",
        "🖥 Your web console sign-in link (valid 10 minutes, works once; do not forward it):\n{link}",
    ),
    "console_off": ("网页控制台还没有配置（console_url）。", "The web console is not set up (console_url)."),
    "console_private": ("为安全起见，请私聊我发送 /console。", "For safety, send /console to me in a private chat."),
}


def say(key: str, lang: Lang = "zh", **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``values`` HTML-escaped into it."""
    zh, en = TEXTS[key]
    template = en if lang == "en" else zh
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in values.items()})


def language_of(text: str) -> Lang:
    """English when the message has Latin words and no Chinese; Chinese otherwise."""
    han = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return "en" if han == 0 and latin >= 3 else "zh"
