"""The notification outbox: status changes waiting to reach the shopper who reported.

A row is written in the same transaction as the status change it announces (see
:meth:`ReportRepository.change_status`), so a change is never lost between the database and
Telegram; delivery reads pending rows and marks each attempt (at least once, at most 10 tries).
"""

from __future__ import annotations

import time

from .db import Database
from .records import Notification

MAX_ATTEMPTS = 10


class OutboxRepository:
    def __init__(self, database: Database):
        self._db = database

    async def pending(self, limit: int = 50) -> list[Notification]:
        """Unsent notifications, oldest first, leaving out those that failed too often."""
        rows = await self._db.fetch_all(
            """SELECT n.id, r.reference, r.chat_id, r.lang, r.product, h.from_status, h.to_status, h.note
               FROM notifications n JOIN reports r ON r.id = n.report_id JOIN status_history h ON h.id = n.history_id
               WHERE n.sent_at IS NULL AND n.attempts < ? ORDER BY n.id LIMIT ?""",
            (MAX_ATTEMPTS, limit),
        )
        return [Notification(*r) for r in rows]

    async def mark_sent(self, notification_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE notifications SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", (time.time(), notification_id)
            )

    async def mark_failed(self, notification_id: int) -> None:
        """Count a failed attempt; the notification is tried again until MAX_ATTEMPTS."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE notifications SET attempts = attempts + 1 WHERE id = ?", (notification_id,))
