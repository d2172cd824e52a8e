"""What shoppers asked and how the answers landed: which question each answer answered, the
👍/👎 on tips, the questions no tip answered, and the wordings staff still have to deal with.

Questions are kept without who asked them (feedback keeps the voter, to count one vote each).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from ..text import normalize
from .db import Database, Transaction
from .records import Phrasing, UnansweredQuestion
from .roles import write_audit

MAX_QUESTION_CHARS = 1000
_PHRASING_TABLES = {"u": "unanswered", "f": "feedback"}  # a phrasing key's first letter: where it lives


class AnswerRepository:
    def __init__(self, database: Database, flush_log: Callable[[], Awaitable[None]] | None = None):
        self._db = database
        self._flush_log = flush_log  # the answer log's queue: committed before the lists below are read

    async def _log_flushed(self) -> None:
        """What this process queued in its answer log is in the database (another process's within a second)."""
        if self._flush_log is not None:
            await self._flush_log()

    async def record_answer(self, chat_id: int, message_id: int, question: str, brand: str, tip: str) -> None:
        """Remember which question the answer ``message_id`` answered, for feedback on it later."""
        async with self._db.transaction() as tx:
            await write_answered(tx, [answered_row(chat_id, message_id, question, brand, tip)])

    async def answered_question(self, chat_id: int, message_id: int) -> str | None:
        row = await self._db.fetch_one(
            "SELECT question FROM answered WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return str(row["question"]) if row is not None else None

    async def record_feedback(self, user_id: int, brand: str, tip: str, vote: int, question: str | None = None) -> None:
        async with self._db.transaction() as tx:
            await write_feedback(tx, [feedback_row(user_id, brand, tip, vote, question)])

    async def record_unanswered(self, question: str, best_score: float, brand: str | None = None) -> None:
        """Keep the text, the time and how close the best tip came; never who asked."""
        async with self._db.transaction() as tx:
            await write_unanswered(tx, [unanswered_row(question, best_score, brand)])

    async def unanswered(self, limit: int = 50, brand: str | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions, the most often asked first (same wording up to case and script)."""
        await self._log_flushed()
        where, params = ("WHERE brand = ?", [brand]) if brand else ("", [])
        rows = await self._db.fetch_all(
            f"""SELECT MIN(question) AS question, COUNT(*) AS n, MAX(best_score) AS best,
                       MAX(created_at) AS last, MAX(brand) AS brand
                FROM unanswered {where} GROUP BY normalized
                ORDER BY n DESC, last DESC LIMIT ?""",
            [*params, limit],
        )
        return [UnansweredQuestion(r["question"], r["n"], r["best"], r["last"], r["brand"]) for r in rows]

    async def missed_phrasings(self, brand: str, limit: int = 500) -> list[Phrasing]:
        """Questions about ``brand`` that found no tip or got a 👎, not yet dealt with."""
        await self._log_flushed()
        rows = await self._db.fetch_all(
            """SELECT 'u' || id AS key, question, created_at FROM unanswered WHERE brand = ? AND resolved_at IS NULL
               UNION ALL
               SELECT 'f' || id, question, created_at FROM feedback WHERE brand = ? AND vote = -1 AND question IS NOT NULL AND resolved_at IS NULL
               ORDER BY created_at DESC LIMIT ?""",
            (brand, brand, limit),
        )
        return [Phrasing(r["key"], r["question"]) for r in rows]

    async def resolve_phrasings(self, keys: list[str], by: int | None, action: str, detail: str) -> None:
        """Mark phrasings (keys from :meth:`missed_phrasings`) dealt with, and audit what was done."""
        async with self._db.transaction() as tx:
            await write_resolved(tx, keys, by, action, detail)

    async def tip_votes(self, brand: str) -> dict[str, tuple[int, int]]:
        """👍 and 👎 per tip of ``brand``, each shopper counted once per tip and direction."""
        rows = await self._db.fetch_all(
            """SELECT tip, COUNT(DISTINCT CASE WHEN vote > 0 THEN user_id END),
                      COUNT(DISTINCT CASE WHEN vote < 0 THEN user_id END)
               FROM feedback WHERE brand = ? GROUP BY tip""",
            (brand,),
        )
        return {str(tip): (int(up), int(down)) for tip, up, down in rows}


async def write_resolved(tx: Transaction, keys: list[str], by: int | None, action: str, detail: str) -> None:
    """Mark phrasings dealt with within ``tx`` (with the change they went into), and audit it."""
    now = time.time()
    for key in keys:
        await tx.execute(f"UPDATE {_PHRASING_TABLES[key[0]]} SET resolved_at = ? WHERE id = ?", (now, int(key[1:])))
    await write_audit(tx, by, action, None, detail)


# --- rows as written: one at a time above, or many in one transaction by the AnswerLog ---------


def answered_row(chat_id: int, message_id: int, question: str, brand: str, tip: str) -> tuple[object, ...]:
    return (chat_id, message_id, _clip(question), brand, tip, time.time())


def feedback_row(user_id: int, brand: str, tip: str, vote: int, question: str | None) -> tuple[object, ...]:
    return (user_id, brand, tip, 1 if vote > 0 else -1, _clip(question), time.time())


def unanswered_row(question: str, best_score: float, brand: str | None) -> tuple[object, ...]:
    text = _clip(question) or ""
    return (text, _grouping_key(text), best_score, brand, time.time())


async def write_answered(tx: Transaction, rows: list[tuple[object, ...]]) -> None:
    await tx.execute_many(
        """INSERT INTO answered (chat_id, message_id, question, brand, tip, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (chat_id, message_id) DO UPDATE
           SET question = excluded.question, brand = excluded.brand, tip = excluded.tip, created_at = excluded.created_at""",
        rows,
    )


async def write_feedback(tx: Transaction, rows: list[tuple[object, ...]]) -> None:
    await tx.execute_many(
        "INSERT INTO feedback (user_id, brand, tip, vote, question, created_at) VALUES (?, ?, ?, ?, ?, ?)", rows
    )


async def write_unanswered(tx: Transaction, rows: list[tuple[object, ...]]) -> None:
    await tx.execute_many(
        "INSERT INTO unanswered (question, normalized, best_score, brand, created_at) VALUES (?, ?, ?, ?, ?)", rows
    )


def _clip(text: str | None) -> str | None:
    return text[:MAX_QUESTION_CHARS] if text is not None else None


def _grouping_key(text: str) -> str:
    """How unanswered questions are grouped: normalised, punctuation and spaces dropped."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())
