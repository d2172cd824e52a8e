"""A bot killed with SIGKILL loses nothing it promised: real `authbot run` processes (tests/bot_process.py)
against the loopback Bot API this test serves, on SQLite and on PostgreSQL.

Nothing is stopped politely here: no persistence flush, no closing of connections. What survives is
what was committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from databases import PostgresServer, fresh_postgres_database
from helpers import rows, until
from report_steps import answer, choose, fill_after_brand

from bot.app import NOTIFY_INTERVAL
from bot.config import Settings
from bot.core.store import Store
from bot.loopback import LoopbackBotAPI, SentMessage, SimUser

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForLoopbackTests-0123456789"
REFERENCE = re.compile(r"FW-\d{4}-\d{6}")
STARTUP = 60.0  # seconds a new process may take to load the guides and the model and answer


@dataclasses.dataclass
class BotProcess:
    """One `authbot run` process; its log (stderr) goes to a file the test reads."""

    process: asyncio.subprocess.Process
    log: Path

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def until_logged(self, text: str, within: float = STARTUP) -> None:
        deadline = time.monotonic() + within
        while text not in self.logged():
            assert self.process.returncode is None, f"the bot exited ({self.process.returncode}):\n{self.logged()}"
            assert time.monotonic() < deadline, f"never logged {text!r}:\n{self.logged()}"
            await asyncio.sleep(0.05)

    async def died_by_sigkill(self) -> None:
        await asyncio.wait_for(self.process.wait(), 30)
        assert self.process.returncode == -signal.SIGKILL, self.logged()

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        await self.died_by_sigkill()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 30)


@pytest.fixture
async def start_bot(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """``await start_bot(server, settings, name, *flags)`` starts a bot process; all are stopped after the test."""
    started: list[BotProcess] = []

    async def start(server: LoopbackBotAPI, settings: Settings, name: str, *flags: str) -> BotProcess:
        log = tmp_path / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AUTHBOT_"))}
        env.update(
            PYTHONPATH=str(ROOT),
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.base_url,
            AUTHBOT_GUIDES_DIR=str(settings.guides_dir),
            AUTHBOT_DATA_DIR=str(settings.data_dir),
            AUTHBOT_DATABASE_URL=str(settings.database_url),
            AUTHBOT_ADMIN_IDS="1",
            AUTHBOT_RATE_LIMIT="0",
        )
        with log.open("w") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "tests" / "bot_process.py"), *flags,
                cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        started.append(BotProcess(process, log))
        return started[-1]

    yield start
    for bot in started:
        await bot.stop()


@pytest.fixture
def on_each_engine(settings: Settings, database_url: str) -> Settings:
    return dataclasses.replace(settings, database_url=database_url)


def sent_to(server: LoopbackBotAPI, user: SimUser, text: str) -> list[str]:
    """Every message the bot has sent ``user`` so far that contains ``text``."""
    return [m.plain_text or "" for m in server.chat(user.id).bot_messages.values() if text in (m.plain_text or "")]


async def to_the_summary(user: SimUser, first_reply_within: float = 5.0) -> SentMessage:
    await user.send("/report")
    _, brand_question = await user.replies(2, timeout=first_reply_within)
    return await fill_after_brand(user, await choose(user, brand_question, "贵州茅台 Kweichow Moutai"), order=f"DY{user.id}")


async def test_a_bot_killed_between_the_commit_and_the_reference_announces_it_once_after_the_restart(
    on_each_engine: Settings, start_bot
) -> None:
    """The issue's crash, with SIGKILL at that exact point: the report is committed, the reply that
    carries its reference never sent. The restarted bot announces it (the outbox) and answers a second
    press of ✅ 提交 with the same reference; nothing is stored twice, no report is left half written."""
    settings = on_each_engine
    async with LoopbackBotAPI(token=TOKEN) as server:
        alice = server.user(1001, "Alice")
        dying = await start_bot(server, settings, "dying", "--die-after-commit")
        summary = await to_the_summary(alice, first_reply_within=STARTUP)
        await alice.press_nowait(summary, "✅ 提交")
        await dying.died_by_sigkill()
        [(ref,)] = rows(settings, "SELECT reference FROM reports")
        assert sent_to(server, alice, ref) == []  # committed, never told

        restarted = await start_bot(server, settings, "restarted")
        await until(lambda: sent_to(server, alice, f"已提交并保存，编号 {ref}"), STARTUP)
        await alice.press(summary, "✅ 提交")
        await until(lambda: sent_to(server, alice, "已经提交过了"), 10)
        listing = await answer(alice, "/myreports")
        await restarted.stop()
    assert ref in listing.plain_text and "你正在填写举报" not in listing.plain_text
    assert len(sent_to(server, alice, f"已提交并保存，编号 {ref}")) == 1  # announced exactly once
    assert set(sent_to(server, alice, "已经提交过了")) == {
        f"这份举报已经提交过了，编号 {ref}，没有重复登记。用 /myreports 查看进度。"
    }
    assert rows(settings, "SELECT COUNT(*) FROM reports") == [(1,)]
    assert rows(settings, "SELECT COUNT(*) FROM conversations") == [(0,)]


async def test_the_standby_takes_over_from_a_killed_leader_and_no_promised_reference_is_lost(
    settings: Settings, postgres_server: PostgresServer, start_bot
) -> None:
    """Two `authbot run` on one PostgreSQL. The leader is killed while Alice is half-way through
    /report and Carol's ✅ 提交 is in flight; enforcement moves Bob's report meanwhile. The standby
    takes over within 10 s, Alice finishes her report, Bob hears of the move, Carol has her
    reference, and every reference a shopper was told is stored (and every stored one was told)."""
    with fresh_postgres_database(postgres_server.require()) as url:
        config = dataclasses.replace(settings, database_url=url)
        async with LoopbackBotAPI(token=TOKEN) as server:
            alice, bob, carol = server.user(1001, "Alice"), server.user(1002, "Bob"), server.user(1003, "Carol")
            leader = await start_bot(server, config, "leader")
            await leader.until_logged("leading")
            standby = await start_bot(server, config, "standby")
            await standby.until_logged("standing by")

            bob_summary = await to_the_summary(bob)
            [bob_ref] = REFERENCE.findall((await choose(bob, bob_summary, "✅ 提交")).plain_text or "")
            await alice.send("/report")
            _, brand_question = await alice.replies(2)
            product_question = await choose(alice, brand_question, "贵州茅台 Kweichow Moutai")
            platform_question = await answer(alice, "53度飞天茅台")
            shop_question = await choose(alice, platform_question, "抖音直播间")
            link_question = await answer(alice, "酒水特卖直播间")
            assert "链接" in link_question.plain_text
            carol_summary = await to_the_summary(carol)  # no pause: each step is committed as it is taken

            await carol.press_nowait(carol_summary, "✅ 提交")
            await leader.kill()
            killed = time.monotonic()
            store = await Store.open(config.database)  # enforcement moves Bob's report during the failover
            await store.reports.change_status(bob_ref, "under_review", changed_by=1, note="已转品牌方核实")
            await store.close()
            await alice.send("https://v.douyin.com/abc123/")
            order_question = await alice.next_reply(timeout=15)
            took_over = time.monotonic() - killed
            assert "订单号" in order_question.plain_text  # the standby went on where Alice was

            assert "实付金额" in (await answer(alice, "DY1001")).plain_text
            assert "购买日期" in (await answer(alice, "¥1,299.00")).plain_text
            assert "哪里看起来不对" in (await answer(alice, "2026-11-20")).plain_text
            photos_question = await choose(alice, await answer(alice, "胶帽有褶皱"), "验证没通过")
            consent_question = await answer(alice, "/skip")
            done = await choose(alice, await choose(alice, consent_question, "同意"), "✅ 提交")
            [alice_ref] = REFERENCE.findall(done.plain_text or "")
            await until(lambda: sent_to(server, bob, "已转品牌方核实"), 2 * NOTIFY_INTERVAL + 5)

            # Carol: told her reference (by the leader, or by the outbox after the takeover), or her
            # press died with the leader before anything was committed: then she presses again
            await asyncio.sleep(2 * NOTIFY_INTERVAL + 1)
            carol_pressed_again = not REFERENCE.findall(" ".join(sent_to(server, carol, "编号")))
            if carol_pressed_again:
                assert rows(config, "SELECT COUNT(*) FROM reports WHERE user_id = 1003") == [(0,)]
                await choose(carol, carol_summary, "✅ 提交")
            await standby.stop()
        stored = dict(rows(config, "SELECT reference, user_id FROM reports"))

    told = {ref: user.id for user in (alice, bob, carol) for ref in REFERENCE.findall(" ".join(sent_to(server, user, "编号")))}
    assert told == stored and len(stored) == 3  # no promised reference lost, none stored untold
    assert alice_ref in stored and bob_ref in stored
    assert len(sent_to(server, bob, "已转品牌方核实")) >= 1  # at least once
    assert server.conflicts == 0  # never two instances polling at once
    assert "leading" in standby.logged()
    assert took_over < 10  # within 10 seconds of the kill, the old leader's grace included
    del product_question, shop_question, photos_question
    print(f"the standby answered {took_over:.1f} s after the leader was killed; Carol pressed again: {carol_pressed_again}")
