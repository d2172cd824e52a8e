"""The dashboard's aggregate queries on SQLite and on PostgreSQL: whole weeks from Monday 00:00
UTC, the median wait for the first status change, the most failed tips, all within a filter."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.reports import Draft
from bot.core.store import Store
from bot.core.store.migrations import MIGRATIONS
from bot.core.store.reports import ReportFilter

MONDAY = 1704067200.0  # 2024-01-01 00:00 UTC


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(database_url)
    yield opened
    await opened.close()


async def report(store: Store, user: int, brand: str, created_at: float, failed_tip: str | None = None) -> str:
    draft = Draft(
        brand=brand,
        product="飞天",
        platform="offline",
        shop="某店",
        problem="胶帽",
        official_check="failed",
        consent=True,
        failed_tip=failed_tip,
    )
    ref = (await store.reports.submit(user, user, draft)).reference
    async with store.database.transaction() as tx:
        await tx.execute("UPDATE reports SET created_at = ? WHERE reference = ?", (created_at, ref))
    return ref


async def moved_after(store: Store, ref: str, seconds: float) -> None:
    await store.reports.change_status(ref, "under_review", 1)
    async with store.database.transaction() as tx:
        await tx.execute(
            "UPDATE status_history SET changed_at = (SELECT created_at FROM reports WHERE reference = ?) + ? "
            "WHERE from_status IS NOT NULL AND report_id = (SELECT id FROM reports WHERE reference = ?)",
            (ref, seconds, ref),
        )
        await tx.execute(  # the report keeps its first move (migration 8)
            "UPDATE reports SET first_moved_at = created_at + ? WHERE reference = ?", (seconds, ref)
        )


async def test_weekly_counts_group_whole_weeks_from_monday(store: Store) -> None:
    await report(store, 1, "moutai", MONDAY)
    await report(store, 2, "moutai", MONDAY + 7 * 86400 - 0.5)  # Sunday 23:59:59.5
    await report(store, 3, "nike", MONDAY + 7 * 86400)
    await report(store, 4, "moutai", MONDAY - 1)  # the Sunday before
    await report(store, 5, "nike", MONDAY + 3 * 7 * 86400)  # after the weeks asked for
    week = dt.timedelta(weeks=1)
    first = dt.date(2024, 1, 1)
    mondays = [first - week, first, first + week, first + 2 * week]
    assert await store.reports.weekly_counts(ReportFilter(), mondays) == [
        (first - week, "moutai", 1),
        (first, "moutai", 2),
        (first + week, "nike", 1),
    ]
    assert await store.reports.weekly_counts(ReportFilter(), mondays[1:2]) == [(first, "moutai", 2)]
    assert await store.reports.weekly_counts(ReportFilter(brands=frozenset({"nike"})), mondays) == [(first + week, "nike", 1)]
    assert await store.reports.weekly_counts(ReportFilter(brands=frozenset()), mondays) == []


async def test_the_median_wait_for_the_first_move(store: Store) -> None:
    assert await store.reports.first_move_median(ReportFilter()) == (None, 0)
    refs = [await report(store, user, "moutai" if user < 4 else "nike", MONDAY) for user in range(1, 6)]
    await moved_after(store, refs[0], 100)
    await moved_after(store, refs[1], 300)
    await moved_after(store, refs[2], 200)
    await store.reports.change_status(refs[2], "need_more_info", 1)  # only the first move counts
    await moved_after(store, refs[3], 1000)
    assert await store.reports.first_move_median(ReportFilter()) == (250.0, 4)  # 100 200 | 300 1000
    assert await store.reports.first_move_median(ReportFilter(brands=frozenset({"moutai"}))) == (200.0, 3)


async def test_the_most_failed_tips(store: Store) -> None:
    for user, brand, tip in (
        (1, "moutai", "nfc-scan"),
        (2, "moutai", "nfc-scan"),
        (3, "moutai", "capsule-cap"),
        (4, "nike", "x"),
    ):
        await report(store, user, brand, MONDAY, tip)
    await report(store, 5, "moutai", MONDAY)
    assert await store.reports.failed_tip_counts(ReportFilter(), 10) == [
        ("moutai", "nfc-scan", 2),
        ("moutai", "capsule-cap", 1),
        ("nike", "x", 1),
    ]
    assert await store.reports.failed_tip_counts(ReportFilter(brands=frozenset({"nike"})), 10) == [("nike", "x", 1)]
    assert await store.reports.failed_tip_counts(ReportFilter(), 1) == [("moutai", "nfc-scan", 2)]


def test_a_version_4_database_gets_the_dashboard_indexes_without_loss(tmp_path: Path) -> None:
    database = tmp_path / "authbot.sqlite3"
    with sqlite3.connect(database) as db:  # the console's first release: migrations 1 to 4
        for script in MIGRATIONS[:4]:
            db.executescript(script)
        db.execute(
            """INSERT INTO reports (id, reference, user_id, chat_id, lang, product, platform, shop, problem, official_check, consent,
                   status, created_at, updated_at) VALUES (1, 'FW-2026-000001', 7, 7, 'zh', '飞天', 'offline', '某店', '胶帽', 'failed', 1,
                   'submitted', 0, 0)"""
        )
        db.execute("PRAGMA user_version = 4")

    async def reopen() -> tuple[int, int]:
        store = await Store.open(database)
        try:
            return await store.database.scalar("PRAGMA user_version"), await store.database.scalar("SELECT COUNT(*) FROM reports")
        finally:
            await store.close()

    assert asyncio.run(reopen()) == (len(MIGRATIONS), 1) and len(MIGRATIONS) >= 5
    with sqlite3.connect(database) as db:
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"reports_created_figures", "reports_brand_created_figures", "status_history_changes"} <= indexes


def test_a_version_7_database_learns_each_report_s_first_move_from_its_history(tmp_path: Path) -> None:
    database = tmp_path / "authbot.sqlite3"
    with sqlite3.connect(database) as db:
        for script in MIGRATIONS[:7]:
            db.executescript(script)
        for report_id, moves in (
            (1, [(None, "submitted", 0), ("submitted", "under_review", 600), ("under_review", "closed", 900)]),
            (2, []),
        ):
            db.execute(
                """INSERT INTO reports (id, reference, user_id, chat_id, lang, product, platform, shop, problem, official_check,
                       consent, status, created_at, updated_at) VALUES (?, ?, 7, 7, 'zh', '飞天', 'offline', '某店', '胶帽', 'failed', 1,
                       'submitted', 0, 0)""",
                (report_id, f"FW-2026-00000{report_id}"),
            )
            db.executemany(
                "INSERT INTO status_history (report_id, from_status, to_status, changed_at) VALUES (?, ?, ?, ?)",
                [(report_id, *move) for move in moves],
            )
        db.execute("PRAGMA user_version = 7")

    async def median() -> tuple[float | None, int]:
        store = await Store.open(database)
        try:
            return await store.reports.first_move_median(ReportFilter())
        finally:
            await store.close()

    assert asyncio.run(median()) == (600.0, 1)  # the move out of 'submitted', not the later one; report 2 never moved
