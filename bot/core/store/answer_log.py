"""What shoppers asked and how the answers landed, written off the reply path.

Answering a question must not wait for a commit (on PostgreSQL a network round trip, on SQLite
an fsync). The :class:`AnswerLog` queues each answer, vote and unanswered question in memory and
a flush task commits them together: one transaction a second, or sooner when :data:`BATCH` are
waiting. A crash loses at most the last second of this log (never a report: reports are
committed before their reference is sent). A vote on an answer still waiting in the queue finds
its question there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from .answers import (
    answered_row,
    feedback_row,
    unanswered_row,
    write_answered,
    write_feedback,
    write_unanswered,
)
from .db import Database

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # at most this much of the log is lost on a crash
BATCH = 500  # entries that make the flush task commit before the second is up
MAX_HELD = 50_000  # entries kept while the database refuses them; the oldest go first

Row = tuple[object, ...]


@dataclass
class _Batch:
    answered: list[Row] = field(default_factory=list)
    feedback: list[Row] = field(default_factory=list)
    unanswered: list[Row] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.answered) + len(self.feedback) + len(self.unanswered)


class AnswerLog:
    """Answers, feedback and unanswered questions, committed in batches by a background task."""

    def __init__(self, database: Database, interval: float = FLUSH_SECONDS):
        self._db = database
        self._interval = interval
        self._batch = _Batch()
        self._questions: dict[tuple[object, object], str] = {}  # answers not yet committed: (chat, message) -> question
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()

    # --- the reply path: no await, no I/O ---------------------------------------------------------

    def answer(self, chat_id: int, message_id: int, question: str, brand: str, tip: str) -> None:
        """Remember which question the answer ``message_id`` answered, for feedback on it later."""
        row = answered_row(chat_id, message_id, question, brand, tip)
        self._questions[(chat_id, message_id)] = str(row[2])
        self._add(self._batch.answered, row)

    def feedback(self, user_id: int, brand: str, tip: str, vote: int, question: str | None = None) -> None:
        self._add(self._batch.feedback, feedback_row(user_id, brand, tip, vote, question))

    def unanswered(self, question: str, best_score: float, brand: str | None = None) -> None:
        """Keep the text, the time and how close the best tip came; never who asked."""
        self._add(self._batch.unanswered, unanswered_row(question, best_score, brand))

    async def answered_question(self, chat_id: int, message_id: int) -> str | None:
        """The question an answer answered: from the queue if it is not committed yet."""
        pending = self._questions.get((chat_id, message_id))
        if pending is not None:
            return pending
        row = await self._db.fetch_one(
            "SELECT question FROM answered WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return str(row["question"]) if row is not None else None

    def _add(self, rows: list[Row], row: Row) -> None:
        rows.append(row)
        self.start()
        if len(self._batch) >= BATCH:
            self._full.set()

    # --- the flush task -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the flush task (in the running event loop) unless it runs already."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="authbot:answer-log")

    @property
    def pending(self) -> int:
        """Entries not committed yet."""
        return len(self._batch)

    async def flush(self) -> None:
        """Commit everything queued so far, in one transaction."""
        async with self._flushing:
            batch, self._batch = self._batch, _Batch()
            if not batch:
                return
            try:
                async with self._db.transaction() as tx:
                    if batch.answered:
                        await write_answered(tx, batch.answered)
                    if batch.feedback:
                        await write_feedback(tx, batch.feedback)
                    if batch.unanswered:
                        await write_unanswered(tx, batch.unanswered)
            except Exception:
                self._hold(batch)
                raise
            for row in batch.answered:
                if self._questions.get(key := (row[0], row[1])) == row[2]:
                    del self._questions[key]

    def _hold(self, failed: _Batch) -> None:
        """Put a batch the database refused back in front of the queue, for the next flush."""
        self._batch = _Batch(
            failed.answered + self._batch.answered,
            failed.feedback + self._batch.feedback,
            failed.unanswered + self._batch.unanswered,
        )
        for rows in (self._batch.answered, self._batch.feedback, self._batch.unanswered):
            if len(rows) > MAX_HELD:
                log.warning("answer log: the database refuses writes; dropping the %d oldest entries", len(rows) - MAX_HELD)
                del rows[: len(rows) - MAX_HELD]

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._interval)
            self._full.clear()
            try:
                await self.flush()
            except Exception as exc:  # kept for the next flush; the bot answers on regardless
                log.warning("answer log: could not write %d entries, retrying: %s", self.pending, exc)

    async def close(self) -> None:
        """Stop the flush task and commit what is left (at shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
