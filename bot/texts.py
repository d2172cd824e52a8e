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
    "expired_button": ("这个按钮已经过期了，请重新提问。", "This button has expired; please ask again."),
    "text_only": (
        "我只能读懂文字问题哦。请用文字描述你想辨别的商品和看到的细节，例如「茅台瓶盖胶帽起皱是假的吗」。",
        "I can only read text questions. Please describe the product and what you see, e.g. “Moutai cap seal is wrinkled, fake?”",
    ),
    "too_long": ("问题太长了，请简短描述（{limit} 字以内）。", "That's too long; please keep it under {limit} characters."),
    "error": ("抱歉，出了点问题，请稍后再试。", "Sorry, something went wrong. Please try again later."),
    # --- command line ----------------------------------------------------------------------
    "cli_candidates": ("其他可能：", "Other possibilities:"),
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
