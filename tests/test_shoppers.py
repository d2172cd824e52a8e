"""Shoppers on Telegram, end to end: the real Application, HTTP, the loopback Bot API server."""

from __future__ import annotations

import asyncio
import logging
import time

from helpers import rows, say

from bot.callbacks import OpenTip, decode
from bot.config import Settings
from bot.loopback import LoopbackBotAPI


async def test_start_welcomes_in_chinese_then_english_and_registers_the_menu(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice", language_code="zh-hans")
    async with authbot():
        await alice.send("/start")
        welcome = await alice.next_reply()
    assert "防伪dou知道" in welcome.plain_text and "17" in welcome.plain_text and "/brands" in welcome.plain_text
    menu_zh = loopback.commands[("default", "zh")]
    menu_en = loopback.commands[("default", "")]
    assert [c["command"] for c in menu_zh] == ["start", "brands", "report", "myreports", "whoami", "help"]
    assert menu_zh[1]["description"] == "按品类浏览合作品牌" and menu_en[1]["description"] == "Browse partner brands"


async def test_a_typo_question_gets_the_moutai_cap_tip_with_buttons(
    loopback: LoopbackBotAPI, authbot, settings: Settings
) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("毛台的瓶盖怎么看")
        answer = await alice.next_reply()
        labels = [label for row in answer.buttons for label, _ in row]
        assert answer.parse_mode == "HTML"
        assert "贵州茅台" in answer.plain_text and "瓶盖" in answer.plain_text
        assert "官方验证" in answer.plain_text and "仿制" in answer.plain_text  # official channel, clone warning
        assert labels[:2] == ["👍", "👎"]
        assert "举报疑似假货 / Report a suspected fake" in labels
        await alice.press(answer, "👍")
        edited = await alice.next_edit()
    assert "✅" in edited.buttons[0][0][0]
    assert rows(settings, "SELECT user_id, brand, vote FROM feedback") == [(1001, "moutai", 1)]


async def test_related_tip_buttons_open_the_tip(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("茅台瓶盖上的NFC芯片怎么用手机读")
        answer = await alice.next_reply()
        related = [label for row in answer.buttons[1:] for label, data in row if isinstance(decode(data), OpenTip)]
        assert related
        await alice.press(answer, related[0])
        follow_up = await alice.next_reply()
    assert related[0] in follow_up.plain_text


async def test_english_question_gets_english_words(loopback: LoopbackBotAPI, authbot) -> None:
    bob = loopback.user(1002, "Bob", language_code="en")
    async with authbot():
        await bob.send("How do I check the NFC chip in a Moutai cap?")
        answer = await bob.next_reply()
    assert "Verify officially" in answer.plain_text
    assert "cloned" in answer.plain_text


async def test_no_answer_is_honest_and_recorded(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("香奈儿包怎么辨别真假")
        reply = await alice.next_reply()
        await alice.send("香奈儿包怎么辨别真假？")
        await alice.next_reply()
    assert "香奈儿" in reply.plain_text and "合作品牌" in reply.plain_text and "12315" in reply.plain_text
    assert rows(settings, "SELECT COUNT(*) FROM unanswered") == [(2,)]


async def test_ambiguous_question_asks_which_one(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("茅台和五粮液")
        reply = await alice.next_reply()
        assert "哪一个" in reply.plain_text
        choices = [label for row in reply.buttons for label, _ in row]
        assert set(choices) == {"贵州茅台 Kweichow Moutai", "五粮液 Wuliangye"}


async def test_brands_lists_categories_then_tips_then_a_tip(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("/brands")
        listing = await alice.next_reply()
        assert "酒类" in listing.plain_text and "虚拟商品" in listing.plain_text
        await alice.press(listing, "周大福 Chow Tai Fook")
        tips = await alice.next_edit()
        first_tip = tips.buttons[0][0][0]
        await alice.press(tips, first_tip)
        shown = await alice.next_reply()
    assert first_tip in shown.plain_text


async def test_html_in_questions_is_escaped(loopback: LoopbackBotAPI, authbot) -> None:
    mallory = loopback.user(1003, "<b>Mallory</b> & co")
    async with authbot():
        await mallory.send("/start")
        welcome = await mallory.next_reply()
        await mallory.send("<script>alert(1)</script> 周大福 & 茅台 <b>")
        reply = await mallory.next_reply()
    assert "&lt;b&gt;Mallory&lt;/b&gt; &amp; co" in welcome.text  # the server would have refused bad HTML
    assert reply.text


async def test_photos_stickers_voice_and_groups_are_handled_politely(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice")
    group = loopback.group(-100500, "Shoppers")
    async with authbot():
        await alice.send_photo(b"\xff\xd8 not really a jpeg")
        assert "文字" in (await alice.next_reply()).plain_text
        await alice.send_sticker()
        assert "文字" in (await alice.next_reply()).plain_text
        await alice.send_voice()
        assert "文字" in (await alice.next_reply()).plain_text
        await alice.send("茅台瓶盖怎么看", chat=group)
        await group.no_reply(within=0.5)  # not addressed to the bot
        await alice.send("@authbot 茅台瓶盖怎么看", chat=group)
        assert "贵州茅台" in (await group.next_reply()).plain_text


async def test_an_edited_question_is_answered_again(loopback: LoopbackBotAPI, authbot) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot():
        sent = await alice.send("毛台")
        await alice.next_reply()
        await alice.edit(sent, "茅台瓶盖怎么看")
        assert "瓶盖" in (await alice.next_reply()).plain_text


async def test_a_flood_of_200_messages_from_50_shoppers_is_answered_in_order(loopback: LoopbackBotAPI, authbot) -> None:
    questions = ["茅台瓶盖怎么看", "周大福证书怎么查", "你好", "耐克鞋标怎么看"]
    shoppers = [loopback.user(2000 + i, f"Shopper {i}") for i in range(50)]
    async with authbot():
        started = time.perf_counter()
        await asyncio.gather(*(s.send(f"{q} #{n}") for n in range(1) for s in shoppers for q in questions))
        replies = await asyncio.gather(*(s.replies(len(questions), timeout=60) for s in shoppers))
        elapsed = time.perf_counter() - started
    for got in replies:
        texts = [r.plain_text for r in got]
        assert "贵州茅台" in texts[0] and "周大福" in texts[1] and "抱歉" in texts[2] and "耐克" in texts[3]
    print(f"200 questions from 50 shoppers answered in {elapsed:.2f} s")


async def test_a_failure_is_logged_with_the_update_id_and_the_user_told_politely(
    loopback: LoopbackBotAPI, authbot, monkeypatch, caplog
) -> None:
    from bot.core.store.answer_log import AnswerLog

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(AnswerLog, "unanswered", broken)
    alice = loopback.user(1001, "Alice")
    async with authbot():
        await alice.send("香奈儿包怎么辨别真假")
        reply = await alice.next_reply()
        assert "茅台" in (await say(alice, "茅台瓶盖怎么看")).plain_text  # the bot carries on
    assert reply.plain_text == "抱歉，出了点问题，请稍后再试。"
    assert "disk on fire" not in reply.plain_text
    failures = [r for r in caplog.records if r.getMessage().startswith("update ") and "failed" in r.getMessage()]
    assert failures and failures[0].exc_info is not None


async def test_an_unreachable_bot_api_is_one_warning_and_its_return_one_info_line(
    loopback: LoopbackBotAPI, authbot, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="authbot")
    alice = loopback.user(1001, "Alice")
    async with authbot():
        with loopback.outage(502):  # every poll in these seconds fails, and is retried
            await asyncio.sleep(4)
        for _ in range(100):
            if any("reachable again" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.1)
        assert "贵州茅台" in (await say(alice, "茅台瓶盖怎么看")).plain_text  # polling is back
    ours = [r for r in caplog.records if r.name == "authbot"]
    assert [(r.levelname, r.getMessage().split(" (")[0].split(" after")[0]) for r in ours] == [
        ("WARNING", "Bot API unreachable"),
        ("INFO", "Bot API reachable again"),
    ]
    assert "Bad Gateway" in ours[0].getMessage() and all(r.exc_info is None for r in ours)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
