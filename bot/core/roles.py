"""Who may do what. Checked at the moment a privileged action runs, never cached."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"              # edits the tip files of its brands
    ENFORCEMENT = "enforcement"  # reviews and exports reports: all brands, or only its brands


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: int
    role: Role
    brand: str | None  # None: every brand (admin, unscoped enforcement)


@dataclass(frozen=True)
class Permissions:
    """One user's grants, plus whether the config file names them an admin."""

    user_id: int
    grants: tuple[Grant, ...]
    configured_admin: bool = False

    @property
    def is_admin(self) -> bool:
        return self.configured_admin or any(g.role is Role.ADMIN for g in self.grants)

    def can_edit(self, brand: str) -> bool:
        """Upload, roll back and teach the guide of ``brand``."""
        return self.is_admin or any(g.role is Role.STAFF and g.brand == brand for g in self.grants)

    @property
    def is_staff(self) -> bool:
        return self.is_admin or any(g.role is Role.STAFF for g in self.grants)

    @property
    def enforcement_brands(self) -> frozenset[str] | None:
        """Brands whose reports the user may see: None means all; empty means none."""
        if self.is_admin or any(g.role is Role.ENFORCEMENT and g.brand is None for g in self.grants):
            return None
        return frozenset(g.brand for g in self.grants if g.role is Role.ENFORCEMENT and g.brand)

    @property
    def is_enforcement(self) -> bool:
        brands = self.enforcement_brands
        return brands is None or bool(brands)

    def can_enforce(self, brand: str | None) -> bool:
        """See, change and export reports of ``brand`` (None: a report about a non-partner brand)."""
        brands = self.enforcement_brands
        return brands is None or (brand is not None and brand in brands)


def parse_grant(user_id: int, role: str, brand: str | None) -> Grant:
    """A grant as typed by an admin; staff always needs a brand, admin never has one."""
    try:
        parsed = Role(role.lower())
    except ValueError:
        raise ValueError(f"unknown role {role!r} (admin, staff, enforcement)") from None
    if parsed is Role.STAFF and not brand:
        raise ValueError("staff needs a brand: staff BRAND")
    if parsed is Role.ADMIN and brand:
        raise ValueError("admin is for every brand; give no brand")
    return Grant(user_id, parsed, brand or None)
