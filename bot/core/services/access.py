"""Who may do what: the one permission check every use case makes.

An :class:`Actor` is a person's roles at the moment they act (looked up for every privileged
action, never cached). A use case calls :meth:`Actor.require` before a privileged action and
gets :class:`Forbidden` if the actor may not; front doors turn that into the polite refusal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from ..roles import Grant, Role
from ..store import Store
from ..store.reports import ReportFilter


class Privilege(StrEnum):
    USE_CONSOLE = "use the console"  # anyone with a role
    MANAGE_ROLES = "manage roles"  # admins
    ADD_BRAND = "add a brand"  # admins
    EDIT_GUIDE = "edit a guide"  # the brand's staff, admins
    ENFORCE = "enforce"  # enforcement teams (all brands, or their brands), admins


class Forbidden(Exception):
    """The actor may not do this; nothing was done."""

    def __init__(self, privilege: Privilege, brand: str | None = None):
        super().__init__(f"not allowed to {privilege}" + (f" for {brand}" if brand else ""))
        self.privilege, self.brand = privilege, brand


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting: their user id and roles (an admin named in the config file has no grant row)."""

    user_id: int | None  # None: the operator at the server's command line
    grants: tuple[Grant, ...] = ()
    configured_admin: bool = False

    @classmethod
    def operator(cls) -> Actor:
        """Whoever runs ``authbot`` on the server: they hold the database, so they act as admin."""
        return cls(None, configured_admin=True)

    @property
    def is_admin(self) -> bool:
        return self.configured_admin or any(g.role is Role.ADMIN for g in self.grants)

    @property
    def has_role(self) -> bool:
        """Whether the person holds any role at all (who may use the web console)."""
        return self.configured_admin or bool(self.grants)

    @property
    def report_scope(self) -> frozenset[str] | None:
        """Brands whose reports the actor may see: None means all; empty means none."""
        if self.is_admin or any(g.role is Role.ENFORCEMENT and g.brand is None for g in self.grants):
            return None
        return frozenset(g.brand for g in self.grants if g.role is Role.ENFORCEMENT and g.brand)

    def sees(self, report_brand: str | None) -> bool:
        """Whether a report about ``report_brand`` (None: a non-partner brand) is in the actor's scope."""
        scope = self.report_scope
        return scope is None or (report_brand is not None and report_brand in scope)

    def may(self, privilege: Privilege, brand: str | None = None) -> bool:
        """Whether the actor may use ``privilege`` for ``brand`` (None: for some brand at least)."""
        if self.is_admin:
            return True
        if privilege is Privilege.USE_CONSOLE:
            return self.has_role
        if privilege is Privilege.EDIT_GUIDE:
            return any(g.role is Role.STAFF and (brand is None or g.brand == brand) for g in self.grants)
        if privilege is Privilege.ENFORCE:
            scope = self.report_scope
            return scope is None or (brand in scope if brand is not None else bool(scope))
        return False

    def require(self, privilege: Privilege, brand: str | None = None) -> None:
        """Raise :class:`Forbidden` unless the actor may use ``privilege`` for ``brand``."""
        if not self.may(privilege, brand):
            raise Forbidden(privilege, brand)


def scoped(actor: Actor, wanted: ReportFilter) -> ReportFilter:
    """``wanted`` narrowed to the reports the actor may see (brands None: all of those).

    Raises Forbidden if the actor may not enforce, or asks for a brand outside their scope.
    """
    for brand in sorted(wanted.brands or ()):
        actor.require(Privilege.ENFORCE, brand)
    actor.require(Privilege.ENFORCE)
    return wanted if wanted.brands is not None else dataclasses.replace(wanted, brands=actor.report_scope)


async def actor_of(store: Store, user_id: int, admin_ids: frozenset[int]) -> Actor:
    """The user's roles as they are right now."""
    return Actor(user_id, tuple(await store.roles.grants(user_id)), user_id in admin_ids)
