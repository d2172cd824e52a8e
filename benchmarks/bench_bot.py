"""Questions answered per second by the whole bot, beside a bare python-telegram-bot bot.

N shoppers each ask M questions, one after another (the next once the answer arrived), through
the project's loopback Bot API (real HTTP, real getUpdates/sendMessage) with the rate limiter
off. The bot runs in a process of its own, so its CPU time (``time.process_time`` of that
process, from the first question to the last answer) is the bot's alone, not the loopback
server's or the simulated shoppers'. Measured in the same run, with the same HTTP
connection-pool size:

- ``bare``: python-telegram-bot answering from a dict holding the replies authbot sends (the
  same text, HTML and buttons, worked out before the clock starts): the library's own cost;
- ``authbot sqlite``: ``build_application`` on a fresh SQLite file;
- ``authbot postgresql``: the same on PostgreSQL, when ``--database postgresql://…`` is given (a
  database the benchmark may write to: it adds tables and rows to it).

Every question is worded differently (``茅台瓶盖怎么看 #137``: no two shoppers, no two questions
share a wording), so nothing the bot remembers of a question helps. ``--popular`` measures a
realistic mix instead: every other question is a popular one asked word for word (as shoppers
do: the same few questions, typed the same way), the rest new wordings.

Run: ``python benchmarks/bench_bot.py [--shoppers 20] [--questions 20] [--pool 8] [--database URL] [--popular]``.
Prints updates/s, reply latency p50/p99, and the bot's CPU per update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = ["茅台瓶盖怎么看", "周大福证书怎么查", "耐克鞋标怎么看", "香奈儿包怎么辨别真假"]  # the last: no tip


# --- the bot's process -------------------------------------------------------------------------


async def serve(kind: str, base_url: str, file_url: str, token: str, pool: int, database: str) -> None:
    """Run one bot against the loopback server; answer "go" and "stop" lines on stdin with CPU time."""
    import logging

    from telegram import Update
    from telegram.constants import ParseMode
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
    from telegram.request import HTTPXRequest

    from bot.loopback import running

    logging.disable(logging.WARNING)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url)
        .request(HTTPXRequest(connection_pool_size=pool, httpx_kwargs={"trust_env": False}))
        .get_updates_request(HTTPXRequest(httpx_kwargs={"trust_env": False}))
    )
    if kind == "bare":
        # The very replies authbot sends (text, HTML, buttons), worked out once, before the clock starts.
        from bot import presenter
        from bot.core.library import GuideLibrary
        from bot.handlers.common import keyboard

        catalog = GuideLibrary.open(ROOT / "brand_guides").catalog
        replies = {q: presenter.answer(catalog, catalog.ask(q), "zh") for q in QUESTIONS}

        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.message is not None and update.message.text is not None
            reply = replies[update.message.text.split(" #")[0]]
            await update.message.reply_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))

        app = builder.concurrent_updates(256).build()
        app.add_handler(MessageHandler(filters.TEXT, answer))
    else:
        from bot.app import build_application
        from bot.config import Settings
        from bot.core.library import GuideLibrary

        data_dir = Path(tempfile.mkdtemp(prefix="bench-bot-"))
        settings = Settings(
            guides_dir=ROOT / "brand_guides", data_dir=data_dir, token=token, rate_limit=0, database_url=database or None
        )
        app = build_application(settings, GuideLibrary.open(settings.guides_dir), builder)
    loop = asyncio.get_running_loop()
    profile_to = os.environ.get("BENCH_BOT_PROFILE")  # a file for cProfile's stats of the measured part
    import cProfile

    profiler = cProfile.Profile()
    async with running(app, poll_timeout=1):
        print("ready", flush=True)
        started = 0.0
        while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            if line == "go":
                started = time.process_time()
                if profile_to:
                    profiler.enable()
                print("going", flush=True)
            elif line == "stop":
                cpu = time.process_time() - started
                if profile_to:
                    profiler.disable()
                    profiler.dump_stats(f"{profile_to}.{kind}")
                print(json.dumps({"cpu": cpu}), flush=True)
                break


# --- the shoppers ------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    latencies: list[float]
    cpu: float

    def row(self) -> str:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"| {self.name} | {self.updates / self.seconds:,.0f} | {statistics.median(ordered) * 1000:.1f} ms "
            f"| {p99 * 1000:.1f} ms | {self.cpu / self.updates * 1000:.2f} ms |"
        )


def wording(shopper: int, n: int, questions: int, popular: bool) -> str:
    """The shopper's n-th question: a new wording (numbered), or with ``popular`` every other
    question exactly as many shoppers ask it."""
    question = QUESTIONS[(shopper + n) % len(QUESTIONS)]
    return question if popular and n % 2 else f"{question} #{shopper * questions + n}"


async def measure(name: str, kind: str, database: str, shoppers: int, questions: int, pool: int, popular: bool = False) -> Result:
    from bot.loopback import LoopbackBotAPI

    async with LoopbackBotAPI() as server:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            kind,
            server.base_url,
            server.base_file_url,
            server.token,
            str(pool),
            database,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdin is not None and child.stdout is not None

        async def line() -> str:
            assert child.stdout is not None
            return (await asyncio.wait_for(child.stdout.readline(), 60)).decode().strip()

        async def tell(word: str) -> None:
            assert child.stdin is not None
            child.stdin.write(f"{word}\n".encode())
            await child.stdin.drain()

        try:
            assert await line() == "ready"
            users = [server.user(10_000 + n, f"Shopper {n}") for n in range(shoppers)]
            for user in users[:4]:  # warm up: first imports, first queries, connections
                await user.send(QUESTIONS[0])
                await user.next_reply(timeout=30)
            latencies: list[float] = []

            async def shopper(user, offset: int) -> None:  # type: ignore[no-untyped-def]
                for n in range(questions):
                    asked = time.perf_counter()
                    await user.send(wording(offset, n, questions, popular))
                    await user.next_reply(timeout=60)
                    latencies.append(time.perf_counter() - asked)

            await tell("go")
            assert await line() == "going"
            started = time.perf_counter()
            await asyncio.gather(*(shopper(user, n) for n, user in enumerate(users)))
            seconds = time.perf_counter() - started
            await tell("stop")
            cpu = json.loads(await line())["cpu"]
        finally:
            if child.returncode is None:
                child.stdin.close()
                try:
                    await asyncio.wait_for(child.wait(), 30)
                except TimeoutError:
                    child.kill()
                    await child.wait()
    return Result(name, shoppers * questions, seconds, latencies, cpu)


async def main(args: argparse.Namespace) -> None:
    runs = [("bare python-telegram-bot, replies from a dict", "bare", ""), ("authbot, SQLite", "authbot", "")]
    if args.database:
        runs.append(("authbot, PostgreSQL", "authbot", args.database))
    mix = "every other question a popular one, word for word" if args.popular else "every question worded differently"
    print(f"{args.shoppers} shoppers x {args.questions} questions ({mix}), connection pool {args.pool}, rate limiter off")
    print("| bot | updates/s | reply p50 | reply p99 | bot CPU per update |")
    print("|---|---:|---:|---:|---:|")
    for name, kind, database in runs:
        result = await measure(name, kind, database, args.shoppers, args.questions, args.pool, args.popular)
        print(result.row(), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        kind, base_url, file_url, token, pool, database = sys.argv[2:8]
        asyncio.run(serve(kind, base_url, file_url, token, int(pool), database))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=20)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--pool", type=int, default=8, help="HTTP connection-pool size, the same for every bot")
    parser.add_argument("--database", default="", help="postgresql://… to measure authbot on PostgreSQL too")
    parser.add_argument("--popular", action="store_true", help="every other question a popular one, word for word")
    asyncio.run(main(parser.parse_args()))
