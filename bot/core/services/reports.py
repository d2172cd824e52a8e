"""Shoppers' use cases around a report: may they report now, keep an evidence photo, submit,
see their reports. The hourly limit is the reports repository's, checked when the shopper
starts and again, atomically, when the report is written."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ..evidence import store_evidence
from ..reports import Draft, Photo, missing_fields
from ..store import Store
from ..store.conversations import ConversationEnd
from ..store.records import ReportRecord, Submitted


class IncompleteReport(ValueError):
    """A draft without every required answer (one restored from storage is checked again)."""

    def __init__(self, fields: list[str]):
        super().__init__("missing: " + ", ".join(fields))
        self.fields = fields


class ReportService:
    def __init__(self, store: Store, data_dir: Path):
        self._store = store
        self._data_dir = data_dir

    async def check_limit(self, user_id: int) -> None:
        """Raise TooManyReports if the shopper may not start another report yet."""
        await self._store.reports.check_hourly_limit(user_id)

    async def keep_photo(self, data: bytes, mime: str, file_id: str, file_unique_id: str) -> Photo:
        """Store an evidence photo under its SHA-256 now (Telegram may not keep it) and describe it."""
        digest = await asyncio.to_thread(store_evidence, self._data_dir, data, mime)
        return Photo(digest, file_id, file_unique_id, len(data), mime)

    async def submit(self, user_id: int, chat_id: int, draft: Draft, ending: ConversationEnd | None = None) -> Submitted:
        """The report's reference, once it is committed together with ``ending`` and its announcement
        in the outbox (raises TooManyReports, IncompleteReport)."""
        missing = missing_fields(draft)
        if missing:
            raise IncompleteReport(missing)
        return await self._store.reports.submit(user_id, chat_id, draft, ending)

    async def submitted_under(self, submission_key: str) -> str | None:
        """The reference of the report a draft with this key became, or None if it was not submitted."""
        return await self._store.reports.submitted_under(submission_key)

    async def mine(self, user_id: int) -> list[ReportRecord]:
        return await self._store.reports.of_user(user_id)
