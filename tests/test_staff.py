"""Roles and brand staff publishing tip files through the bot, end to end."""

from __future__ import annotations

import yaml
from helpers import rows, say

from bot.config import Settings
from bot.loopback import LoopbackBotAPI

ADMIN, STAFF, OTHER_STAFF, ENFORCER, SHOPPER = 1, 2001, 2002, 3001, 4001


async def setup_roles(loopback: LoopbackBotAPI) -> None:
    admin = loopback.user(ADMIN, "Admin")
    for command in (f"/grant {STAFF} staff moutai", f"/grant {OTHER_STAFF} staff nike", f"/grant {ENFORCER} enforcement"):
        assert "已授予" in (await say(admin, command)).plain_text


def moutai_file(settings: Settings) -> str:
    return (settings.guides_dir / "moutai.yaml").read_text(encoding="utf-8")


async def test_admin_grants_and_revokes_roles_and_everyone_can_ask_whoami(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    admin, staff = loopback.user(ADMIN, "Admin"), loopback.user(STAFF, "Staff")
    async with authbot():
        assert "普通用户" in (await say(staff, "/whoami")).plain_text
        assert "已授予" in (await say(admin, f"/grant {STAFF} staff moutai")).plain_text
        assert "已经有" in (await say(admin, f"/grant {STAFF} staff moutai")).plain_text
        assert "品牌方（moutai）" in (await say(staff, "/whoami")).plain_text
        assert "没有品牌 nope" in (await say(admin, f"/grant {STAFF} staff nope")).plain_text
        assert "staff needs a brand" in (await say(admin, f"/grant {STAFF} staff")).plain_text
        listing = await say(admin, "/roles")
        assert str(STAFF) in listing.plain_text
        assert "已收回" in (await say(admin, f"/revoke {STAFF} staff moutai")).plain_text
        assert "普通用户" in (await say(staff, "/whoami")).plain_text
    assert [r[0] for r in rows(settings, "SELECT action FROM audit ORDER BY id")] == ["grant", "revoke"]


async def test_a_broken_upload_gets_line_precise_errors_and_the_old_guide_keeps_answering(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    staff, shopper = loopback.user(STAFF, "Staff"), loopback.user(SHOPPER, "Shopper")
    before = moutai_file(settings)
    broken = before.replace("    questions:\n", "    qestions:\n", 1)
    async with authbot():
        await setup_roles(loopback)
        await staff.send_document("moutai.yaml", broken.encode())
        errors = await staff.next_reply()
        assert "没有上线" in errors.plain_text
        assert "moutai.yaml:" in errors.plain_text and "qestions: unknown key" in errors.plain_text
        assert "tips[0].questions: must be a non-empty list" in errors.plain_text
        assert "贵州茅台" in (await say(shopper, "茅台瓶盖胶帽怎么看")).plain_text
    assert moutai_file(settings) == before
    assert rows(settings, "SELECT COUNT(*) FROM guide_versions") == [(0,)]


async def test_a_fixed_upload_answers_at_once_then_rolls_back(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    staff, shopper = loopback.user(STAFF, "Staff"), loopback.user(SHOPPER, "Shopper")
    original = moutai_file(settings).encode()
    data = yaml.safe_load(original)
    data["tips"].append(
        {
            "id": "uv-light",
            "title": "用紫外线灯照酒标荧光防伪",
            "questions": ["茅台酒标用紫光灯照会发光吗"],
            "keywords": ["紫外线", "荧光", "验钞灯"],
            "answer": "1. 用紫外线灯照射背标，正品可见荧光图案。",
        }
    )
    data["tips"][0]["title"] += "（新版）"
    new_file = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    async with authbot():
        await setup_roles(loopback)
        await staff.send_document("moutai.yaml", new_file)
        published = await staff.next_reply()
        assert "第 1 版已上线" in published.plain_text
        assert (
            "新增 1 条：uv-light" in published.plain_text
            and "修改 1 条" in published.plain_text
            and "删除 0 条" in published.plain_text
        )
        assert "紫外线" in (await say(shopper, "茅台酒标用验钞灯照一下能看出真假吗")).plain_text
        history = await say(staff, "/history moutai")
        assert "v1" in history.plain_text
        await staff.send("/guide moutai")
        assert (await staff.next_reply()).document == new_file
        await staff.send_document("moutai.yaml", new_file)
        assert "完全一样" in (await staff.next_reply()).plain_text
        await staff.send_document("moutai.yaml", original)  # version 2 takes the UV tip out again
        assert "删除 1 条：uv-light" in (await staff.next_reply()).plain_text
    async with authbot():  # after a restart, versions are still there
        assert "没有第 9 版" in (await say(staff, "/rollback moutai 9")).plain_text
        restored = await say(staff, "/rollback moutai 1")
        assert "第 3 版已上线" in restored.plain_text and "新增 1 条：uv-light" in restored.plain_text
        assert "紫外线" in (await say(shopper, "茅台酒标用验钞灯照一下能看出真假吗")).plain_text
    assert [r[0] for r in rows(settings, "SELECT note FROM guide_versions ORDER BY version")] == [
        "upload",
        "upload",
        "rollback to v1",
    ]
    assert ("guide", "moutai") in rows(settings, "SELECT action, target FROM audit")


async def test_staff_edit_only_their_brand_and_new_brands_need_an_admin(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    staff, admin = loopback.user(STAFF, "Staff"), loopback.user(ADMIN, "Admin")
    nike = (settings.guides_dir / "nike.yaml").read_bytes()
    new_brand = nike.replace(b"id: nike", b"id: newbrand", 1).replace(
        "name: 耐克 Nike\n  aliases: [耐克, Nike, 耐克鞋, Air Jordan, AJ, Dunk, 空军一号, AF1, SNKRS]".encode(),
        "name: 新牌 Newbrand\n  aliases: [新牌]".encode(),
    )
    async with authbot():
        await setup_roles(loopback)
        await staff.send_document("nike.yaml", nike.replace(b"Nike", b"Nike!"))
        assert "没有权限修改品牌 nike" in (await staff.next_reply()).plain_text
        await staff.send_document("newbrand.yaml", new_brand)
        assert "需要管理员" in (await staff.next_reply()).plain_text
        await admin.send_document("newbrand.yaml", new_brand)
        assert "第 1 版已上线" in (await admin.next_reply()).plain_text
        await admin.send("/addbrand")
        _instructions, template = await admin.replies(2)
        assert template.document and b"schema: 1" in template.document
        await staff.send_document("huge.yaml", b"#" * (300 * 1024))
        assert "太大" in (await staff.next_reply()).plain_text
        await staff.send_document("notes.txt", b"hello")
        assert ".yaml" in (await staff.next_reply()).plain_text
    assert (settings.guides_dir / "newbrand.yaml").exists()
    assert (settings.guides_dir / "nike.yaml").read_bytes() == nike


async def test_an_unanswered_question_becomes_a_phrasing_in_one_tap(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    staff, shopper = loopback.user(STAFF, "Staff"), loopback.user(SHOPPER, "Shopper")
    question = "茅台酒可以放冰箱里保存吗"
    async with authbot():
        await setup_roles(loopback)
        first = await say(shopper, question)
        assert "辨别真假" in first.plain_text  # only the brand's list of tips: no tip for this
        await say(shopper, question + "？")
        await staff.send("/unanswered moutai")
        _header, item = await staff.replies(2)
        assert "2 次" in item.plain_text and question in item.plain_text
        await staff.press(item, "➕ 加为问法")
        choose = await staff.next_edit()
        tip_title = choose.buttons[0][0][0]
        await staff.press(choose, tip_title)
        added = await staff.next_edit()
        assert "已把这个问法加到" in added.plain_text
        second = await say(shopper, question)
        assert tip_title in second.plain_text
        await say(shopper, "飞天茅台适合送长辈吗")  # not an authenticity question: staff dismiss it
        await staff.send("/unanswered moutai")
        _, item = await staff.replies(2)
        await staff.press(item, "🗑 忽略")
        assert "已忽略" in (await staff.next_edit()).plain_text
        assert "没有未解答" in (await say(staff, "/unanswered moutai")).plain_text
    assert question in moutai_file(settings)


async def test_every_privileged_command_is_refused_without_the_role(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    shopper, other_staff, enforcer = (
        loopback.user(SHOPPER, "Shopper"),
        loopback.user(OTHER_STAFF, "Nike staff"),
        loopback.user(ENFORCER, "Enforcer"),
    )
    admin_only = [f"/grant {SHOPPER} admin", f"/revoke {STAFF} staff moutai", "/roles", "/addbrand"]
    moutai_staff_only = ["/guide moutai", "/history moutai", "/rollback moutai 1", "/unanswered moutai"]
    async with authbot():
        await setup_roles(loopback)
        for user in (shopper, other_staff, enforcer):
            for command in admin_only + moutai_staff_only:
                reply = await say(user, command)
                assert reply.plain_text == "抱歉，你没有权限执行这个操作。", (user, command, reply.plain_text)
        await shopper.send_document("moutai.yaml", moutai_file(settings).encode())
        assert "文字" in (await shopper.next_reply()).plain_text  # a shopper's document is just not a question
        await enforcer.send_document("moutai.yaml", moutai_file(settings).encode())
        assert "文字" in (await enforcer.next_reply()).plain_text
    assert rows(settings, "SELECT COUNT(*) FROM guide_versions") == [(0,)]
    assert rows(settings, "SELECT COUNT(*) FROM roles") == [(3,)]


async def test_a_file_claiming_another_brands_name_is_refused_for_staff_and_admins(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    staff, admin, shopper = loopback.user(STAFF, "Staff"), loopback.user(ADMIN, "Admin"), loopback.user(SHOPPER, "Shopper")
    before = moutai_file(settings)
    impostor = before.replace("aliases: [茅台,", "aliases: [五粮液, Wuliangye, 茅台,", 1)
    async with authbot():
        await setup_roles(loopback)
        await staff.send_document("moutai.yaml", impostor.encode())
        refused = (await staff.next_reply()).plain_text
        assert "没有上线" in refused
        assert 'moutai.yaml:5: brand.aliases: "五粮液" is already a name of wuliangye (五粮液 Wuliangye)' in refused
        assert '"Wuliangye" is already a name of wuliangye' in refused
        await admin.send_document(
            "moutai.yaml", impostor.encode()
        )  # an admin settles it by editing both files, not by forcing one
        assert "is already a name of wuliangye" in (await admin.next_reply()).plain_text
        answer = await say(shopper, "五粮液的防伪标怎么看")
        assert "五粮液" in answer.plain_text and "贵州茅台" not in answer.plain_text
    assert moutai_file(settings) == before
    assert rows(settings, "SELECT COUNT(*) FROM guide_versions") == [(0,)]
