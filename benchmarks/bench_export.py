"""`authbot export` of 1,000,000 reports: wall time and peak memory (it streams, so memory stays flat).

Builds a database with N reports (each with two evidence records) through the project's own
migrations, then runs `authbot export` as a separate process for CSV and JSONL and reads the
child's peak resident memory from the OS. Run: ``python benchmarks/bench_export.py [--reports N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.store import Store  # noqa: E402

BRANDS = ["moutai", "wuliangye", "chowtaifook", "nike", "dyson", "popmart", "feihe", "maxims"]
STATUSES = ["submitted", "under_review", "confirmed_counterfeit", "not_counterfeit", "forwarded", "closed"]


def build(database: Path, count: int) -> float:
    asyncio.run(_migrate(database))
    started = time.perf_counter()
    db = sqlite3.connect(database)
    db.execute("PRAGMA synchronous = OFF")  # building the fixture only; the bot never does this
    now = time.time()
    with db:
        db.executemany(
            """INSERT INTO reports (id, reference, user_id, chat_id, lang, brand, product, platform, shop, link, order_number,
                   price_cents, purchase_date, problem, official_check, consent, status, created_at, updated_at)
               VALUES (?, ?, ?, ?, 'zh', ?, ?, 'douyin_live', ?, 'https://v.douyin.com/x/', ?, 129900, '2026-11-20', ?, 'failed', 1, ?, ?, ?)""",
            (
                (
                    i,
                    f"FW-2026-{i:06d}",
                    10_000 + i,
                    10_000 + i,
                    BRANDS[i % len(BRANDS)],
                    f"商品 {i}",
                    f"店铺 {i % 5000}",
                    f"DY{i:012d}",
                    "=胶帽有褶皱，喷码模糊，芯片读不出" * 2,
                    STATUSES[i % len(STATUSES)],
                    now - i,
                    now - i,
                )
                for i in range(1, count + 1)
            ),
        )
        db.executemany(
            "INSERT INTO evidence (report_id, sha256, file_id, file_unique_id, size, mime) VALUES (?, ?, ?, ?, 250000, 'image/jpeg')",
            ((i, f"{i * 2 + k:064x}", f"f{i}{k}", f"u{i}{k}") for i in range(1, count + 1) for k in (0, 1)),
        )
    db.close()
    return time.perf_counter() - started


async def _migrate(database: Path) -> None:
    store = await Store.open(database)
    await store.close()


def export(data_dir: Path, fmt: str, out: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, output bytes) of one `authbot export` process."""
    env = {**os.environ, "AUTHBOT_DATA_DIR": str(data_dir)}
    script = (
        "import resource, subprocess, sys;"
        "p = subprocess.run(sys.argv[1:]);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, sys.executable, "-m", "bot", "export", "--format", fmt, "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    return elapsed, peak_kib / 1024, out.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        built = build(data_dir / "authbot.sqlite3", args.reports)
        print(f"built {args.reports:,} reports in {built:.1f} s", file=sys.stderr)
        print("| format | reports | seconds | reports/s | peak memory (RSS) | file size |")
        print("|--------|---------|---------|-----------|-------------------|-----------|")
        for fmt in ("csv", "jsonl"):
            seconds, peak, size = export(data_dir, fmt, data_dir / f"out.{fmt}")
            print(
                f"| {fmt:6} | {args.reports:,} | {seconds:7.1f} | {args.reports / seconds:9,.0f} | {peak:11.0f} MiB | {size / 2**20:6.0f} MiB |"
            )


if __name__ == "__main__":
    main()
