"""The store on its own, on SQLite and on PostgreSQL (the ``database_url`` fixture): migrations,
each repository, the status lifecycle, the export, persistence, and the command-line tools on it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.evidence import store_evidence
from bot.core.exports import export, iter_reports
from bot.core.reports import REPORTS_PER_HOUR, Draft, InvalidTransition, Photo, check_transition
from bot.core.roles import Grant, Role
from bot.core.store import Store
from bot.core.store.conversations import ConversationEnd
from bot.core.store.db import Transaction
from bot.core.store.migrations import MIGRATIONS
from bot.core.store.outbox import MAX_ATTEMPTS
from bot.core.store.records import StatusChange, Submitted
from bot.core.store.reports import QueueOrder, ReportFilter, TooManyReports

ROOT = Path(__file__).resolve().parent.parent


def authbot(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    libpq = {name: value for name, value in os.environ.items() if name.startswith("PG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**libpq, "AUTHBOT_DATA_DIR": str(tmp_path), "AUTHBOT_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
    )


def test_an_old_database_upgrades_in_place_without_loss(tmp_path: Path) -> None:
    database = tmp_path / "authbot.sqlite3"
    with sqlite3.connect(database) as db:  # a database from the first release: migration 1 only
        db.executescript(MIGRATIONS[0])
        db.execute("INSERT INTO feedback (user_id, brand, tip, vote, created_at) VALUES (7, 'moutai', 'cap-seal', 1, 0)")
        db.execute("PRAGMA user_version = 1")

    async def reopen() -> tuple[int, list[tuple]]:
        store = await Store.open(database)
        try:
            rows = [tuple(r) for r in await store.database.fetch_all("SELECT user_id, brand, vote FROM feedback")]
            return await store.database.scalar("PRAGMA user_version"), rows
        finally:
            await store.close()

    version, rows = asyncio.run(reopen())
    assert version == len(MIGRATIONS)
    assert rows == [(7, "moutai", 1)]
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
            "reports",
            "evidence",
            "status_history",
            "roles",
            "audit",
        }


def test_the_status_lifecycle_refuses_what_it_does_not_allow() -> None:
    assert check_transition("submitted", "under_review").value == "under_review"
    assert check_transition("under_review", "need_more_info").value == "need_more_info"
    assert check_transition("need_more_info", "under_review").value == "under_review"
    assert check_transition("confirmed_counterfeit", "forwarded").value == "forwarded"
    for current, wanted in [
        ("submitted", "forwarded"),
        ("under_review", "closed"),
        ("closed", "under_review"),
        ("not_counterfeit", "forwarded"),
    ]:
        with pytest.raises(InvalidTransition):
            check_transition(current, wanted)
    with pytest.raises(ValueError):
        check_transition("submitted", "deleted")


def test_cli_status_unanswered_roles_and_evidence(tmp_path: Path, database_url: str) -> None:
    photo = b"\xff\xd8 evidence bytes"

    async def seed() -> str:
        store = await Store.open(database_url)
        sha = store_evidence(tmp_path, photo, "image/jpeg")
        draft = Draft(
            brand="moutai",
            product="飞天",
            platform="offline",
            shop="某店",
            problem="胶帽",
            official_check="failed",
            consent=True,
            photos=[Photo(sha, "fid", "uid", len(photo))],
        )
        ref = (await store.reports.submit(5, 5, draft)).reference
        for text in ("香奈儿包怎么辨别真假", "香奈儿包怎么辨别真假？", "你好"):
            await store.answers.record_unanswered(text, 0.1)
        await store.close()
        return ref

    ref = asyncio.run(seed())
    moved = authbot(tmp_path, database_url, "status", ref, "under_review", "--note", "核实中")
    assert moved.returncode == 0 and moved.stdout.strip() == f"{ref}: under_review"
    refused = authbot(tmp_path, database_url, "status", ref, "closed")
    assert refused.returncode == 2 and "cannot become closed" in refused.stderr
    listing = authbot(tmp_path, database_url, "unanswered").stdout.splitlines()
    assert listing[0].split()[0] == "2×" and "香奈儿包怎么辨别真假" in listing[0]
    assert authbot(tmp_path, database_url, "roles", "grant", "42", "staff", "moutai").returncode == 0
    assert "42\tstaff\tmoutai" in authbot(tmp_path, database_url, "roles", "list").stdout
    assert authbot(tmp_path, database_url, "roles", "grant", "42", "staff").returncode == 2
    pack = tmp_path / "pack.zip"
    assert authbot(tmp_path, database_url, "evidence", ref, "--out", str(pack)).returncode == 0
    with zipfile.ZipFile(pack) as z:
        assert any(n.startswith("photos/") for n in z.namelist())
    assert authbot(tmp_path, database_url, "evidence", "--verify", str(pack)).returncode == 0


# --- the repositories ----------------------------------------------------------------------------


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(database_url)
    yield opened
    await opened.close()


def _draft(brand: str | None = "moutai", order: str | None = None, photos: int = 0) -> Draft:
    return Draft(
        brand=brand,
        product="飞天",
        platform="offline",
        shop="某店",
        problem="胶帽",
        official_check="failed",
        consent=True,
        order_number=order,
        photos=[Photo(f"{n:064x}", f"f{n}", f"u{n}", 100 + n) for n in range(photos)],
    )


async def test_a_refused_report_in_a_group_commit_leaves_the_others_saved(store: Store) -> None:
    submitted = await asyncio.gather(
        *(store.reports.submit(7, 7, _draft(order=f"O{n}")) for n in range(REPORTS_PER_HOUR + 2)), return_exceptions=True
    )
    refused = [s for s in submitted if isinstance(s, TooManyReports)]
    assert len(refused) == 2 and refused[0].limit == REPORTS_PER_HOUR
    assert await store.database.scalar("SELECT COUNT(*) FROM reports") == REPORTS_PER_HOUR
    assert await store.database.scalar("SELECT COUNT(*) FROM status_history") == REPORTS_PER_HOUR
    with pytest.raises(TooManyReports):
        await store.reports.check_hourly_limit(7)
    await store.reports.check_hourly_limit(8)  # another shopper may still report


async def test_reports_committed_together_are_checked_against_each_other_as_if_written_in_turn(store: Store) -> None:
    """One batch of the group commit: a repeated draft, an order reported twice, a shopper over the
    limit, and conversations ended (the last one of a shopper leaves their data)."""
    keyed = replace(_draft(order="A"), submission_key="k1")
    alice, bob = ConversationEnd("report", (7, 7), 7, {"lang": "en"}), ConversationEnd("report", (8, 8), 8, {})
    late_alice = ConversationEnd("report", (7, 7), 7, {"lang": "zh"})
    async with store.database.transaction() as tx:
        await tx.execute_many(
            "INSERT INTO conversations (name, key, state) VALUES ('report', ?, '13')", [("[7, 7]",), ("[8, 8]",)]
        )
        await tx.execute_many("INSERT INTO user_data (user_id, data) VALUES (?, '{}')", [(7,), (8,)])
    first, again, order, same_order, bobs, *over = await asyncio.gather(
        store.reports.submit(7, 7, keyed, alice),
        store.reports.submit(7, 7, keyed, alice),
        store.reports.submit(7, 7, _draft(order="B")),
        store.reports.submit(7, 7, _draft(order="B"), late_alice),
        store.reports.submit(8, 8, _draft(order="A"), bob),
        *(store.reports.submit(7, 7, _draft(order=f"C{n}")) for n in range(REPORTS_PER_HOUR)),
        return_exceptions=True,
    )
    assert isinstance(first, Submitted) and again == Submitted(first.reference, duplicate=False, again=True)
    assert isinstance(order, Submitted) and same_order == Submitted(order.reference, duplicate=True)
    assert isinstance(bobs, Submitted) and len({first.reference, order.reference, bobs.reference}) == 3
    assert [isinstance(o, TooManyReports) for o in over] == [False] * (REPORTS_PER_HOUR - 2) + [True] * 2
    assert await store.database.scalar("SELECT COUNT(*) FROM reports") == REPORTS_PER_HOUR + 1
    assert await store.database.scalar("SELECT MAX(id) FROM reports") == REPORTS_PER_HOUR + 1  # numbered in turn
    assert (await store.reports.find(order.reference)).duplicates == 1  # type: ignore[union-attr]
    announced = await store.database.fetch_all("SELECT r.reference FROM notifications n JOIN reports r ON r.id = n.report_id")
    assert sorted(row[0] for row in announced) == sorted([first.reference, bobs.reference])
    assert await store.database.scalar("SELECT COUNT(*) FROM conversations") == 0
    assert [tuple(row) for row in await store.database.fetch_all("SELECT user_id, data FROM user_data")] == [
        (7, '{"lang": "zh"}')
    ]


async def test_a_draft_submitted_again_later_gets_its_reference_and_ends_its_conversation(store: Store) -> None:
    """Submit pressed again on a stored draft (a restart restored its summary): the transaction
    finds it by its key, with no lookup before, and only ends the conversation."""
    keyed = replace(_draft(order="A", photos=2), submission_key="k1")
    first = await store.reports.submit(7, 7, keyed, ConversationEnd("report", (7, 7), 7, {}))
    async with store.database.transaction() as tx:  # the restart's persistence wrote the step back
        await tx.execute("INSERT INTO conversations (name, key, state) VALUES ('report', '[7, 7]', '13')")
    again = await store.reports.submit(7, 7, keyed, ConversationEnd("report", (7, 7), 7, {"lang": "en"}))
    assert again == Submitted(first.reference, duplicate=False, again=True)
    for table, rows in [("reports", 1), ("evidence", 2), ("status_history", 1), ("notifications", 1), ("conversations", 0)]:
        assert await store.database.scalar(f"SELECT COUNT(*) FROM {table}") == rows, table
    assert await store.database.scalar("SELECT COUNT(*) FROM user_data WHERE user_id = 7") == 1


async def test_a_write_that_fails_in_a_batch_is_retried_alone_and_only_its_caller_hears(store: Store) -> None:
    """The group commit writes a batch in one call; when that call raises, each item again alone."""
    calls: list[list[int]] = []

    async def write(tx: Transaction, user_ids: list[int]) -> list[int | Exception]:
        calls.append(user_ids)
        await tx.write_all([("INSERT INTO user_data (user_id, data) VALUES (?, '{}')", [(u,) for u in user_ids])])
        return list(user_ids)

    results = await asyncio.gather(*(store.database.group_commit(write, u) for u in [1, 2, 2, 3]), return_exceptions=True)
    assert calls == [[1, 2, 2, 3], [1], [2], [2], [3]]
    assert results[:2] + results[3:] == [1, 2, 3] and isinstance(results[2], Exception)  # the second 2 breaks the key
    assert [row[0] for row in await store.database.fetch_all("SELECT user_id FROM user_data ORDER BY user_id")] == [1, 2, 3]


async def test_the_same_order_again_is_a_duplicate_not_a_second_report(store: Store) -> None:
    first = await store.reports.submit(7, 7, _draft(order="SAME", photos=2))
    again = await store.reports.submit(7, 7, _draft(order="SAME"))
    assert (again.reference, again.duplicate, first.duplicate) == (first.reference, True, False)
    report = await store.reports.find(first.reference.lower() + " ")
    assert report is not None and report.duplicates == 1 and report.consent is True
    assert [p.file_id for p in await store.reports.evidence(report.id)] == ["f0", "f1"]


async def test_brand_scope_is_the_same_for_lists_sellers_and_exports(store: Store, database_url: str) -> None:
    for user, brand in [(1, "moutai"), (2, "nike"), (3, None)]:
        await store.reports.submit(user, user, _draft(brand))
    for scope, expected in [(None, {"moutai", "nike", None}), (frozenset({"moutai"}), {"moutai"}), (frozenset(), set())]:
        page, total = await store.reports.queue(ReportFilter(scope), QueueOrder.NEWEST, 0, 10)
        assert {r.report.brand for r in page} == expected and total == len(expected)
        assert sum((await store.reports.status_counts(ReportFilter(scope))).values()) == len(expected)
        assert {m.brand for m in await store.reports.seller_mentions(scope)} == expected
        assert {r["brand"] for r in iter_reports(database_url, ReportFilter(scope))} == expected
    only_closed, total = await store.reports.queue(ReportFilter(None, "closed"), QueueOrder.NEWEST, 0, 10)
    assert only_closed == [] and total == 0


async def test_the_export_streams_every_report_with_its_photos_in_order(
    store: Store, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.core.store.postgres.STREAM_BATCH", 2)  # PostgreSQL's server-side cursor fetches several times
    refs = [(await store.reports.submit(n, n, _draft(order=f"O{n}", photos=3))).reference for n in range(5)]
    exported = list(iter_reports(database_url, ReportFilter()))
    assert [r["reference"] for r in exported] == refs
    assert all(r["evidence_sha256"] == [f"{n:064x}" for n in range(3)] and r["consent"] is True for r in exported)
    assert export(database_url, ReportFilter(frozenset({"moutai"})), "csv", tmp_path / "out.csv") == 5
    assert export(database_url, ReportFilter(status="closed"), "jsonl", tmp_path / "out.jsonl") == 0


async def test_a_status_change_writes_history_outbox_and_audit_together(store: Store) -> None:
    ref = (await store.reports.submit(7, 70, _draft())).reference
    moved = await store.reports.change_status(ref, "under_review", changed_by=1, note="核实中")
    assert moved.status == "under_review"
    with pytest.raises(InvalidTransition):
        await store.reports.change_status(ref, "closed", changed_by=1)
    with pytest.raises(LookupError):
        await store.reports.change_status("FW-1999-000001", "closed", changed_by=1)
    history = await store.reports.history(moved.id)
    assert [(h.from_status, h.to_status, h.changed_by, h.note) for h in history] == [
        (None, "submitted", 7, None),
        ("submitted", "under_review", 1, "核实中"),
    ]
    assert all(isinstance(h, StatusChange) for h in history)
    assert await store.database.scalar("SELECT COUNT(*) FROM audit WHERE action = 'status'") == 1
    [note] = await store.outbox.pending()
    assert (note.reference, note.chat_id, note.to_status, note.note) == (ref, 70, "under_review", "核实中")
    case = await store.reports.case_file(moved)
    assert case.report == moved and case.history == tuple(history) and case.photos == ()


async def test_the_outbox_retries_a_failed_notification_until_it_gives_up(store: Store) -> None:
    ref = (await store.reports.submit(7, 7, _draft())).reference
    await store.reports.change_status(ref, "under_review", changed_by=1)
    [note] = await store.outbox.pending()
    for _ in range(MAX_ATTEMPTS - 1):
        await store.outbox.mark_failed(note.id)
    assert [n.id for n in await store.outbox.pending()] == [note.id]
    await store.outbox.mark_failed(note.id)
    assert await store.outbox.pending() == []
    await store.reports.change_status(ref, "need_more_info", changed_by=1)
    [second] = await store.outbox.pending()
    await store.outbox.mark_sent(second.id)
    assert await store.outbox.pending() == []


async def test_grants_and_revokes_are_audited_only_when_they_change_something(store: Store) -> None:
    staff = Grant(42, Role.STAFF, "moutai")
    assert await store.roles.grant(staff, by=1) and not await store.roles.grant(staff, by=1)
    assert await store.roles.grants(42) == [staff] and await store.roles.grants(43) == []
    assert await store.roles.revoke(staff, by=1) and not await store.roles.revoke(staff, by=1)
    assert await store.database.scalar("SELECT COUNT(*) FROM audit") == 2


async def test_guide_versions_are_numbered_per_brand_and_kept_whole(store: Store) -> None:
    assert await store.guides.add_version("moutai", b"v: 1", by=5, note="upload") == 1
    assert await store.guides.add_version("moutai", b"v: two", by=5) == 2
    assert await store.guides.add_version("nike", b"v: 1", by=5) == 1
    versions = await store.guides.versions("moutai")
    assert [(v.version, v.size, v.installed_by, v.note) for v in versions] == [(2, 6, 5, None), (1, 4, 5, "upload")]
    assert await store.guides.content("moutai", 1) == b"v: 1"
    assert await store.guides.content("moutai", 3) is None


async def test_missed_phrasings_are_the_unanswered_and_the_thumbed_down_until_resolved(store: Store) -> None:
    await store.answers.record_answer(100, 1, "瓶盖怎么看", "moutai", "cap")
    asked = await store.answers.answered_question(100, 1)
    await store.answers.record_feedback(7, "moutai", "cap", -1, asked)
    await store.answers.record_feedback(8, "moutai", "cap", 1, asked)  # a 👍 is not a miss
    await store.answers.record_unanswered("防伪码在哪", 0.2, "moutai")
    await store.answers.record_unanswered("鞋盒怎么看", 0.2, "nike")
    missed = await store.answers.missed_phrasings("moutai")
    assert sorted((p.key[0], p.question) for p in missed) == [("f", "瓶盖怎么看"), ("u", "防伪码在哪")]
    await store.answers.resolve_phrasings([p.key for p in missed], by=5, action="dismiss phrasing", detail="moutai")
    assert await store.answers.missed_phrasings("moutai") == []
    assert [q.question for q in await store.answers.unanswered(brand="nike")] == ["鞋盒怎么看"]
    assert await store.database.scalar("SELECT COUNT(*) FROM audit WHERE action = 'dismiss phrasing'") == 1


async def test_conversations_and_user_data_survive_reopening_and_empty_data_is_dropped(database_url: str) -> None:
    from bot.persistence import SqlitePersistence

    first = SqlitePersistence(database_url)
    await first.update_conversation("report", (7, 7), 3)
    await first.update_conversation("report", (8, 8), 4)
    await first.update_conversation("report", (8, 8), None)
    await first.update_user_data(7, {"report": {"brand": "茅台"}})
    await first.update_user_data(8, {"lang": "en"})
    await first.update_user_data(8, {})
    await first.close()
    again = SqlitePersistence(database_url)
    try:
        assert await again.get_conversations("report") == {(7, 7): 3}
        assert await again.get_user_data() == {7: {"report": {"brand": "茅台"}}}
    finally:
        await again.close()


async def test_user_data_is_written_only_when_it_changed(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every user with an update is handed over each second; their unchanged data costs no transaction."""
    from bot.persistence import SqlitePersistence

    first = SqlitePersistence(database_url)
    await first.update_user_data(7, {"lang": "zh"})
    await first.close()
    again = SqlitePersistence(database_url)
    transactions = 0
    engine = type((await again.store()).database)
    opened = engine.transaction

    def counted(self: object) -> object:
        nonlocal transactions
        transactions += 1
        return opened(self)

    try:
        assert await again.get_user_data() == {7: {"lang": "zh"}}
        monkeypatch.setattr(engine, "transaction", counted)
        await again.update_user_data(7, {"lang": "zh"})  # as read at start
        assert transactions == 0
        await again.update_user_data(7, {"lang": "en", "report": {"brand": "茅台"}})
        await again.update_user_data(7, {"lang": "en", "report": {"brand": "茅台"}})
        assert transactions == 1
        await again.update_user_data(7, {})
        await again.update_user_data(7, {"lang": "en", "report": {"brand": "茅台"}})  # written again after the drop
        assert transactions == 3
    finally:
        await again.close()
    last = SqlitePersistence(database_url)
    try:
        assert await last.get_user_data() == {7: {"lang": "en", "report": {"brand": "茅台"}}}
    finally:
        await last.close()


async def test_the_queue_sorted_by_last_change_puts_the_report_moved_last_first(store: Store) -> None:
    older = await store.reports.submit(7, 7, _draft(order="A"))
    newer = await store.reports.submit(8, 8, _draft(order="B"))
    await store.reports.change_status(older.reference, "under_review", changed_by=1)
    by_change, _ = await store.reports.queue(ReportFilter(None), QueueOrder.LAST_CHANGE, 0, 10)
    newest, _ = await store.reports.queue(ReportFilter(None), QueueOrder.NEWEST, 0, 10)
    assert [row.report.reference for row in by_change] == [older.reference, newer.reference]
    assert [row.report.reference for row in newest] == [newer.reference, older.reference]
    assert by_change[0].last_change >= by_change[1].last_change
