"""Enforcement teams' use cases: list reports, open one, see its photos, move it on (the
shopper is told through the outbox, in the same transaction), rank repeat-offending sellers.

A team scoped to some brands sees only their reports; a report outside the scope is answered
exactly like one that does not exist. Lists, report and photo views and rankings are audited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..evidence import path_for
from ..reports import InvalidTransition, Photo, Status, check_transition, clean_text
from ..sellers import Seller, rank_sellers
from ..store import Store
from ..store.records import QueueRow, ReportRecord, StatusChange
from ..store.reports import QueueOrder, ReportFilter
from .access import Actor, Privilege, scoped
from .errors import UnknownBrand, UnknownReport

PAGE_SIZE = 8
BULK_LIMIT = 200  # reports moved by one bulk move at most


@dataclass(frozen=True, slots=True)
class ReportPage:
    reports: tuple[ReportRecord, ...]
    total: int
    page: int  # from 0
    pages: int
    status: Status | None
    brand_id: str | None


@dataclass(frozen=True, slots=True)
class Queue:
    """A page of the web console's queue."""

    rows: tuple[QueueRow, ...]
    total: int
    page: int  # from 0
    pages: int
    status_counts: Mapping[str, int]  # for the same filter, whatever the status


@dataclass(frozen=True, slots=True)
class ReportCase:
    """A report as its card shows it: every field, its history, its photos."""

    report: ReportRecord
    history: tuple[StatusChange, ...]
    photos: tuple[Photo, ...]


@dataclass(frozen=True, slots=True)
class EvidencePhoto:
    photo: Photo
    on_disk: Path | None  # the stored copy, for when Telegram no longer has the file


@dataclass(frozen=True, slots=True)
class BulkRefusal:
    """A report a bulk move left where it was: ``reason`` is the lifecycle's refusal, or None if not found."""

    asked: str  # its reference, or ``#id`` for a report the actor cannot see
    reason: InvalidTransition | None


@dataclass(frozen=True, slots=True)
class BulkMove:
    moved: tuple[ReportRecord, ...]
    refused: tuple[BulkRefusal, ...]


