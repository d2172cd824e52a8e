"""The project's SQLite database: one file under the data directory, opened with aiosqlite.

Handled carefully, in the manner of sqlite-utils: WAL journal (readers never block the writer),
foreign keys on, a busy timeout, every write in its own ``BEGIN IMMEDIATE`` transaction, and
numbered migrations applied at start (``PRAGMA user_version``) so an older database upgrades in
place. Callers are told a write happened only after it is committed.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Sequence

import aiosqlite

from .text import normalize

# Each entry is one migration; the database's user_version is how many have been applied.
# Never edit an applied migration: append a new one.
MIGRATIONS: list[str] = [
    # 1: what shoppers thought of a tip, and the questions no tip answered
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        brand TEXT NOT NULL,
        tip TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        question TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX feedback_tip ON feedback (brand, tip);
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        normalized TEXT NOT NULL,
        best_score REAL NOT NULL,
        brand TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX unanswered_normalized ON unanswered (normalized);
    """,
]

MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    question: str
    count: int
    best_score: float
    last_asked: float
    brand: str | None


class Store:
    """One connection, one writer at a time; open with ``await Store.open(path)``."""

    def __init__(self, connection: aiosqlite.Connection, path: Path):
        self._db = connection
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> "Store":
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)  # we issue BEGIN ourselves
        connection.row_factory = aiosqlite.Row
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 5000"):
            await connection.execute(f"PRAGMA {pragma}")
        store = cls(connection, path)
        await store._migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _migrate(self) -> None:
        version = await self.scalar("PRAGMA user_version")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self.transaction() as db:
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {number}")

    async def scalar(self, sql: str, params: Sequence[object] = ()) -> int:
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # --- shoppers ------------------------------------------------------------------------

    async def record_feedback(self, user_id: int, brand: str, tip: str, vote: int, question: str | None = None) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO feedback (user_id, brand, tip, vote, question, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, brand, tip, 1 if vote > 0 else -1, _clip(question), time.time()),
            )

    async def record_unanswered(self, question: str, best_score: float, brand: str | None = None) -> None:
        """Keep the text, the time and how close the best tip came; never who asked."""
        text = _clip(question) or ""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO unanswered (question, normalized, best_score, brand, created_at) VALUES (?, ?, ?, ?, ?)",
                (text, _key(text), best_score, brand, time.time()),
            )

    async def unanswered(self, limit: int = 50, brand: str | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions, the most often asked first (same wording up to case and script)."""
        where, params = ("WHERE brand = ?", [brand]) if brand else ("", [])
        rows = await self.fetch(
            f"""SELECT MIN(question) AS question, COUNT(*) AS n, MAX(best_score) AS best,
                       MAX(created_at) AS last, MAX(brand) AS brand
                FROM unanswered {where} GROUP BY normalized
                ORDER BY n DESC, last DESC LIMIT ?""",
            [*params, limit],
        )
        return [UnansweredQuestion(r["question"], r["n"], r["best"], r["last"], r["brand"]) for r in rows]

    async def feedback_counts(self, brand: str, tip: str) -> tuple[int, int]:
        rows = await self.fetch("SELECT vote, COUNT(*) FROM feedback WHERE brand = ? AND tip = ? GROUP BY vote", (brand, tip))
        counts = {r[0]: r[1] for r in rows}
        return counts.get(1, 0), counts.get(-1, 0)


def _clip(text: str | None) -> str | None:
    return text[:MAX_QUESTION_CHARS] if text is not None else None


def _key(text: str) -> str:
    """How unanswered questions are grouped: normalised, punctuation and spaces dropped."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
