"""Two `authbot run` instances on one PostgreSQL: one leads (polls, delivers), the other stands by,
and takes over when the leader loses its database connection — two real Applications in this
process, against the loopback Bot API."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

import psycopg
from databases import PostgresServer, fresh_postgres_database
from helpers import say, until
from report_steps import answer, choose
from telegram.ext import AIORateLimiter

from bot import persistence
from bot.app import build_application
from bot.config import Settings
from bot.core.library import GuideLibrary
from bot.core.store import leader
from bot.loopback import LoopbackBotAPI, running


async def test_the_standby_takes_over_when_the_leader_loses_its_connection_and_never_two_poll(
    loopback: LoopbackBotAPI, settings: Settings, postgres_server: PostgresServer, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="authbot.leader")
    alice = loopback.user(1001, "Alice")
    with fresh_postgres_database(postgres_server.require()) as url:
        config = dataclasses.replace(settings, database_url=url)
        library = GuideLibrary.open(config.guides_dir)

        def instance(leadership: leader.Leadership):  # type: ignore[no-untyped-def]
            limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
            return build_application(config, library, loopback.app_builder(), rate_limiter=limiter, leadership=leadership)

        first_lock, second_lock = leader.Leadership(config.database), leader.Leadership(config.database)
        first, second = instance(first_lock), instance(second_lock)
        second_may_stop = asyncio.Event()

        async def run_second() -> None:  # as `authbot run` does: the lock before initialize()
            await second_lock.acquire()
            async with running(second, poll_timeout=1):
                await second_may_stop.wait()

        await first_lock.acquire()
        async with running(first, poll_timeout=1):
            assert first.updater is not None and first.updater.running  # the first one leads
            standby = asyncio.create_task(run_second())
            await until(lambda: any("standing by" in r.getMessage() for r in caplog.records), 10)
            assert second.updater is not None and not second.updater.running
            assert "贵州茅台" in (await say(alice, "茅台瓶盖怎么看")).plain_text
            # Alice starts a report with the leader, after the standby started
            await alice.send("/report")
            _, brand_question = await alice.replies(2)
            product_question = await choose(alice, brand_question, "贵州茅台 Kweichow Moutai")
            platform_question = await answer(alice, "53度飞天茅台 500ml")
            await asyncio.sleep(persistence.UPDATE_INTERVAL + 0.5)  # saved by the leader's persistence

            with psycopg.connect(url, autocommit=True) as admin:  # the leader's database connection dies
                cut = time.monotonic()
                killed = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                ).fetchall()
            assert killed == [(True,)]
            stopped = await until(lambda: not first.updater.running, 5)
            took_over = await until(lambda: second.updater.running, 10)
            assert stopped < took_over, "two instances polled at once"
            assert loopback.conflicts == 0  # and Telegram (the loopback) never saw two live pollers
            assert took_over - cut < 10  # within 10 seconds, grace included
            assert any("stepping down" in r.getMessage() for r in caplog.records)
            # the new leader goes on with Alice's report where she was
            assert "名称" in (await choose(alice, platform_question, "抖音直播间")).plain_text
            assert "链接" in (await answer(alice, "酒水特卖直播间")).plain_text
            await alice.send("/cancel")
            await alice.next_reply()
            assert "周大福" in (await say(alice, "周大福证书怎么查")).plain_text  # the new leader answers
            second_may_stop.set()
            await standby
    del product_question
    print(f"stepped down {stopped - cut:.1f} s after the cut, standby polling {took_over - cut:.1f} s after it")
    assert leader.TAKEOVER_GRACE >= leader.CHECK_SECONDS + leader.CHECK_TIMEOUT
