"""Admins' use cases: grant and revoke roles, list them. Each change is audited with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..roles import Grant, parse_grant
from ..store import Store
from .access import Actor, Privilege
from .errors import UnknownBrand


@dataclass(frozen=True, slots=True)
class RoleChange:
    grant: Grant
    changed: bool  # False: there was nothing to do (already granted, or not granted)


@dataclass(frozen=True, slots=True)
class RoleList:
    grants: tuple[Grant, ...]
    configured_admins: frozenset[int]  # admins named in the config file, who have no grant row


class RoleService:
    def __init__(self, store: Store, known_brand: Callable[[str], bool], admin_ids: frozenset[int]):
        self._store = store
        self._known_brand = known_brand
        self._admin_ids = admin_ids

    async def grant(self, actor: Actor, user_id: int, role: str, brand: str | None) -> RoleChange:
        """Raises ValueError for a grant that makes no sense (staff without a brand…)."""
        wanted = self._wanted(actor, user_id, role, brand)
        return RoleChange(wanted, await self._store.roles.grant(wanted, actor.user_id))

    async def revoke(self, actor: Actor, user_id: int, role: str, brand: str | None) -> RoleChange:
        wanted = self._wanted(actor, user_id, role, brand)
        return RoleChange(wanted, await self._store.roles.revoke(wanted, actor.user_id))

    async def all(self, actor: Actor) -> RoleList:
        actor.require(Privilege.MANAGE_ROLES)
        return RoleList(tuple(await self._store.roles.grants()), self._admin_ids)

    def _wanted(self, actor: Actor, user_id: int, role: str, brand: str | None) -> Grant:
        actor.require(Privilege.MANAGE_ROLES)
        wanted = parse_grant(user_id, role, brand.lower() if brand else None)
        if wanted.brand and not self._known_brand(wanted.brand):
            raise UnknownBrand(wanted.brand)
        return wanted
