"""The connection core: the only place where transactions begin and end, over SQLite or PostgreSQL.

Like sqlite-utils' ``Database`` it knows no table: the repositories bring their own SQL (written
once, in SQLite's spelling; :mod:`.dialect` rewrites it for PostgreSQL). What it does own is how
writes happen: every write in a transaction that commits when its block ends, and a group commit
that writes many small pieces of work in one transaction, each in its own savepoint. Callers
hear that a write happened only after it is committed. :mod:`.sqlite` and :mod:`.postgres` hold
what each engine needs on top (pragmas and one writer; a connection pool and advisory locks).

Reads that must stream (the export, ``authbot db copy``) go through :func:`open_reader`: a
plain synchronous connection, a server-side cursor on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from .dialect import Dialect
from .url import DatabaseURL

Params = Sequence[object]
Write = tuple[str, Sequence[Params]]  # a statement and the rows it runs over, one run per row
ItemT = TypeVar("ItemT")  # an item queued for the group commit
ResultT = TypeVar("ResultT")  # what writing it returns

MAX_BATCH = 200  # pieces of work committed together at most (group commit)


class Row(Protocol):
    """A result row, read by position or by column name (sqlite3.Row, or :class:`NamedRow`)."""

    def __getitem__(self, key: Any) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> list[str]: ...


class NamedRow:
    """A row from a driver that returns plain tuples, readable by name as sqlite3.Row is."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]):
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


class DatabaseUnavailable(Exception):
    """The database cannot be opened or reached; the message names it, without its password."""


class Reads(ABC):
    """Queries: what a repository may run on the database at any time."""

    dialect: Dialect

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

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


class Transaction(Reads):
    """Writes are only possible inside :meth:`Database.transaction`, which hands out one of these."""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> Written: ...

    @abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def write_all(self, writes: Iterable[Write]) -> None:
        """Run each statement over its rows, in order; a statement with no rows is skipped.

        For many writes whose results nobody reads: on PostgreSQL they go in one pipeline (one
        round trip in all, the server working on one while the next is sent).
        """
        for sql, rows in writes:
            if rows:
                await self.execute_many(sql, rows)

    @abstractmethod
    async def lock(self, name: str) -> None:
        """Hold the lock ``name`` until this transaction ends: writers that take it run one at a time.

        For a check that reads before it writes (the hourly report limit, the next number), which
        no row lock can cover because the rows it counts do not exist yet.
        """

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an ``INSERT`` of one row and return its ``id``."""
        return await self.scalar(f"{sql} RETURNING id", params)

    @abstractmethod
    async def follow_ids(self, table: str) -> None:
        """After rows were inserted into ``table`` with their ids given, make new ids follow them."""


BatchWrite = Callable[[Transaction, list[ItemT]], Awaitable[list[ResultT | Exception]]]
"""Writes many queued items in one go: for each item, in order, its result or the exception its
caller gets (an item refused that way must have written nothing)."""


@dataclass(eq=False)
class _Queued(Generic[ItemT, ResultT]):
    """One item waiting for the group commit, how it is written, and the caller waiting for its result."""

    write: BatchWrite[ItemT, ResultT]
    item: ItemT
    future: asyncio.Future[ResultT]


class Database(Reads):
    """An open database; ``await open_database(url)`` opens the right one for the URL."""

    def __init__(self) -> None:
        self._queue: list[_Queued[Any, Any]] = []
        self._committer: asyncio.Task[None] | None = None

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int:
        """How many migrations the database has had."""

    @abstractmethod
    async def set_schema_version(self, tx: Transaction, version: int) -> None: ...

    @abstractmethod
    async def tables(self) -> list[str]:
        """The tables in the database, by name."""

    async def group_commit(self, write: BatchWrite[ItemT, ResultT], item: ItemT) -> ResultT:
        """Write ``item`` in a transaction shared with whatever else is queued; its result once committed.

        The items queued with the same ``write`` go to it together (one call for the batch: its
        statements run once per batch, not once per item), in a savepoint; if that call raises,
        each of them is written again alone in its own savepoint, so only the one at fault fails
        and its caller gets the exception, while the others are kept. Every caller is answered
        only after the commit that holds its item: one durable commit (one fsync) per batch.
        """
        future: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(write, item, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await future

    async def _commit_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            answers: list[Callable[[], None]] = []
            try:
                async with self.transaction() as tx:
                    for group in _by_write(batch):
                        answers += await _write_group(tx, group)
            except Exception as exc:  # the commit failed: nothing in the batch is saved
                answers = [partial(_reject, queued.future, exc) for queued in batch]
            for answer in answers:
                answer()


def _by_write(batch: list[_Queued[Any, Any]]) -> list[list[_Queued[Any, Any]]]:
    """The batch's items grouped by how they are written, each group in the order it was queued."""
    groups: dict[BatchWrite[Any, Any], list[_Queued[Any, Any]]] = {}
    for queued in batch:
        groups.setdefault(queued.write, []).append(queued)
    return list(groups.values())


async def _write_group(tx: Transaction, group: list[_Queued[ItemT, ResultT]]) -> list[Callable[[], None]]:
    """Write ``group`` in one call and savepoint; if it raises, each item alone. Returns how to answer each caller."""
    try:
        outcomes = await _in_savepoint(tx, group[0].write, [queued.item for queued in group])
    except Exception as exc:
        if len(group) == 1:
            return [partial(_reject, group[0].future, exc)]
        return [answer for queued in group for answer in await _write_group(tx, [queued])]
    return [_answer(queued.future, outcome) for queued, outcome in zip(group, outcomes, strict=True)]


async def _in_savepoint(tx: Transaction, write: BatchWrite[ItemT, ResultT], items: list[ItemT]) -> list[ResultT | Exception]:
    """``write(tx, items)`` undone alone if it raises (the exception is raised again)."""
    await tx.execute("SAVEPOINT queued")
    try:
        outcomes = await write(tx, items)
    except Exception:
        await tx.execute("ROLLBACK TO queued")
        await tx.execute("RELEASE queued")
        raise
    await tx.execute("RELEASE queued")
    return outcomes


def _answer(future: asyncio.Future[ResultT], outcome: ResultT | Exception) -> Callable[[], None]:
    return partial(_reject, future, outcome) if isinstance(outcome, Exception) else partial(_resolve, future, outcome)


def _resolve(future: asyncio.Future[ResultT], result: ResultT) -> None:
    if not future.done():  # the caller may have stopped waiting
        future.set_result(result)


def _reject(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


async def open_database(database: str | Path | DatabaseURL) -> Database:
    """Open the database ``database`` names (a URL, or a Path for an SQLite file)."""
    url = DatabaseURL.of(database)
    if url.dialect.is_postgresql:
        from .postgres import PostgresDatabase  # psycopg loads only for a PostgreSQL URL

        return await PostgresDatabase.open(url)
    from .sqlite import SqliteDatabase

    return await SqliteDatabase.open(url.sqlite_path)


class Reader(Protocol):
    """A synchronous, read-only connection whose query results stream (not all in memory)."""

    dialect: Dialect

    def rows(self, sql: str, params: Params = ()) -> Iterator[Row]: ...


def open_reader(database: str | Path | DatabaseURL) -> AbstractContextManager[Reader]:
    """A streaming reader on ``database``, for exports and copies of any size."""
    url = DatabaseURL.of(database)
    if url.dialect.is_postgresql:
        from .postgres import PostgresReader

        return PostgresReader.open(url)
    from .sqlite import SqliteReader

    return SqliteReader.open(url.sqlite_path)