class EnforcementService:
    def __init__(self, store: Store, data_dir: Path, known_brand: Callable[[str], bool]):
        self._store = store
        self._data_dir = data_dir
        self._known_brand = known_brand

    async def page(self, actor: Actor, status: Status | None, brand_id: str | None, page: int) -> ReportPage:
        """One page of the reports the actor may see (of ``brand_id`` when given), newest first."""
        wanted = ReportFilter(frozenset({brand_id}) if brand_id else None, status)
        found = await self.queue(actor, wanted, QueueOrder.NEWEST, page, PAGE_SIZE)
        return ReportPage(tuple(row.report for row in found.rows), found.total, page, found.pages, status, brand_id)

    async def queue(self, actor: Actor, wanted: ReportFilter, order: QueueOrder, page: int, size: int) -> Queue:
        """One page of the reports ``wanted`` that the actor may see, with the count of each status.

        The counts cover the same filter, status aside, within the actor's scope: a scoped team
        never counts another brand's reports.
        """
        for brand in sorted(wanted.brands or ()):
            actor.require(Privilege.ENFORCE, brand)  # refused before telling whether the brand exists
            if not self._known_brand(brand):
                raise UnknownBrand(brand)
        scope = scoped(actor, wanted)
        counts = await self._store.reports.status_counts(dataclasses.replace(scope, status=None))
        total = counts.get(scope.status, 0) if scope.status else sum(counts.values())  # one scan fewer than counting again
        rows = await self._store.reports.queue_rows(scope, order, page * size, size)
        await self._store.roles.audit(actor.user_id, "list reports", ",".join(sorted(wanted.brands or ())) or None, wanted.status)
        return Queue(tuple(rows), total, page, -(-total // size), counts)

    async def case(self, actor: Actor, report_id: int) -> ReportCase:
        """A report with its history and photo records (audited as viewed)."""
        report = visible_report(actor, await self._store.reports.find_by_id(report_id), f"#{report_id}")
        case = await self._store.reports.case_file(report)
        await self._store.roles.audit(actor.user_id, "view report", report.reference, None)
        return ReportCase(report, case.history, case.photos)

    async def photo(self, actor: Actor, report_id: int, sha256: str) -> EvidencePhoto:
        """One of the report's evidence photos by its SHA-256 (audited); anything else is not found."""
        report = visible_report(actor, await self._store.reports.find_by_id(report_id), f"#{report_id}")
        photo = next((p for p in await self._store.reports.evidence(report.id) if p.sha256 == sha256), None)
        if photo is None:
            raise UnknownReport(f"#{report_id}/{sha256[:64]}")
        await self._store.roles.audit(actor.user_id, "view photo", report.reference, photo.sha256)
        return EvidencePhoto(photo, self._on_disk(photo))

    async def photos(self, actor: Actor, report_id: int) -> tuple[ReportRecord, list[EvidencePhoto]]:
        """The report's evidence photos (audited as viewed)."""
        report = visible_report(actor, await self._store.reports.find_by_id(report_id), f"#{report_id}")
        photos = await self._store.reports.evidence(report.id)
        await self._store.roles.audit(actor.user_id, "view evidence", report.reference, None)
        return report, [EvidencePhoto(p, self._on_disk(p)) for p in photos]

    async def check_move(self, actor: Actor, report_id: int, status: Status) -> ReportRecord:
        """The report, if the actor may move it to ``status`` now (raises InvalidTransition if not)."""
        report = visible_report(actor, await self._store.reports.find_by_id(report_id), f"#{report_id}")
        check_transition(report.status, status)
        return report

    async def change_status(self, actor: Actor, reference: str, status: Status, note: str | None) -> ReportRecord:
        """Move a report on; its history, the shopper's notification and the audit entry are one transaction.

        Raises FieldError for a note that is too long, InvalidTransition for a move the lifecycle refuses.
        """
        report = visible_report(actor, await self._store.reports.find(reference), reference)
        cleaned = clean_text(note, "note", required=False) if note else None
        return await self._store.reports.change_status(report.reference, status, actor.user_id, cleaned)

    async def sellers(self, actor: Actor, brand_id: str | None) -> list[Seller]:
        """Shops and live rooms by how many different shoppers reported them."""
        actor.require(Privilege.ENFORCE, brand_id)
        ranked = rank_sellers(
            await self._store.reports.seller_mentions(frozenset({brand_id}) if brand_id else actor.report_scope)
        )
        await self._store.roles.audit(actor.user_id, "list sellers", brand_id, None)
        return ranked

    async def move_many(self, actor: Actor, report_ids: Sequence[int], status: Status, note: str | None) -> BulkMove:
        """Move several reports to ``status`` with one note: one status change each (each shopper
        told, each audited); the reports the lifecycle refuses, or the actor cannot see, are listed back.

        Raises FieldError for a note that is too long (before anything moves), ValueError for too many reports.
        """
        actor.require(Privilege.ENFORCE)
        wanted = list(dict.fromkeys(report_ids))
        if len(wanted) > BULK_LIMIT:
            raise ValueError(f"at most {BULK_LIMIT} reports at once")
        cleaned = clean_text(note, "note", required=False) if note else None
        moved: list[ReportRecord] = []
        refused: list[BulkRefusal] = []
        for report_id in wanted:
            try:
                report = visible_report(actor, await self._store.reports.find_by_id(report_id), f"#{report_id}")
            except UnknownReport:
                refused.append(BulkRefusal(f"#{report_id}", None))
                continue
            try:
                moved.append(await self.change_status(actor, report.reference, status, cleaned))
            except InvalidTransition as refusal:
                refused.append(BulkRefusal(report.reference, refusal))
        return BulkMove(tuple(moved), tuple(refused))

    def _on_disk(self, photo: Photo) -> Path | None:
        path = path_for(self._data_dir, photo.sha256, photo.mime)
        return path if path.exists() else None


def visible_report(actor: Actor, report: ReportRecord | None, asked: str) -> ReportRecord:
    """The report if the actor may enforce and it is in their scope; else refused or not found.

    Out of scope is answered as not found, so a scoped team learns nothing of other brands' reports.
    """
    actor.require(Privilege.ENFORCE)
    if report is None or not actor.sees(report.brand):
        raise UnknownReport(asked)
    return report
