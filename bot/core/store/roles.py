"""Roles and the audit log: who may do what, and what privileged users did.

Other repositories write their audit entries with :func:`write_audit` inside their own
transaction, so an action and its audit entry are committed together or not at all.
"""

from __future__ import annotations

import time

from ..roles import Grant, Role
from .db import Database, Params, Transaction


class RoleRepository:
    def __init__(self, database: Database):
        self._db = database

    async def grants(self, user_id: int | None = None) -> list[Grant]:
        """Every grant, or one user's."""
        where, params = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = await self._db.fetch_all(f"SELECT user_id, role, brand FROM roles {where} ORDER BY user_id, role, brand", params)
        return [Grant(r["user_id"], Role(r["role"]), r["brand"] or None) for r in rows]

    async def grant(self, grant: Grant, by: int | None) -> bool:
        """True if the grant is new."""
        return await self._change(
            "grant",
            grant,
            by,
            "INSERT INTO roles (user_id, role, brand, granted_by, granted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (grant.user_id, grant.role.value, grant.brand or "", by, time.time()),
        )

    async def revoke(self, grant: Grant, by: int | None) -> bool:
        """True if there was such a grant."""
        return await self._change(
            "revoke",
            grant,
            by,
            "DELETE FROM roles WHERE user_id = ? AND role = ? AND brand = ?",
            (grant.user_id, grant.role.value, grant.brand or ""),
        )

    async def _change(self, action: str, grant: Grant, by: int | None, sql: str, params: Params) -> bool:
        """Run a grant or revoke; audited only when it changed something."""
        async with self._db.transaction() as tx:
            changed = (await tx.execute(sql, params)).rowcount > 0
            if changed:
                await write_audit(tx, by, action, str(grant.user_id), f"{grant.role.value} {grant.brand or '*'}")
        return changed

    async def audit(self, actor: int | None, action: str, target: str | None = None, detail: str | None = None) -> None:
        async with self._db.transaction() as tx:
            await write_audit(tx, actor, action, target, detail)


async def write_audit(tx: Transaction, actor: int | None, action: str, target: str | None, detail: str | None) -> None:
    """Add an audit entry within ``tx``."""
    await tx.execute(
        "INSERT INTO audit (actor, action, target, detail, at) VALUES (?, ?, ?, ?, ?)",
        (actor, action, target, detail, time.time()),
    )
