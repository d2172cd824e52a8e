"""Evidence packs for a platform complaint or the police: the report, its history and photos
with a SHA-256 manifest, as a zip (built by :mod:`bot.core.evidence`); audited."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from ..evidence import build_pack
from ..store import Store
from ..store.records import CaseFile
from .access import Actor
from .enforcement import visible_report


@dataclass(frozen=True, slots=True)
class EvidencePack:
    reference: str
    path: Path
    missing_photos: tuple[str, ...]  # SHA-256 of photos no longer on disk


class EvidenceService:
    def __init__(self, store: Store, data_dir: Path):
        self._store = store
        self._data_dir = data_dir

    async def pack(self, actor: Actor, reference: str, out: Path) -> EvidencePack:
        """Write the pack to ``out``, or as ``<REFERENCE>-evidence.zip`` into ``out`` if it is a directory.

        Raises UnknownReport for a report that does not exist or that the actor may not see.
        """
        report = visible_report(actor, await self._store.reports.find(reference), reference)
        case = await self._store.reports.case_file(report)
        await self._store.roles.audit(actor.user_id, "evidence pack", report.reference, None)
        return await asyncio.to_thread(self._write, case, out)

    def _write(self, case: CaseFile, out: Path) -> EvidencePack:
        path = out / f"{case.report.reference}-evidence.zip" if out.is_dir() else out
        missing = build_pack(self._data_dir, case, path)
        return EvidencePack(case.report.reference, path, tuple(missing))
