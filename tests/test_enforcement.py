"""Enforcement teams, end to end: review, status with a note (the shopper is told), export,
repeat offenders, evidence packs — and scoping to brands."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import say

from bot.config import Settings
from bot.core.evidence import store_evidence
from bot.core.reports import Draft, Photo
from bot.core.store import Store
from bot.loopback import LoopbackBotAPI, SentMessage, SimUser

ROOT = Path(__file__).resolve().parent.parent
ADMIN, ENFORCER, MOUTAI_TEAM, SHOPPER = 1, 3001, 3002, 4001
PHOTO = b"\xff\xd8\xff\xe0" + b"evidence" * 50


async def seed(settings: Settings) -> list[str]:
    """Reports from several shoppers about a few shops, written the way shoppers write them."""
    store = await Store.open(settings.database)
    sha = store_evidence(settings.data_dir, PHOTO, "image/jpeg")
    rows = [
        (SHOPPER, "moutai", '=HYPERLINK("http://evil")', "酒仙官方旗舰店", [Photo(sha, "photo-file-id", "u1", len(PHOTO))]),
        (4002, "moutai", "飞天 53度", "酒仙旗舰店", []),
        (4003, "moutai", "飞天", "酒仙 旗舰店 ", []),
        (4003, "moutai", "茅台王子", "好酒直播间", []),
        (4004, "nike", "AJ1", "潮鞋小店", []),
    ]
    refs = []
    for user, brand, product, shop, photos in rows:
        draft = Draft(
            brand=brand,
            product=product,
            platform="douyin_live",
            shop=shop,
            problem="+SUM(A1) 胶帽起皱",
            official_check="failed",
            consent=True,
            photos=photos,
            order_number=f"O{user}{len(refs)}",
        )
        refs.append((await store.reports.submit(user, user, draft)).reference)
    await store.roles.grant(_grant(ENFORCER, None), ADMIN)
    await store.roles.grant(_grant(MOUTAI_TEAM, "moutai"), ADMIN)
    await store.close()
    return refs


def _grant(user: int, brand: str | None):  # type: ignore[no-untyped-def]
    from bot.core.roles import Grant, Role

    return Grant(user, Role.ENFORCEMENT, brand)


async def test_review_open_photos_and_move_to_confirmed_with_a_note(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    refs = await seed(settings)
    enforcer, shopper = loopback.user(ENFORCER, "Enforcer"), loopback.user(SHOPPER, "Shopper")
    async with authbot():
        listing = await say(enforcer, "/reports submitted")
        assert "共 5 份" in listing.plain_text and refs[0] in listing.plain_text
        await enforcer.press(listing, next(label for row in listing.buttons for label, _ in row if label.startswith(refs[0])))
        detail = await enforcer.next_reply()
        assert "酒仙官方旗舰店" in detail.plain_text and "已提交" in detail.plain_text
        await enforcer.press(detail, "📷 照片（1）")
        photo = await enforcer.next_reply()
        assert "sha256" in photo.plain_text
        await enforcer.press(detail, "→ 审核中")
        assert "请输入给举报人的说明" in (await enforcer.next_reply()).plain_text
        assert "已通知举报人" in (await say(enforcer, "/skip")).plain_text
        await shopper.next_reply(timeout=10)  # under review
        await enforcer.press(listing, next(label for row in listing.buttons for label, _ in row if label.startswith(refs[0])))
        detail = await enforcer.next_reply()
        await enforcer.press(detail, "→ 确认为假货")
        await enforcer.next_reply()
        await say(enforcer, "鉴定为假冒，已转平台下架")
        told = await shopper.next_reply(timeout=10)
    assert refs[0] in told.plain_text and "确认为假货" in told.plain_text and "已转平台下架" in told.plain_text
    with sqlite3.connect(settings.database.sqlite_path) as db:
        assert db.execute(
            "SELECT to_status, changed_by, note FROM status_history WHERE to_status != 'submitted' ORDER BY id"
        ).fetchall() == [("under_review", ENFORCER, None), ("confirmed_counterfeit", ENFORCER, "鉴定为假冒，已转平台下架")]
        assert {a for (a,) in db.execute("SELECT action FROM audit")} >= {"list reports", "view evidence", "status"}


async def test_export_opens_cleanly_in_a_spreadsheet(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    await seed(settings)
    enforcer = loopback.user(ENFORCER, "Enforcer")
    async with authbot():
        done = await say(enforcer, "/export brand=moutai")
        csv_file, jsonl_file = await enforcer.replies(2)
    assert "4 份" in done.plain_text
    raw = csv_file.document
    assert raw is not None and raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, first = table[0], table[1]
    assert header[:3] == ["reference", "status", "brand"] and len(table) == 5
    assert first[header.index("product")] == '\'=HYPERLINK("http://evil")'  # no live formula
    assert first[header.index("problem")].startswith("'+SUM")
    assert first[header.index("shop")] == "酒仙官方旗舰店"
    assert len(first[header.index("evidence_sha256")]) == 64
    records = [json.loads(line) for line in jsonl_file.document.decode().splitlines()]  # type: ignore[union-attr]
    assert records[0]["product"] == '=HYPERLINK("http://evil")' and len(records[0]["evidence_sha256"]) == 1


async def test_repeat_offenders_count_distinct_shoppers_once_per_shop(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    await seed(settings)
    enforcer = loopback.user(ENFORCER, "Enforcer")
    async with authbot():
        ranking = await say(enforcer, "/sellers moutai")
    lines = ranking.plain_text.splitlines()
    assert "酒仙" in lines[1] and "3 人举报" in lines[1]  # three spellings, three shoppers, one shop
    assert "好酒直播间" in lines[2] and "1 人举报" in lines[2]
    assert "潮鞋小店" not in ranking.plain_text


async def test_evidence_pack_verifies_and_tampering_is_caught(
    loopback: LoopbackBotAPI, authbot, settings: Settings, tmp_path: Path
) -> None:
    refs = await seed(settings)
    enforcer = loopback.user(ENFORCER, "Enforcer")
    async with authbot():
        await enforcer.send(f"/evidence {refs[0]}")
        pack = await enforcer.next_reply()
    path = tmp_path / "pack.zip"
    path.write_bytes(pack.document)  # type: ignore[arg-type]
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert {"report.json", "manifest.json"} <= names and any(n.startswith("photos/") for n in names)
        assert json.loads(z.read("report.json"))["report"]["reference"] == refs[0]
    verify = [sys.executable, "-m", "bot", "evidence", "--verify"]
    assert subprocess.run([*verify, str(path)], capture_output=True, cwd=ROOT).returncode == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name) + (b"x" if name.startswith("photos/") else b""))
    done = subprocess.run([*verify, str(tampered)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1 and "does not match" in done.stdout


async def test_a_brand_scoped_team_sees_and_exports_only_its_brand(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    refs = await seed(settings)
    team = loopback.user(MOUTAI_TEAM, "Moutai IP team")
    async with authbot():
        listing = await say(team, "/reports")
        assert "共 4 份" in listing.plain_text and refs[4] not in listing.plain_text
        assert (await say(team, "/reports nike")).plain_text == "抱歉，你没有权限执行这个操作。"
        another_brands = (await say(team, f"/evidence {refs[4]}")).plain_text
        unknown = (await say(team, "/evidence FW-2026-999999")).plain_text
        assert (
            another_brands == f"没有找到举报 {refs[4]}。" and unknown == "没有找到举报 FW-2026-999999。"
        )  # alike: nothing revealed
        assert (await say(team, "/export brand=nike")).plain_text == "抱歉，你没有权限执行这个操作。"
        await team.send("/export")
        done, csv_file, _ = await team.replies(3)
    assert "4 份" in done.plain_text and b"AJ1" not in csv_file.document  # type: ignore[operator]


async def test_enforcement_commands_are_refused_to_shoppers_and_brand_staff(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    refs = await seed(settings)
    shopper, staff = loopback.user(SHOPPER, "Shopper"), loopback.user(2001, "Staff")
    admin = loopback.user(ADMIN, "Admin")
    async with authbot():
        await say(admin, "/grant 2001 staff moutai")
        for user in (shopper, staff):
            for command in ("/reports", "/reports submitted moutai", "/export", "/sellers", f"/evidence {refs[0]}"):
                assert (await say(user, command)).plain_text == "抱歉，你没有权限执行这个操作。", (user, command)


async def test_buttons_check_the_role_when_pressed_not_when_shown(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    refs = await seed(settings)
    admin, former = loopback.user(ADMIN, "Admin"), loopback.user(2001, "Former enforcer")
    async with authbot():
        await say(admin, "/grant 2001 enforcement")
        listing = await say(former, "/reports")
        await former.press(listing, next(label for row in listing.buttons for label, _ in row if label.startswith(refs[0])))
        detail = await former.next_reply()
        await say(admin, "/revoke 2001 enforcement")
        refused = await former.press(detail, "→ 审核中")
        assert refused.show_alert and "没有权限" in (refused.text or "")
        refused = await former.press(
            listing, next(label for row in listing.buttons for label, _ in row if label.startswith(refs[1]))
        )
        assert "没有权限" in (refused.text or "")
        await former.no_reply(within=0.5)
    with sqlite3.connect(settings.database.sqlite_path) as db:
        assert db.execute("SELECT COUNT(*) FROM status_history WHERE to_status != 'submitted'").fetchone() == (0,)


def test_cli_export_streams_csv_and_jsonl(tmp_path: Path) -> None:
    import asyncio

    settings = Settings(guides_dir=ROOT / "brand_guides", data_dir=tmp_path)
    asyncio.run(seed(settings))
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "export",
                "--format",
                fmt,
                "--brand",
                "moutai",
                "--since",
                "2020-01-01",
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"AUTHBOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        assert "exported 4 reports" in done.stderr
    assert out.read_text(encoding="utf-8").count("\n") == 4


async def test_a_report_card_shows_names_titles_and_who_moved_it(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    store = await Store.open(settings.database)
    draft = Draft(
        brand="moutai",
        product="飞天",
        platform="offline",
        shop="某店",
        problem="胶帽起皱",
        official_check="failed",
        consent=True,
        failed_tip="capsule-cap",
    )
    ref = (await store.reports.submit(SHOPPER, SHOPPER, draft)).reference
    await store.roles.grant(_grant(ENFORCER, None), ADMIN)
    await store.close()
    enforcer = loopback.user(ENFORCER, "Enforcer")
    async with authbot():
        card = await _open(enforcer, ref)
        shown = card.plain_text
        assert "品牌：贵州茅台 Kweichow Moutai" in shown and "moutai" not in shown  # the brand's name, not its id
        assert "不符合的防伪要点：看红胶帽、瓶盖和瓶头喷码" in shown and "capsule-cap" not in shown  # the tip's title
        assert "· 已提交 · 举报人" in shown and "(4001)" not in shown and "submitted" not in shown
        await enforcer.press(card, "→ 审核中")
        await enforcer.next_reply()
        await say(enforcer, "已联系品牌方")
        moved = (await _open(enforcer, ref)).plain_text
    assert "· 已提交 → 审核中 · 你 · 说明：已联系品牌方" in moved and "→ under_review" not in moved


async def _open(user: SimUser, ref: str) -> SentMessage:
    """The report's card, opened from /reports as an enforcer does."""
    listing = await say(user, "/reports")
    await user.press(listing, next(label for row in listing.buttons for label, _ in row if label.startswith(ref)))
    return await user.next_reply()
