"""The database as operators handle it, on SQLite and PostgreSQL: the URL setting, ``authbot db
upgrade``, ``db check`` finding what is broken, ``db copy`` SQLite → PostgreSQL → SQLite with
identical tables, concurrent writers on one database, and the dialect translation itself."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from databases import PostgresServer, fresh_postgres_database

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.core.reports import REPORTS_PER_HOUR, Draft, Photo
from bot.core.roles import Grant, Role
from bot.core.store import Store
from bot.core.store.db import open_reader
from bot.core.store.dialect import POSTGRESQL, SQLITE
from bot.core.store.maintenance import TABLES, summarize
from bot.core.store.migrations import MIGRATIONS
from bot.core.store.reports import TooManyReports
from bot.persistence import SqlitePersistence


def authbot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _draft(n: int, photos: int = 2) -> Draft:
    return Draft(
        brand="moutai",
        product=f"飞天 {n}",
        platform="douyin_live",
        shop="直播间",
        problem="胶帽起皱",
        official_check="failed",
        consent=n % 2 == 0,
        order_number=f"ORDER{n}",
        price_cents=129900,
        photos=[Photo(f"{n * 10 + k:064x}", f"f{n}{k}", f"u{n}{k}", 1000 + k) for k in range(photos)],
    )


async def fill(database_url: str) -> None:
    """A row or more in every table, the way the bot writes them."""
    store = await Store.open(database_url)
    try:
        refs = [(await store.reports.submit(100 + n, 100 + n, _draft(n))).reference for n in range(3)]
        await store.reports.change_status(refs[0], "under_review", changed_by=1, note="核实中 100%")
        await store.roles.grant(Grant(42, Role.STAFF, "moutai"), by=1)
        await store.guides.add_version("moutai", b"\x00\xffbinary guide", by=1, note="upload")
        await store.answers.record_answer(100, 1, "瓶盖怎么看", "moutai", "cap")
        await store.answers.record_feedback(7, "moutai", "cap", -1, "瓶盖怎么看")
        await store.answers.record_unanswered("防伪码在哪", 0.25, "moutai")
    finally:
        await store.close()
    persistence = SqlitePersistence(database_url)
    await persistence.update_conversation("report", (7, 7), 3)
    await persistence.update_user_data(7, {"report": {"brand": "茅台"}})
    await persistence.close()


def summaries(database_url: str) -> dict[str, tuple[int, str]]:
    with open_reader(database_url) as reader:
        return {table: (summary.rows, summary.checksum) for table in TABLES for summary in [summarize(reader, table)]}


# --- the setting ---------------------------------------------------------------------------------


def test_the_database_url_comes_from_the_environment_or_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "authbot.toml"
    config.write_text('[authbot]\ndatabase_url = "postgresql://bot:secret@db.internal/authbot"\n', encoding="utf-8")
    from_file = load_settings({}, config)
    assert from_file.database.dialect is POSTGRESQL and str(from_file.database) == "postgresql://bot:***@db.internal/authbot"
    assert "secret" not in repr(from_file)
    from_env = load_settings({"AUTHBOT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}, config)
    assert from_env.database.dialect is SQLITE and from_env.database.sqlite_path == tmp_path / "x.sqlite3"
    with pytest.raises(ConfigError, match=r"sqlite:///PATH or postgresql://.*'mysql://u:\*\*\*@h/db'"):
        load_settings({"AUTHBOT_DATABASE_URL": "mysql://u:pw@h/db"})


def test_a_database_that_does_not_answer_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = authbot(capsys, "unanswered", "--database", "postgresql://bot:secret@127.0.0.1:1/authbot")
    assert (
        code == 2
        and err.startswith("authbot: cannot connect to postgresql://bot:***@127.0.0.1:1/authbot")
        and "secret" not in err
    )
    assert authbot(capsys, "db", "check", "--database", "mysql://x")[2].startswith("authbot: database URL must be")


def test_under_ci_a_postgresql_test_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = PostgresServer(None, "no PostgreSQL for the tests")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but no PostgreSQL"):
        missing.require()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        missing.require()


# --- upgrade and check ---------------------------------------------------------------------------


def test_db_upgrade_applies_the_migrations_once(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert authbot(capsys, "db", "upgrade", "--database", database_url)[1].endswith(
        f"schema version {len(MIGRATIONS)} ({len(MIGRATIONS)} migration(s) applied)\n"
    )
    assert authbot(capsys, "db", "upgrade", "--database", database_url)[1].endswith(
        f"schema version {len(MIGRATIONS)} (0 migration(s) applied)\n"
    )


def test_db_check_counts_every_table_and_finds_orphans(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(fill(database_url))
    code, out, err = authbot(capsys, "db", "check", "--database", database_url)
    assert code == 0 and err.endswith(": ok\n")
    counted = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()}
    assert set(counted) == set(TABLES) and (counted["reports"], counted["evidence"], counted["status_history"]) == (3, 6, 4)
    _add_orphan_evidence(database_url)
    code, out, _ = authbot(capsys, "db", "check", "--database", database_url)
    assert code == 1
    assert "problem: 1 report(s) without a status history" in out
    assert any(line.startswith("problem: ") and "evidence" in line and "missing reports row" in line for line in out.splitlines())


def _add_orphan_evidence(database_url: str) -> None:
    """A report without history and a photo record of a report that does not exist, written
    past the foreign keys (as a careless restore might)."""
    orphan = "INSERT INTO evidence (report_id, sha256, file_id, file_unique_id, size, mime) VALUES (999, 'x', 'f', 'u', 1, 'image/jpeg')"
    lonely = """INSERT INTO reports (id, reference, user_id, chat_id, product, platform, shop, problem, official_check, consent, created_at, updated_at)
                VALUES (50, 'FW-2026-000050', 1, 1, 'p', 'other', 's', 'x', 'failed', 0, 0, 0)"""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:  # foreign keys are off unless asked for
            db.execute(orphan)
            db.execute(lonely)
        return
    import psycopg

    with psycopg.connect(database_url) as db:
        db.execute("SET session_replication_role = replica")  # foreign key triggers off
        db.execute(orphan)
        db.execute(lonely)


def test_db_check_on_a_missing_sqlite_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert authbot(capsys, "db", "check", "--database", f"sqlite:///{tmp_path}/none.sqlite3") == (
        2,
        "",
        f"authbot: no database at {tmp_path}/none.sqlite3\n",
    )


# --- copy --------------------------------------------------------------------------------------


def test_copy_sqlite_to_postgresql_and_back_keeps_every_row(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    original, back = f"sqlite:///{tmp_path}/original.sqlite3", f"sqlite:///{tmp_path}/back.sqlite3"
    asyncio.run(fill(original))
    with fresh_postgres_database(postgres_server.require()) as postgres:
        code, out, err = authbot(capsys, "db", "copy", "--from", original, "--to", postgres)
        assert code == 0 and "counts and checksums verified" in err and len(out.splitlines()) == len(TABLES)
        assert authbot(capsys, "db", "check", "--database", postgres)[0] == 0
        code, _, err = authbot(capsys, "db", "copy", "--from", original, "--to", postgres)
        assert code == 2 and "already holds rows (3 in reports" in err and "--force" in err
        assert authbot(capsys, "db", "copy", "--from", original, "--to", postgres, "--force")[0] == 0
        asyncio.run(_new_rows_follow_the_copied_ones(postgres))
        assert authbot(capsys, "db", "copy", "--from", postgres, "--to", back)[0] == 0
        assert summaries(back) == summaries(postgres)
    assert authbot(capsys, "db", "check", "--database", back)[0] == 0
    assert {table: rows for table, (rows, _) in summaries(back).items()} == {
        table: rows + {"reports": 1, "evidence": 2, "status_history": 2, "notifications": 1, "audit": 1}.get(table, 0)
        for table, (rows, _) in summaries(original).items()
    }


async def _new_rows_follow_the_copied_ones(database_url: str) -> None:
    """On the copy, the next report, history entry and notification get new ids (no collision)."""
    store = await Store.open(database_url)
    try:
        ref = (await store.reports.submit(500, 500, _draft(500))).reference
        assert ref.endswith("-000004")
        await store.reports.change_status(ref, "under_review", changed_by=1)
    finally:
        await store.close()


def test_copy_refuses_a_missing_source_and_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing, target = f"sqlite:///{tmp_path}/none.sqlite3", f"sqlite:///{tmp_path}/t.sqlite3"
    assert authbot(capsys, "db", "copy", "--from", missing, "--to", target) == (
        2,
        "",
        f"authbot: no database at {tmp_path}/none.sqlite3\n",
    )
    assert (
        authbot(capsys, "db", "copy", "--from", target, "--to", target)[2]
        == "authbot: the source and the target are the same database\n"
    )


async def test_the_copy_knows_every_table(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        assert sorted(await store.database.tables()) == sorted(TABLES)
    finally:
        await store.close()


# --- concurrency ---------------------------------------------------------------------------------


async def test_two_processes_writing_at_once_keep_the_hourly_limit_and_unique_numbers(database_url: str) -> None:
    """Two stores on one database, as two bot processes would be: the limit and numbering hold across both."""
    first, second = await Store.open(database_url), await Store.open(database_url)
    try:
        same_shopper = [
            store.reports.submit(7, 7, _draft(n, photos=1)) for n, store in enumerate([first, second] * REPORTS_PER_HOUR * 2)
        ]
        others = [
            store.reports.submit(1000 + n, 1000 + n, _draft(1000 + n, photos=1)) for n, store in enumerate([first, second] * 20)
        ]
        results = await asyncio.gather(*same_shopper, *others, return_exceptions=True)
        refused = [r for r in results if isinstance(r, TooManyReports)]
        failed = [r for r in results if isinstance(r, BaseException) and not isinstance(r, TooManyReports)]
        assert not failed, failed[:3]
        assert len(refused) == REPORTS_PER_HOUR * 4 - REPORTS_PER_HOUR
        assert await first.database.scalar("SELECT COUNT(*) FROM reports WHERE user_id = 7") == REPORTS_PER_HOUR
        assert await first.database.scalar("SELECT COUNT(DISTINCT reference) FROM reports") == REPORTS_PER_HOUR + 40
        assert await first.database.scalar("SELECT MAX(id) FROM reports") == REPORTS_PER_HOUR + 40  # no number skipped
    finally:
        await first.close()
        await second.close()


async def test_two_uploads_of_one_brand_at_once_get_consecutive_versions(database_url: str) -> None:
    first, second = await Store.open(database_url), await Store.open(database_url)
    try:
        versions = await asyncio.gather(*(store.guides.add_version("moutai", b"v", by=1) for store in [first, second] * 5))
        assert sorted(versions) == list(range(1, 11))
    finally:
        await first.close()
        await second.close()


# --- the dialect ---------------------------------------------------------------------------------


def test_placeholders_become_psycopg_s_outside_quotes_only() -> None:
    sql = "SELECT '?', 'it''s 5%' AS \"a?\" FROM t WHERE a = ? AND b LIKE 'x%' AND c % 2 = ?"
    assert POSTGRESQL.sql(sql) == "SELECT '?', 'it''s 5%%' AS \"a?\" FROM t WHERE a = %s AND b LIKE 'x%%' AND c %% 2 = %s"
    assert SQLITE.sql(sql) == sql


def test_the_schema_gets_postgresql_types() -> None:
    ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, at REAL, content BLOB, integers TEXT)"
    assert POSTGRESQL.ddl(ddl) == (
        "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id BIGINT NOT NULL, "
        "at DOUBLE PRECISION, content BYTEA, integers TEXT)"
    )
    assert SQLITE.ddl(ddl) == ddl
