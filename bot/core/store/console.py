"""The web console's sign-in links and sessions.

Only the SHA-256 of each secret is stored: the link's token and the session cookie are random
(256 bits), so a hash is enough to find them and a leaked database or backup signs nobody in.
A link is redeemed by one conditional UPDATE, so two requests racing with the same link cannot
both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .db import Database
from .roles import write_audit


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    user_id: int
    csrf_token: str
    expires_at: float


class ConsoleRepository:
    def __init__(self, database: Database):
        self._db = database

    async def add_link(self, token_sha256: str, user_id: int, now: float, expires_at: float) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO console_links (token_sha256, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (token_sha256, user_id, now, expires_at),
            )
            await write_audit(tx, user_id, "console link", None, None)

    async def redeem_link(self, token_sha256: str, now: float, session: tuple[str, str, float]) -> int | None:
        """Use the link once and start a session ``(token_sha256, csrf_token, expires_at)``; the user, or None.

        None for a link that does not exist, was used already, or has expired.
        """
        session_sha256, csrf_token, expires_at = session
        async with self._db.transaction() as tx:
            used = await tx.execute(
                "UPDATE console_links SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL AND expires_at > ?",
                (now, token_sha256, now),
            )
            if used.rowcount != 1:
                return None
            user_id = await tx.scalar("SELECT user_id FROM console_links WHERE token_sha256 = ?", (token_sha256,))
            await tx.execute(
                "INSERT INTO console_sessions (token_sha256, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (session_sha256, user_id, csrf_token, now, expires_at),
            )
            await write_audit(tx, user_id, "console sign-in", None, None)
        return user_id

    async def session(self, token_sha256: str, now: float) -> ConsoleSession | None:
        """The live session with this cookie (not ended, not expired)."""
        row = await self._db.fetch_one(
            "SELECT user_id, csrf_token, expires_at FROM console_sessions WHERE token_sha256 = ? AND ended_at IS NULL AND expires_at > ?",
            (token_sha256, now),
        )
        return ConsoleSession(row["user_id"], row["csrf_token"], row["expires_at"]) if row is not None else None

    async def end_session(self, token_sha256: str, now: float, why: str) -> None:
        async with self._db.transaction() as tx:
            ended = await tx.execute(
                "UPDATE console_sessions SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL", (now, token_sha256)
            )
            if ended.rowcount:
                user_id = await tx.scalar("SELECT user_id FROM console_sessions WHERE token_sha256 = ?", (token_sha256,))
                await write_audit(tx, user_id, "console sign-out", None, why)
