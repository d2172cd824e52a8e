"""Exporting reports (CSV for spreadsheets, JSONL for systems), within the actor's brand scope;
audited before the first row is written. The rows are streamed by :mod:`bot.core.exports`."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..exports import export, export_chunks
from ..store import Store
from ..store.reports import ReportFilter
from ..store.url import DatabaseURL
from .access import Actor, scoped

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")


@dataclass(frozen=True, slots=True)
class ExportSummary:
    count: int
    files: Mapping[Format, Path]
    scope: ReportFilter  # what was exported, brand scope applied


class ExportService:
    def __init__(self, store: Store, database: DatabaseURL):
        self._store = store
        self._database = database

    async def export(self, actor: Actor, wanted: ReportFilter, files: Mapping[Format, Path]) -> ExportSummary:
        """Write the reports ``wanted`` (brands None: all the actor may see) to each file, in its format."""
        scope = await self._audited_scope(actor, wanted, "+".join(files))
        counts = [await asyncio.to_thread(export, self._database, scope, fmt, path) for fmt, path in files.items()]
        return ExportSummary(counts[0] if counts else 0, files, scope)

    async def stream(self, actor: Actor, wanted: ReportFilter, fmt: Format) -> Iterator[str]:
        """The export as text, piece by piece, for a download that starts before the last row is read.

        The iterator reads the database as it is consumed (run it in a worker thread).
        """
        scope = await self._audited_scope(actor, wanted, fmt)
        return export_chunks(self._database, scope, fmt)

    async def _audited_scope(self, actor: Actor, wanted: ReportFilter, formats: str) -> ReportFilter:
        """``wanted`` within the actor's scope, audited before the first row is read."""
        scope = scoped(actor, wanted)
        await self._store.roles.audit(
            actor.user_id, "export", ",".join(sorted(wanted.brands or ())) or None, f"{formats} {describe(scope)}"
        )
        return scope


def describe(where: ReportFilter) -> str:
    """The filter as the audit log keeps it: ``brands=['moutai'] status=closed``."""
    fields = dataclasses.asdict(where)
    fields["brands"] = sorted(where.brands) if where.brands is not None else "all"
    return " ".join(f"{k}={v}" for k, v in fields.items() if v)
