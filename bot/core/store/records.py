"""What the repositories return: frozen, typed records rather than database rows.

Callers read attributes, never column names, so a query can change (or move to another
engine) without touching a handler, and a typo is caught by the type checker, not in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..reports import Photo


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A stored report as enforcement and the shopper see it."""

    id: int
    reference: str
    user_id: int
    chat_id: int
    lang: str
    brand: str | None
    brand_other: str | None
    product: str
    platform: str
    shop: str
    link: str | None
    share_code: str | None
    order_number: str | None
    price_cents: int | None
    purchase_date: str | None
    problem: str
    failed_tip: str | None
    official_check: str
    consent: bool
    status: str
    duplicates: int
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A report as the web console's queue lists it."""

    report: ReportRecord
    photos: int
    last_change: float  # when its status last changed (or it was reported)


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to a shopper pressing Submit: their reference, and whether it was a repeat."""

    reference: str
    duplicate: bool
    again: bool = False  # the same draft submitted before (its submission key found): nothing new stored


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step in a report's status history (the first: ``None`` → submitted, by the shopper)."""

    id: int
    report_id: int
    from_status: str | None
    to_status: str
    changed_by: int | None
    note: str | None
    changed_at: float


@dataclass(frozen=True, slots=True)
class CaseFile:
    """Everything an evidence pack holds about one report."""

    report: ReportRecord
    history: tuple[StatusChange, ...]
    photos: tuple[Photo, ...]


@dataclass(frozen=True, slots=True)
class SellerMention:
    """One report's seller, as the shopper wrote it: what repeat-offender ranking counts."""

    shop: str
    platform: str
    user_id: int
    brand: str | None


@dataclass(frozen=True, slots=True)
class Notification:
    """A status change still to be sent to the shopper who reported."""

    id: int
    reference: str
    chat_id: int
    lang: str
    product: str
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(frozen=True, slots=True)
class GuideVersion:
    """One installed version of a brand's tip file (its content is fetched separately)."""

    version: int
    sha256: str
    installed_by: int | None
    installed_at: float
    note: str | None
    size: int


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """Questions no tip answered, grouped by wording."""

    question: str
    count: int
    best_score: float
    last_asked: float
    brand: str | None


@dataclass(frozen=True, slots=True)
class Phrasing:
    """A shopper's wording the guide missed, not yet dealt with by staff."""

    key: str  # 'u<id>' an unanswered question, 'f<id>' a question that got 👎
    question: str
