"""Roles and grants. Who may do what with them is :mod:`bot.core.services.access`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # edits the tip files of its brands
    ENFORCEMENT = "enforcement"  # reviews and exports reports: all brands, or only its brands


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: int
    role: Role
    brand: str | None  # None: every brand (admin, unscoped enforcement)


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
