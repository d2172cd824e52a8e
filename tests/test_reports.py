"""Reporting a suspected fake, end to end through the loopback Bot API, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time

import pytest
from helpers import rows
from report_steps import JPEG_A, JPEG_B, answer, choose, fill_after_brand

from bot import app as reports_app
from bot.config import Settings
from bot.core.reports import Draft
from bot.core.store import Store
from bot.handlers import reports
from bot.loopback import LoopbackBotAPI, SentMessage, SimUser


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """The shared settings, with the bot's database on each engine in turn."""
    return dataclasses.replace(settings, database_url=database_url)


async def test_a_full_report_with_photos_is_committed_then_numbered(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        intro_and_brand = await alice.send("/report")
        intro = await alice.next_reply()
        assert "/cancel" in intro.plain_text
        brand_question = await alice.next_reply()
        product_question = await choose(alice, brand_question, "贵州茅台 Kweichow Moutai")
        summary = await fill_after_brand(alice, product_question)
        assert "请确认" in summary.plain_text and "¥1,299.00" in summary.plain_text and "照片：2" in summary.plain_text
        done = await choose(alice, summary, "✅ 提交")
    ref = done.plain_text.split("编号 ")[1].split("。")[0]
    assert ref == f"FW-{time.gmtime().tm_year}-000001"  # the first report of the database, numbered in the UTC year it was filed
    stored = rows(
        settings,
        "SELECT reference, brand, platform, shop, link, order_number, price_cents, purchase_date, official_check, consent, status FROM reports",
    )
    assert stored == [
        (
            ref,
            "moutai",
            "douyin_live",
            "酒水特卖直播间",
            "https://v.douyin.com/abc123/",
            "DY20261120001",
            129900,
            "2026-11-20",
            "failed",
            1,
            "submitted",
        )
    ]
    evidence = rows(settings, "SELECT sha256, file_id FROM evidence ORDER BY id")
    assert [e[0] for e in evidence] == [hashlib.sha256(JPEG_A).hexdigest(), hashlib.sha256(JPEG_B).hexdigest()]
    for sha, file_id in evidence:
        assert file_id
        stored_file = settings.data_dir / "evidence" / sha[:2] / f"{sha}.jpg"
        assert hashlib.sha256(stored_file.read_bytes()).hexdigest() == sha
    assert rows(settings, "SELECT from_status, to_status, changed_by FROM status_history") == [(None, "submitted", 1001)]
    del intro_and_brand


async def test_reporting_from_an_answer_fills_in_brand_and_tip(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        tip = await answer(alice, "茅台瓶盖胶帽怎么看")
        await alice.press(tip, "举报疑似假货 / Report a suspected fake")
        await alice.next_reply()  # intro
        product_question = await alice.next_reply()  # the brand is known: straight to the product
        summary = await fill_after_brand(alice, product_question)
        assert "不符合的防伪要点" in summary.plain_text
        await choose(alice, summary, "✅ 提交")
    [(brand, failed_tip)] = rows(settings, "SELECT brand, failed_tip FROM reports")
    assert brand == "moutai" and failed_tip == "capsule-cap"


async def test_cancel_at_any_point_saves_nothing(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("/report")
        await alice.replies(2)
        await alice.send("/cancel")
        assert "已取消" in (await alice.next_reply()).plain_text
        assert "贵州茅台" in (await answer(alice, "茅台瓶盖怎么看")).plain_text  # back to questions
    assert rows(settings, "SELECT COUNT(*) FROM reports") == [(0,)]


async def test_invalid_answers_are_asked_again(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("/report")
        _, brand_question = await alice.replies(2)
        await choose(alice, brand_question, "周大福 Chow Tai Fook")
        platform_question = await answer(alice, "足金手镯")
        await choose(alice, platform_question, "其他App / 网店")
        await answer(alice, "某某金店")
        assert "不是有效的链接" in (await answer(alice, "htp:/not a link")).plain_text
        assert "不是有效的链接" in (await answer(alice, "www.")).plain_text
        assert "订单号" in (await answer(alice, "/skip")).plain_text
        assert "4-64" in (await answer(alice, "#")).plain_text
        await answer(alice, "/skip")
        assert "负数" in (await answer(alice, "-5")).plain_text
        assert "没看懂金额" in (await answer(alice, "很贵")).plain_text
        await answer(alice, "3999")
        assert "没看懂日期" in (await answer(alice, "上辈子")).plain_text
        assert "不能晚于今天" in (await answer(alice, "2999-01-01")).plain_text
        await answer(alice, "昨天")
        assert "太长了" in (await answer(alice, "假" * 10240)).plain_text
        assert "不能跳过" in (await answer(alice, "/skip")).plain_text
        check_question = await answer(alice, "颜色发暗")
        photos_question = await choose(alice, check_question, "没试过")
        for n in range(10):
            await alice.send_photo(bytes([n]) * 64)
            await alice.next_reply()
        await alice.send_photo(b"eleven")
        full = await alice.next_reply()
        assert "最多只能发 10 张" in full.plain_text
        consent_question = await choose(alice, full, "完成")
        assert "联系" in consent_question.plain_text
    del photos_question


async def test_an_abandoned_report_times_out_and_says_so(
    loopback: LoopbackBotAPI, authbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "TIMEOUT_SECONDS", 1)
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("/report")
        await alice.replies(2)
        timed_out = await alice.next_reply(timeout=10)
    assert "超时" in timed_out.plain_text


async def test_a_report_in_progress_survives_a_restart(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("/report")
        _, brand_question = await alice.replies(2)
        product_question = await choose(alice, brand_question, "耐克 Nike")
        platform_question = await answer(alice, "Air Jordan 1 High")
    async with authbot():  # a new Application on the same database: the bot restarted
        summary = await fill_after_brand_from_platform(alice, platform_question)
        done = await choose(alice, summary, "✅ 提交")
    assert "FW-" in done.plain_text
    assert rows(settings, "SELECT brand, product FROM reports") == [("nike", "Air Jordan 1 High")]
    del product_question


async def test_each_step_is_committed_before_its_question_is_shown(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    """Not at the next periodic save (once a second): once the shopper can answer, a bot killed and
    restarted, or a standby taking over, knows the step and the draft (tests/test_failover.py kills
    one for real)."""
    alice = loopback.user(1001, "Alice")

    def saved() -> tuple[str, str]:
        [(state, draft)] = rows(settings, "SELECT c.state, u.data FROM conversations c, user_data u WHERE u.user_id = 1001")
        return state, draft

    async with authbot():
        await alice.send("/report")
        _, brand_question = await alice.replies(2)
        product_question = await choose(alice, brand_question, "耐克 Nike")
        product_step, draft = saved()
        assert '"nike"' in draft
        platform_question = await answer(alice, "Air Jordan 1 High")
        platform_step, draft = saved()
        assert "Air Jordan 1 High" in draft and platform_step != product_step
    del product_question, platform_question


async def fill_after_brand_from_platform(user: SimUser, platform_question: SentMessage) -> SentMessage:
    shop_question = await choose(user, platform_question, "线下门店")
    await answer(user, "万达广场某鞋店")
    for _ in range(4):
        await answer(user, "/skip")
    check_question = await answer(user, "鞋标字体发虚")
    photos_question = await choose(user, check_question, "验证通过")
    consent_question = await answer(user, "/skip")
    del shop_question, photos_question
    return await choose(user, consent_question, "不同意")


async def test_limits_and_duplicates(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        for _ in range(2):
            await alice.send("/report")
            _, brand_question = await alice.replies(2)
            product_question = await choose(alice, brand_question, "贵州茅台 Kweichow Moutai")
            summary = await fill_after_brand(alice, product_question, order="SAME-ORDER-1")
            done = await choose(alice, summary, "✅ 提交")
        assert "已经举报过" in done.plain_text
        assert rows(settings, "SELECT COUNT(*), MAX(duplicates) FROM reports") == [(1, 1)]
        store = await Store.open(settings.database)
        for _ in range(4):
            await store.reports.submit(
                1001,
                1001,
                Draft(
                    brand="nike", product="p", platform="other", shop="s", problem="x", official_check="not_tried", consent=False
                ),
            )
        await store.close()
        await alice.send("/report")
        assert "最多提交 5 份" in (await alice.next_reply()).plain_text


async def test_status_changes_reach_the_shopper_and_myreports_lists_them(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("/report")
        _, brand_question = await alice.replies(2)
        summary = await fill_after_brand(alice, await choose(alice, brand_question, "贵州茅台 Kweichow Moutai"))
        done = await choose(alice, summary, "✅ 提交")
        ref = done.plain_text.split("编号 ")[1].split("。")[0]
        store = await Store.open(settings.database)
        await store.reports.change_status(ref, "under_review", changed_by=1, note="已转品牌方核实")
        await store.close()
        news = await alice.next_reply(timeout=10)
        assert ref in news.plain_text and "审核中" in news.plain_text and "已转品牌方核实" in news.plain_text
        listing = await answer(alice, "/myreports")
    assert ref in listing.plain_text and "审核中" in listing.plain_text
    # two messages went through the outbox: the reference, then the status change; each sent once
    assert rows(settings, "SELECT COUNT(*), SUM(attempts) FROM notifications WHERE sent_at IS NOT NULL") == [(2, 2)]


class Killed(Exception):
    """The bot dies here: nothing after this point of the handler runs."""


async def test_a_bot_stopped_between_the_commit_and_the_reference_announces_it_once_after_the_restart(
    loopback: LoopbackBotAPI, authbot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's crash: the report is committed, the reply with its reference never sent.

    The Application is stopped right after the commit (the handler dies there; stopping flushes
    the persistence one last time, so the old step and draft are written back: the worst case).
    After a restart on the same database the outbox announces the reference, and pressing
    ✅ 提交 again on the summary answers with the same reference; nothing is stored twice.
    """
    alice = loopback.user(1001, "Alice")
    committed = asyncio.Event()

    async def die(context: object) -> None:
        committed.set()
        raise Killed()

    monkeypatch.setattr(reports, "_after_commit", die)
    async with authbot():
        await alice.send("/report")
        _, brand_question = await alice.replies(2)
        summary = await fill_after_brand(alice, await choose(alice, brand_question, "贵州茅台 Kweichow Moutai"))
        await alice.press(summary, "✅ 提交")
        await asyncio.wait_for(committed.wait(), timeout=10)
    [(ref,)] = rows(settings, "SELECT reference FROM reports")
    # the stop's last persistence flush wrote the draft back (and, when the summary was shown less
    # than a second before, the step too): the state the issue found after its kill
    assert rows(settings, "SELECT COUNT(*) FROM user_data WHERE user_id = 1001") == [(1,)]
    monkeypatch.undo()

    chat = loopback.chat(alice.id)

    def announced() -> int:
        return sum(f"已提交并保存，编号 {ref}" in (m.plain_text or "") for m in chat.bot_messages.values())

    async with authbot():
        await alice.press(summary, "✅ 提交")
        # the job's first run comes a second after the start, the next one NOTIFY_INTERVAL later:
        # by then a pending announcement is sent, and a second delivery would be too
        await asyncio.sleep(1 + 2 * reports_app.NOTIFY_INTERVAL + 0.5)
        texts = [m.plain_text or "" for m in chat.bot_messages.values()]
    assert [t for t in texts if "已经提交过了" in t] == [
        f"这份举报已经提交过了，编号 {ref}，没有重复登记。用 /myreports 查看进度。"
    ]
    assert announced() == 1, texts  # exactly once through the outbox, whichever run sent it
    assert rows(settings, "SELECT COUNT(*) FROM reports") == [(1,)]
    assert rows(settings, "SELECT COUNT(*), SUM(attempts) FROM notifications WHERE sent_at IS NOT NULL") == [(1, 1)]
    assert rows(settings, "SELECT COUNT(*) FROM conversations") == [(0,)]
    listing = await _myreports_after_restart(authbot, alice)
    assert ref in listing and "你正在填写举报" not in listing


async def _myreports_after_restart(authbot, user: SimUser) -> str:
    async with authbot():
        return (await answer(user, "/myreports")).plain_text or ""
