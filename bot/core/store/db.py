"""The connection core: one aiosqlite connection, opened carefully, and the only place where
transactions begin and end.

Like sqlite-utils' ``Database`` it knows no table: the repositories bring their own SQL, so a
second engine can later sit behind the same repositories. What it does own is how writes
happen: a WAL journal (readers never block the writer), ``synchronous=FULL``, foreign keys, a
busy timeout, every write in its own ``BEGIN IMMEDIATE`` transaction behind one lock, and a
group commit that writes many small pieces of work in one transaction, each in its own
savepoint. Callers hear that a write happened only after it is committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, Iterable, Sequence, TypeVar

import aiosqlite

Row = sqlite3.Row
Params = Sequence[object]
T = TypeVar("T")

PRAGMAS = ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 5000")
MAX_BATCH = 200  # pieces of work committed together at most (group commit)


class Reads:
    """Queries: what a repository may run on the database at any time.

    Each call is one trip to aiosqlite's thread (statement and rows together): a report's
    insert runs several statements, and the trips, not SQLite, set its latency.
    """

    def __init__(self, connection: aiosqlite.Connection):
        self._connection = connection

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._connection.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row; for queries that find at most a few (by key, or an aggregate)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> int:
        """The first column of the first row as an int; 0 when there is no row or it is NULL."""
        row = await self.fetch_one(sql, params)
        return int(row[0]) if row is not None and row[0] is not None else 0


@dataclass(frozen=True, slots=True)
class Written:
    """What a write statement did."""

    rowcount: int
    last_id: int | None


class Transaction(Reads):
    """Writes are only possible inside :meth:`Database.transaction`, which hands out one of these."""

    async def execute(self, sql: str, params: Params = ()) -> Written:
        cursor = await self._connection.execute(sql, params)  # a write is done once executed; no need to close
        return Written(cursor.rowcount, cursor.lastrowid)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._connection.executemany(sql, rows)


@dataclass(eq=False)
class _Queued(Generic[T]):
    """One piece of work waiting for the group commit, and the caller waiting for its result."""

    work: Callable[[Transaction], Awaitable[T]]
    future: asyncio.Future[T]


class Database(Reads):
    """One connection, one writer at a time; open with ``await Database.open(path)``."""

    def __init__(self, connection: aiosqlite.Connection):
        super().__init__(connection)
        self._write_lock = asyncio.Lock()
        self._queue: list[_Queued[Any]] = []
        self._committer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)  # we issue BEGIN ourselves
        connection.row_factory = Row
        for pragma in PRAGMAS:
            await connection.execute(f"PRAGMA {pragma}")
        return cls(connection)

    async def close(self) -> None:
        await self._connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._connection)
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    async def group_commit(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction shared with whatever else is queued; its result once committed.

        Each piece of work runs in its own savepoint, so one that raises is undone alone and its
        caller gets the exception, while the others are kept. Every caller is answered only after
        the commit that holds its work: with synchronous=FULL, one fsync per batch, not per write.
        """
        queued = _Queued(work, asyncio.get_running_loop().create_future())
        self._queue.append(queued)
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await queued.future

    async def _commit_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            answers: list[Callable[[], None]]
            try:
                async with self.transaction() as tx:
                    answers = [await _in_savepoint(tx, queued) for queued in batch]
            except Exception as exc:  # the commit failed: nothing in the batch is saved
                answers = [partial(_reject, queued.future, exc) for queued in batch]
            for answer in answers:
                answer()


async def _in_savepoint(tx: Transaction, queued: _Queued[T]) -> Callable[[], None]:
    """Run one piece of queued work in its own savepoint; returns how to answer its caller."""
    await tx.execute("SAVEPOINT queued")
    try:
        result = await queued.work(tx)
    except Exception as exc:
        await tx.execute("ROLLBACK TO queued")
        answer = partial(_reject, queued.future, exc)
    else:
        answer = partial(_resolve, queued.future, result)
    await tx.execute("RELEASE queued")
    return answer


def _resolve(future: asyncio.Future[T], result: T) -> None:
    if not future.done():  # the caller may have stopped waiting
        future.set_result(result)


def _reject(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
