"""Committed reports per second with 50 concurrent reporters (target: >= 500/s on 2 cores).

Each reporter submits reports one after another, as a shopper pressing Submit would, through
``store.reports.submit`` (WAL, synchronous=FULL: a report counts only once it is durable). Every
report carries two evidence photo records. Run: ``python benchmarks/bench_reports.py``, on a
fresh SQLite file by default, or ``--database postgresql://…`` (an empty database: the benchmark
refuses one that already holds reports, and leaves its reports there).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.reports import Draft, Photo  # noqa: E402
from bot.core.store import Store  # noqa: E402


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
    )


async def reporter(store: Store, first: int, count: int, latencies: list[float]) -> None:
    for n in range(first, first + count):
        started = time.perf_counter()
        await store.reports.submit(user_id=n, chat_id=n, draft=draft(n))
        latencies.append((time.perf_counter() - started) * 1000)


async def run(reporters: int, per_reporter: int, database: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(database or Path(tmp) / "bench.sqlite3")
        if await store.database.scalar("SELECT COUNT(*) FROM reports"):
            await store.close()
            sys.exit(f"bench_reports: {database} already holds reports; give it an empty database")
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(reporter(store, i * per_reporter, per_reporter, latencies) for i in range(reporters)))
        elapsed = time.perf_counter() - started
        total = await store.database.scalar("SELECT COUNT(*) FROM reports")
        await store.close()
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
