"""Every version of every brand's tip file installed through the bot, kept for history and rollback."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable

from .db import Database, Row, Transaction
from .records import GuideVersion
from .roles import write_audit


class GuideRepository:
    def __init__(self, database: Database):
        self._db = database

    async def add_version(
        self,
        brand: str,
        content: bytes,
        by: int | None,
        note: str | None = None,
        *,
        before_commit: Callable[[Transaction], Awaitable[None]] | None = None,
    ) -> int:
        """Keep a version of a brand's tip file (audited); returns its number (1, 2, …).

        ``before_commit`` runs last inside the same transaction (publishing installs the file
        there, and marks the phrasing it added as dealt with): if it raises, no version is kept.
        """
        async with self._db.transaction() as tx:
            await tx.lock(f"guide-versions:{brand}")  # two uploads at once get versions n and n + 1
            version = await tx.scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM guide_versions WHERE brand = ?", (brand,))
            await tx.execute(
                "INSERT INTO guide_versions (brand, version, sha256, content, installed_by, installed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (brand, version, hashlib.sha256(content).hexdigest(), content, by, time.time(), note),
            )
            await write_audit(tx, by, "guide", brand, f"v{version} {note or ''}".strip())
            if before_commit is not None:
                await before_commit(tx)
        return version

    async def versions(self, brand: str) -> list[GuideVersion]:
        """The brand's versions, newest first."""
        rows = await self._db.fetch_all(
            """SELECT version, sha256, installed_by, installed_at, note, length(content) AS size
               FROM guide_versions WHERE brand = ? ORDER BY version DESC""",
            (brand,),
        )
        return [_guide_version(r) for r in rows]

    async def content(self, brand: str, version: int) -> bytes | None:
        """The file as it was installed, or None if there is no such version."""
        row = await self._db.fetch_one("SELECT content FROM guide_versions WHERE brand = ? AND version = ?", (brand, version))
        return bytes(row["content"]) if row is not None else None


def _guide_version(row: Row) -> GuideVersion:
    return GuideVersion(row["version"], row["sha256"], row["installed_by"], row["installed_at"], row["note"], row["size"])
