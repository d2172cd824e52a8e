"""Committed reports per second with 50 concurrent reporters (target: >= 2,000/s on 2 cores).

Each reporter submits reports one after another, as a shopper pressing Submit would: the call
``bot.handlers.reports.on_submit`` makes, through :class:`ReportService`: the report committed
with the end of its conversation and draft and its announcement in the outbox (the same
transaction finds a draft submitted before by its key). A report counts only once it is durable
(SQLite: WAL, synchronous=FULL; PostgreSQL: as configured, synchronous_commit on by default).
Every report carries two evidence photo records; its conversation and draft were persisted
beforehand, as the bot's persistence would have. Run: ``python benchmarks/bench_reports.py``, on
a fresh SQLite file by default, or ``--database postgresql://…`` (an empty database: the
benchmark refuses one that already holds reports, and leaves its reports there).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.reports import Draft, Photo  # noqa: E402
from bot.core.services.reports import ReportService  # noqa: E402
from bot.core.store import Store  # noqa: E402
from bot.core.store.conversations import ConversationEnd, conversation_key  # noqa: E402
from bot.handlers.reports import CONFIRM, CONVERSATION, DRAFT  # noqa: E402

LEFT = {"lang": "zh"}  # what stays in a shopper's user data once the draft is gone


def draft(n: int) -> Draft:
    return Draft(
        brand="moutai",
        product=f"53度飞天 {n}",
        platform="douyin_live",
        shop="某酒水直播间",
        link="https://v.douyin.com/abc123/",
        order_number=f"DY{n:012d}",
        price_cents=129900,
        purchase_date="2026-11-20",
        problem="胶帽有褶皱，喷码模糊，芯片读不出" * 3,
        official_check="failed",
        consent=True,
        photos=[Photo(f"{n:064x}", f"f{n}a", f"u{n}a", 250_000), Photo(f"{n + 1:064x}", f"f{n}b", f"u{n}b", 310_000)],
        submission_key=f"{n:016x}",
    )


async def persist_conversations(store: Store, shoppers: range) -> None:
    """Each shopper's conversation waiting on the summary and their draft, as the persistence stores them."""
    async with store.database.transaction() as tx:
        await tx.execute_many(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)",
            [(CONVERSATION, conversation_key((n, n)), json.dumps(CONFIRM)) for n in shoppers],
        )
        await tx.execute_many(
            "INSERT INTO user_data (user_id, data) VALUES (?, ?)",
            [(n, json.dumps({**LEFT, DRAFT: draft(n).to_json()}, ensure_ascii=False)) for n in shoppers],
        )


async def press_submit(reports: ReportService, n: int) -> None:
    """What pressing Submit costs the database: shopper ``n`` (user and chat) submits their draft."""
    submitted = await reports.submit(n, n, draft(n), ConversationEnd(CONVERSATION, (n, n), n, dict(LEFT)))
    assert not (submitted.duplicate or submitted.again)


async def reporter(reports: ReportService, shoppers: range, latencies: list[float]) -> None:
    for n in shoppers:
        started = time.perf_counter()
        await press_submit(reports, n)
        latencies.append((time.perf_counter() - started) * 1000)


async def run(reporters: int, per_reporter: int, database: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(database or Path(tmp) / "bench.sqlite3")
        if await store.database.scalar("SELECT COUNT(*) FROM reports"):
            await store.close()
            sys.exit(f"bench_reports: {database} already holds reports; give it an empty database")
        await persist_conversations(store, range(reporters * per_reporter))
        reports = ReportService(store, Path(tmp))
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(
            *(reporter(reports, range(i * per_reporter, (i + 1) * per_reporter), latencies) for i in range(reporters))
        )
        elapsed = time.perf_counter() - started
        total = await store.database.scalar("SELECT COUNT(*) FROM reports")
        announced = await store.database.scalar("SELECT COUNT(*) FROM notifications")
        waiting = await store.database.scalar("SELECT COUNT(*) FROM conversations")
        await store.close()
    if announced != total or waiting:
        sys.exit(f"bench_reports: {total} reports, {announced} announced, {waiting} conversations not ended")
    print(f"{store.database.dialect.name}:")
    latencies.sort()
    print("| reporters | reports | seconds | committed reports/s | latency p50 | latency p99 |")
    print("|-----------|---------|---------|---------------------|-------------|-------------|")
    print(
        f"| {reporters:9} | {total:7} | {elapsed:7.2f} | {total / elapsed:19.0f} | {statistics.median(latencies):8.1f} ms "
        f"| {latencies[int(len(latencies) * 0.99) - 1]:8.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--per-reporter", type=int, default=100)
    parser.add_argument("--database", metavar="URL", help="sqlite:///PATH or postgresql://... (default: a temporary SQLite file)")
    args = parser.parse_args()
    asyncio.run(run(args.reporters, args.per_reporter, args.database))


if __name__ == "__main__":
    main()
