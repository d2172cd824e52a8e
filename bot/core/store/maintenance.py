"""Looking after a database: bring it up to date, check it, and copy an install to another one.

``authbot db copy`` moves every table (reports with their evidence records and status history,
the outbox, roles, audit, guide versions, answers, feedback, unanswered questions and the
persisted conversations) in one transaction on the target, then reads both sides again and
compares each table's row count and checksum. The checksum does not depend on row order (the
engines sort text differently): it is the sum of one SHA-256 per row, over the row's values
written out with their types.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from .db import Database, Reader, Row, Transaction, open_database, open_reader
from .migrations import MIGRATIONS, migrate
from .url import DatabaseURL

# Every table, parents before the tables whose foreign keys point at them.
TABLES = (
    "reports",
    "evidence",
    "status_history",
    "notifications",
    "roles",
    "audit",
    "guide_versions",
    "answered",
    "feedback",
    "unanswered",
    "conversations",
    "user_data",
    "console_links",
    "console_sessions",
)
COPY_BATCH = 1000
_CHECKSUM_MODULUS = 2**256


class CopyRefused(Exception):
    """The copy would lose data or cannot start; the message says why."""


class CopyMismatch(Exception):
    """The copied data differs from its source."""


@dataclass(frozen=True, slots=True)
class TableSummary:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True, slots=True)
class Checked:
    """What ``authbot db check`` found: rows per table, and every problem (none: the database is sound)."""

    rows: dict[str, int]
    problems: list[str]


async def upgrade(database_url: str | Path | DatabaseURL) -> tuple[int, int]:
    """Apply the missing migrations; returns (how many were applied, the schema version now)."""
    database = await open_database(database_url)
    try:
        applied = await migrate(database)
        return applied, await database.schema_version()
    finally:
        await database.close()


async def check(database: Database) -> Checked:
    """The engine's own integrity checks, every foreign key, the schema version and each report's history."""
    version = await database.schema_version()
    if version != len(MIGRATIONS):  # the other checks need the current tables
        return Checked({}, [f"schema version {version}, expected {len(MIGRATIONS)}: run authbot db upgrade"])
    unknown = sorted(set(await database.tables()) - set(TABLES))
    problems = [f"table {t} is not authbot's" for t in unknown] + await _report_problems(database)
    if database.dialect.is_postgresql:
        problems += await _postgres_problems(database)
    else:
        problems += await _sqlite_problems(database)
    rows = {table: await database.scalar(f"SELECT COUNT(*) FROM {table}") for table in TABLES}
    return Checked(rows, problems)


async def _report_problems(database: Database) -> list[str]:
    unhistoried = await database.scalar(
        "SELECT COUNT(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM status_history h WHERE h.report_id = r.id)"
    )
    return [f"{unhistoried} report(s) without a status history"] if unhistoried else []


async def _sqlite_problems(database: Database) -> list[str]:
    integrity = [r[0] for r in await database.fetch_all("PRAGMA integrity_check")]
    problems = [] if integrity == ["ok"] else [f"integrity: {line}" for line in integrity]
    for table, rowid, parent, _ in await database.fetch_all("PRAGMA foreign_key_check"):
        problems.append(f"{table} row {rowid} points at a missing {parent} row")
    return problems


async def _postgres_problems(database: Database) -> list[str]:
    """Constraints not validated, and rows a foreign key points from whose parent is missing
    (possible after a restore or a load with triggers off)."""
    problems = [
        f"constraint {r['conname']} is not validated"
        for r in await database.fetch_all(
            "SELECT conname FROM pg_constraint WHERE NOT convalidated AND connamespace = current_schema()::regnamespace"
        )
    ]
    foreign_keys = await database.fetch_all(
        """SELECT c.conrelid::regclass::text AS child, a.attname AS col, c.confrelid::regclass::text AS parent, p.attname AS key
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = c.confkey[1]
           WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace ORDER BY 1, 2"""
    )
    for fk in foreign_keys:
        orphans = await database.scalar(
            f"""SELECT COUNT(*) FROM {fk["child"]} c
                WHERE c.{fk["col"]} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {fk["parent"]} p WHERE p.{fk["key"]} = c.{fk["col"]})"""
        )
        if orphans:
            problems.append(f"{orphans} {fk['child']} row(s) point at a missing {fk['parent']} row ({fk['col']})")
    return problems


# --- copy ------------------------------------------------------------------------------------------


async def copy(
    source_url: str | Path | DatabaseURL, target_url: str | Path | DatabaseURL, *, force: bool = False
) -> list[TableSummary]:
    """Copy every table from ``source`` to ``target`` (both upgraded first) and verify it; returns
    what each table holds on both sides.

    A target with any row is refused unless ``force``, which replaces its data. Ids are kept, so
    references between tables and report references stay as they were.
    """
    source, target = DatabaseURL.of(source_url), DatabaseURL.of(target_url)
    if source == target:
        raise CopyRefused("the source and the target are the same database")
    if not source.exists():
        raise CopyRefused(f"no database at {source}")
    await upgrade(source)
    database = await open_database(target)
    try:
        await migrate(database)
        await _refuse_data_unless_forced(database, target, force)
        with open_reader(source) as reader:
            async with database.transaction() as tx:
                for table in reversed(TABLES):
                    await tx.execute(f"DELETE FROM {table}")
                for table in TABLES:
                    await _copy_table(reader, tx, table)
    finally:
        await database.close()
    return verify(source, target)


async def _refuse_data_unless_forced(database: Database, target: DatabaseURL, force: bool) -> None:
    held = {table: n for table in TABLES if (n := await database.scalar(f"SELECT COUNT(*) FROM {table}"))}
    if held and not force:
        listed = ", ".join(f"{n} in {table}" for table, n in held.items())
        raise CopyRefused(f"{target} already holds rows ({listed}); --force replaces them")


async def _copy_table(reader: Reader, tx: Transaction, table: str) -> None:
    rows = reader.rows(f"SELECT * FROM {table}")
    first = next(rows, None)
    if first is None:
        return
    columns = first.keys()
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    rows = chain([first], rows)
    while batch := [tuple(row) for row in islice(rows, COPY_BATCH)]:
        await tx.execute_many(insert, batch)
    if "id" in columns:
        await tx.follow_ids(table)


def verify(source: DatabaseURL, target: DatabaseURL) -> list[TableSummary]:
    """Each table's rows and checksum on both sides; :class:`CopyMismatch` if any differs."""
    with open_reader(source) as before, open_reader(target) as after:
        summaries = [(summarize(before, table), summarize(after, table)) for table in TABLES]
    differing = [f"{a.table} ({a.rows} rows → {b.rows})" for a, b in summaries if a != b]
    if differing:
        raise CopyMismatch(f"the copy differs from its source in {', '.join(differing)}")
    return [a for a, _ in summaries]


def summarize(reader: Reader, table: str) -> TableSummary:
    count, total = 0, 0
    for row in reader.rows(f"SELECT * FROM {table}"):
        count += 1
        total = (total + int.from_bytes(_row_digest(row), "big")) % _CHECKSUM_MODULUS
    return TableSummary(table, count, f"{total:064x}")


def _row_digest(row: Row) -> bytes:
    """A row's values by column name, each with its type, so 1, 1.0 and '1' differ."""
    typed = sorted(
        (name, type(value).__name__, value.hex() if isinstance(value, bytes) else value)
        for name, value in zip(row.keys(), row, strict=True)
    )
    return hashlib.sha256(json.dumps(typed, ensure_ascii=False, default=repr).encode()).digest()
