"""The web console with 100,000 reports on SQLite: server time of the queue and the dashboard.

Builds a database with N reports (over about half a year, in every status, each with a photo
record and its history, a third saying which tip they failed) through the project's own
migrations, signs in through a one-time link, then requests each page 50 times in process
(Starlette's test client: the time is the app's, plus well under a millisecond of client) and
prints p50 and p99. The goal is p99 ≤ 150 ms. Run: ``python benchmarks/bench_web.py [--reports N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.core.roles import Grant, Role  # noqa: E402
from bot.core.services.access import actor_of  # noqa: E402
from bot.core.services.console import ConsoleService  # noqa: E402
from bot.core.store import Store  # noqa: E402

BRANDS = ["moutai", "wuliangye", "chowtaifook", "nike", "dyson", "popmart", "feihe", "maxims"]
TIPS = ["nfc-scan", "capsule-cap", "code-check", "label-ribbon"]
MOVES = {  # each status and the way there from submitted
    "submitted": [],
    "under_review": ["under_review"],
    "need_more_info": ["under_review", "need_more_info"],
    "confirmed_counterfeit": ["under_review", "confirmed_counterfeit"],
    "not_counterfeit": ["under_review", "not_counterfeit"],
    "forwarded": ["under_review", "confirmed_counterfeit", "forwarded"],
    "closed": ["closed"],
}
STATUSES = list(MOVES)
URL = "http://console.bench"
ENFORCER, SCOPED = 9001, 9002
PAGES = {
    "queue": "/queue",
    "queue, one brand": "/queue?brand=moutai",
    "queue, one status": "/queue?status=under_review",
    "queue, text search": "/queue?q=店铺 42",
    "queue, by last change": "/queue?sort=last_change",
    "queue, page 2000": "/queue?page=2000",
    "queue, scoped team": "/queue",
    "dashboard (12 weeks)": "/dashboard",
    "dashboard, one brand": "/dashboard?brand=moutai",
    "dashboard (52 weeks)": "/dashboard?weeks=52",
    "dashboard, scoped team": "/dashboard",
}


def build(database: Path, count: int) -> float:
    asyncio.run(_migrate(database))
    started = time.perf_counter()
    db = sqlite3.connect(database)
    db.execute("PRAGMA synchronous = OFF")  # building the fixture only; the bot never does this
    now = time.time()
    step = 180 * 86400 / count  # spread over half a year
    with db:
        db.executemany(
            """INSERT INTO reports (id, reference, user_id, chat_id, lang, brand, product, platform, shop, link, order_number,
                   price_cents, purchase_date, problem, failed_tip, official_check, consent, status, created_at, updated_at)
               VALUES (?, ?, ?, ?, 'zh', ?, ?, 'douyin_live', ?, 'https://v.douyin.com/x/', ?, 129900, '2026-11-20', ?, ?,
                       'failed', 1, ?, ?, ?)""",
            (
                (
                    i,
                    f"FW-2026-{i:06d}",
                    10_000 + i % 30_000,
                    10_000 + i % 30_000,
                    BRANDS[i % len(BRANDS)],
                    f"商品 {i}",
                    f"店铺 {i % 5000}",
                    f"DY{i:012d}",
                    "胶帽有褶皱，喷码模糊，芯片读不出",
                    TIPS[i % len(TIPS)] if i % 3 == 0 else None,
                    STATUSES[i % len(STATUSES)],
                    now - (count - i) * step,
                    now - (count - i) * step,
                )
                for i in range(1, count + 1)
            ),
        )
        db.executemany(
            "INSERT INTO evidence (report_id, sha256, file_id, file_unique_id, size, mime) VALUES (?, ?, ?, ?, 250000, 'image/jpeg')",
            ((i, f"{i:064x}", f"f{i}", f"u{i}") for i in range(1, count + 1)),
        )
        db.executemany(
            "INSERT INTO status_history (report_id, from_status, to_status, changed_by, note, changed_at) VALUES (?, ?, ?, ?, NULL, ?)",
            _history(count, now, step),
        )
        db.execute(  # as the bot keeps them on each move (migrations 7 and 8)
            """UPDATE reports SET
                   status_changed_at = (SELECT MAX(h.changed_at) FROM status_history h WHERE h.report_id = reports.id),
                   first_moved_at = (SELECT MIN(h.changed_at) FROM status_history h
                                     WHERE h.report_id = reports.id AND h.from_status = 'submitted')"""
        )
    db.close()
    return time.perf_counter() - started


def _history(count: int, now: float, step: float):  # type: ignore[no-untyped-def]
    for i in range(1, count + 1):
        created = now - (count - i) * step
        yield i, None, "submitted", 10_000 + i % 30_000, created
        before = "submitted"
        for n, status in enumerate(MOVES[STATUSES[i % len(STATUSES)]], start=1):
            yield i, before, status, ENFORCER, created + n * (600 + i % 7200)
            before = status


async def _migrate(database: Path) -> None:
    store = await Store.open(database)
    await store.roles.grant(Grant(ENFORCER, Role.ENFORCEMENT, None), None)
    await store.roles.grant(Grant(SCOPED, Role.ENFORCEMENT, "moutai"), None)
    await store.close()


async def _link(settings: Settings, user_id: int) -> str:
    store = await Store.open(settings.database)
    try:
        return await ConsoleService(store, settings.admin_ids, URL).sign_in_link(
            await actor_of(store, user_id, settings.admin_ids)
        )
    finally:
        await store.close()


def sign_in(client, settings: Settings, user_id: int):  # type: ignore[no-untyped-def]
    link = asyncio.run(_link(settings, user_id))
    form = re.search(r'name="csrf" value="([^"]+)"', client.get(link).text)
    assert form is not None
    assert client.post(link, data={"csrf": form.group(1)}, follow_redirects=False).status_code == 303
    return client


def measure(client, path: str, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200  # warm the caches once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    from bot.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(guides_dir=ROOT / "brand_guides", data_dir=Path(tmp), admin_ids=frozenset(), console_url=URL)
        built = build(settings.database.sqlite_path, args.reports)
        print(f"{args.reports:,} reports built in {built:.1f} s")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient
        with TestClient(create_app(settings), base_url=URL) as client:  # the first client runs the app's startup
            scoped = sign_in(TestClient(client.app, base_url=URL), settings, SCOPED)
            sign_in(client, settings, ENFORCER)
            print(f"{'page':<26} {'p50 ms':>8} {'p99 ms':>8}")
            for name, path in PAGES.items():
                p50, p99 = measure(scoped if "scoped" in name else client, path, args.runs)
                print(f"{name:<26} {p50:8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
