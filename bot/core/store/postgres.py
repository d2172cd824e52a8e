"""The connection core on PostgreSQL: psycopg 3 (async) over a psycopg_pool connection pool.

Connections are in autocommit mode, so a read outside a transaction is one statement on whichever
pooled connection is free; :meth:`PostgresDatabase.transaction` holds one connection for its
``BEGIN`` … ``COMMIT``. Transactions run at READ COMMITTED, and a check that must see every
earlier writer (the hourly report limit, the next report number) first takes an advisory lock
(:meth:`PostgresTransaction.lock`), as SQLite's ``BEGIN IMMEDIATE`` makes every writer wait.

Values are stored as on SQLite: a bool as 0 or 1, timestamps as seconds since the epoch.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import psycopg
from psycopg.adapt import AdaptersMap, Dumper
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool

from .db import Database, DatabaseUnavailable, NamedRow, Params, Row, Transaction, Write, Written
from .dialect import POSTGRESQL
from .url import DatabaseURL

POOL_SIZE = 10
CONNECT_TIMEOUT = 10  # seconds
STREAM_BATCH = 2000  # rows a server-side cursor sends at a time
_SCHEMA_TABLE = "schema_version"  # what PRAGMA user_version is on SQLite


class _BoolAsInteger(Dumper):
    """A bool is stored as 0 or 1 in an integer column, as sqlite3 stores it."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


ADAPTERS = AdaptersMap(psycopg.adapters)
ADAPTERS.register_dumper(bool, _BoolAsInteger)


def _named_rows(cursor: Any) -> Callable[[Sequence[Any]], NamedRow]:
    """psycopg row factory: rows readable by position and by column name."""
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: NamedRow(values, index)


class PostgresTransaction(Transaction):
    dialect = POSTGRESQL

    def __init__(self, connection: psycopg.AsyncConnection[Any]):
        self._connection = connection

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = await self._connection.execute(POSTGRESQL.sql(sql), params)
        return list(await cursor.fetchall())

    async def execute(self, sql: str, params: Params = ()) -> Written:
        cursor = await self._connection.execute(POSTGRESQL.sql(sql), params)
        return Written(cursor.rowcount)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        # No rows come back: plain tuples spare building a named-row maker for every row's result.
        async with self._connection.cursor(row_factory=tuple_row) as cursor:
            await cursor.executemany(POSTGRESQL.sql(sql), rows)

    async def write_all(self, writes: Iterable[Write]) -> None:
        async with self._connection.pipeline():  # an error is raised by the end of the block at the latest
            await super().write_all(writes)

    async def lock(self, name: str) -> None:
        """A transaction-level advisory lock on a 64-bit hash of ``name``, freed at COMMIT or ROLLBACK."""
        await self._connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))

    async def follow_ids(self, table: str) -> None:
        await self._connection.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)", (table,)
        )


class PostgresDatabase(Database):
    """A pool of connections; open with ``await PostgresDatabase.open(url)``."""

    dialect = POSTGRESQL

    def __init__(self, pool: AsyncConnectionPool[Any]):
        super().__init__()
        self._pool = pool

    @classmethod
    async def open(cls, url: DatabaseURL) -> PostgresDatabase:
        settings = {"autocommit": True, "row_factory": _named_rows, "context": ADAPTERS}
        try:  # one connection first: its error says why (refused, no such database, password) where the pool's would not
            probe = await psycopg.AsyncConnection.connect(url.url, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise DatabaseUnavailable(f"cannot connect to {url}: {exc}") from None
        await probe.close()
        pool = AsyncConnectionPool(url.url, min_size=1, max_size=POOL_SIZE, kwargs=settings, open=False, name="authbot")
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._pool.connection() as connection:
            return await PostgresTransaction(connection).fetch_all(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._pool.connection() as connection, connection.transaction():
            yield PostgresTransaction(connection)

    async def schema_version(self) -> int:
        if not await self.scalar("SELECT to_regclass(?) IS NOT NULL", (_SCHEMA_TABLE,)):
            return 0
        return await self.scalar(f"SELECT version FROM {_SCHEMA_TABLE}")

    async def set_schema_version(self, tx: Transaction, version: int) -> None:
        await tx.execute(f"CREATE TABLE IF NOT EXISTS {_SCHEMA_TABLE} (version INTEGER NOT NULL)")
        await tx.execute(f"DELETE FROM {_SCHEMA_TABLE}")
        await tx.execute(f"INSERT INTO {_SCHEMA_TABLE} (version) VALUES (?)", (version,))

    async def tables(self) -> list[str]:
        rows = await self.fetch_all(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> ? ORDER BY tablename",
            (_SCHEMA_TABLE,),
        )
        return [r[0] for r in rows]


class PostgresReader:
    """A read-only connection; each query streams through a server-side cursor."""

    dialect = POSTGRESQL
    _names = itertools.count()

    def __init__(self, connection: psycopg.Connection[Any]):
        self._connection = connection

    @classmethod
    @contextmanager
    def open(cls, url: DatabaseURL) -> Iterator[PostgresReader]:
        try:
            connection = psycopg.connect(url.url, row_factory=_named_rows, context=ADAPTERS, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise DatabaseUnavailable(f"cannot connect to {url}: {exc}") from None
        with connection:
            connection.read_only = True
            yield cls(connection)

    def rows(self, sql: str, params: Params = ()) -> Iterator[Row]:
        with self._connection.cursor(name=f"stream_{next(self._names)}") as cursor:
            cursor.itersize = STREAM_BATCH
            cursor.execute(POSTGRESQL.sql(sql), params)
            yield from cursor
