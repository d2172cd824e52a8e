"""The connection core on SQLite: one aiosqlite connection, opened carefully, one writer at a time.

A WAL journal (readers never block the writer), ``synchronous=FULL``, foreign keys, a busy
timeout, and every write in its own ``BEGIN IMMEDIATE`` transaction behind one lock. Each call
is one trip to aiosqlite's thread (statement and rows together, ``executemany`` too): the trips,
not SQLite, set a write's cost, so a batch of reports makes a dozen of them, however many it holds.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiosqlite

from .db import Database, Params, Row, Transaction, Written
from .dialect import SQLITE

PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 5000")


class SqliteTransaction(Transaction):
    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection):
        self._connection = connection

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._connection.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> Written:
        cursor = await self._connection.execute(sql, params)  # a write is done once executed; no need to close
        return Written(cursor.rowcount)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._connection.executemany(sql, rows)

    async def lock(self, name: str) -> None:
        """Nothing to take: BEGIN IMMEDIATE already made this the only writer, in every process."""

    async def follow_ids(self, table: str) -> None:
        """Nothing to do: SQLite numbers a new row after the largest id in the table."""


class SqliteDatabase(Database):
    """One connection, one writer at a time; open with ``await SqliteDatabase.open(path)``."""

    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection):
        super().__init__()
        self._connection = connection
        self._reads = SqliteTransaction(connection)  # the same calls, outside a transaction
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)  # we issue BEGIN ourselves
        connection.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            await connection.execute(f"PRAGMA {pragma}")
        return cls(connection)

    async def close(self) -> None:
        await self._connection.close()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._reads.fetch_all(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._write_lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._reads
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    async def schema_version(self) -> int:
        return await self.scalar("PRAGMA user_version")

    async def set_schema_version(self, tx: Transaction, version: int) -> None:
        await tx.execute(f"PRAGMA user_version = {int(version)}")

    async def tables(self) -> list[str]:
        rows = await self.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [r[0] for r in rows]


class SqliteReader:
    """A read-only sqlite3 connection (a read transaction; WAL lets the bot keep writing)."""

    dialect = SQLITE

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[SqliteReader]:
        # A streamed download may read each batch in another worker thread, one after the other:
        # the read-only connection is never used by two threads at once.
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            connection.row_factory = sqlite3.Row
            yield cls(connection)
        finally:
            connection.close()

    def rows(self, sql: str, params: Params = ()) -> Iterator[Row]:
        yield from self._connection.execute(sql, params)
