"""Suspected-counterfeit reports with their evidence records and status history.

Reports are written through the group commit, a batch at a time (one fsync and a statement per
table for many shoppers pressing Submit at once), under the ``reports`` lock: their duplicate
check, the hourly limit and their numbers then see every report committed before them, on
PostgreSQL too, whichever process wrote them, and each one the batch's reports before it. A
status change writes the history entry, the outbox row that tells the shopper and the
audit entry in one transaction. The hourly report limit and a team's brand scope are decided
here, and only here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from operator import attrgetter

from ..reports import LIMITS, REPORTS_PER_HOUR, Draft, Photo, Status, check_transition, reference
from .conversations import ConversationEnd, ending_writes
from .db import Database, Reader, Reads, Row, Transaction, Write
from .records import CaseFile, QueueRow, ReportRecord, SellerMention, StatusChange, Submitted
from .roles import write_audit

HOUR = 3600.0
_WEEK = 7 * 86400

# The draft's fields stored as they are (sqlite3 stores a bool as 0 or 1), named as the columns.
_DRAFT_COLUMNS = (
    "lang",
    "brand",
    "brand_other",
    "product",
    "platform",
    "shop",
    "link",
    "share_code",
    "order_number",
    "price_cents",
    "purchase_date",
    "problem",
    "failed_tip",
    "official_check",
    "consent",
)
_RECORD_COLUMNS = tuple(f.name for f in fields(ReportRecord))


class TooManyReports(Exception):
    """The shopper reached the hourly report limit."""

    def __init__(self, limit: int = REPORTS_PER_HOUR):
        super().__init__(f"at most {limit} reports an hour")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Which reports a list, a seller ranking or an export covers."""

    brands: frozenset[str] | None = None  # None: every brand (including non-partner ones)
    status: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    platform: str | None = None
    text: str | None = None  # found in the product, the shop or the shopper's description (any case)
    shops: frozenset[str] | None = None  # the shop written exactly one of these ways (spaces around aside)


class QueueOrder(StrEnum):
    """How the web console's queue is sorted."""

    NEWEST = "newest"
    OLDEST = "oldest"
    LAST_CHANGE = "last_change"  # the report whose status changed most recently first


_QUEUE_ORDER_SQL = {
    QueueOrder.NEWEST: "r.id DESC",
    QueueOrder.OLDEST: "r.id ASC",
    QueueOrder.LAST_CHANGE: "r.status_changed_at DESC, r.id DESC",
}


def filter_sql(where: ReportFilter) -> tuple[str, list[object]]:
    """The ``WHERE`` clause (empty if nothing is filtered) and its parameters, for ``reports r``.

    The one place a team's brand scope becomes SQL: an empty scope matches nothing.
    """
    clauses: list[str] = []
    params: list[object] = []
    if where.brands is not None:
        clauses.append(f"r.brand IN ({', '.join('?' for _ in where.brands)})" if where.brands else "1 = 0")
        params += sorted(where.brands)
    if where.status:
        clauses.append("r.status = ?")
        params.append(Status(where.status).value)
    if where.since:
        clauses.append("r.created_at >= ?")
        params.append(_epoch(where.since))
    if where.until:
        clauses.append("r.created_at < ?")
        params.append(_epoch(where.until + dt.timedelta(days=1)))
    if where.platform:
        clauses.append("r.platform = ?")
        params.append(where.platform)
    if where.text:
        clauses.append("(" + " OR ".join(f"LOWER(r.{c}) LIKE ? ESCAPE '\\'" for c in _SEARCHED) + ")")
        params += [_like_pattern(where.text)] * len(_SEARCHED)
    if where.shops is not None:
        clauses.append(f"TRIM(r.shop) IN ({', '.join('?' for _ in where.shops)})" if where.shops else "1 = 0")
        params += sorted(where.shops)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def export_rows(reader: Reader, where: ReportFilter) -> Iterator[Row]:
    """Matching reports, oldest first, as raw rows streamed from ``reader``; each row's
    ``evidence`` is the SHA-256 of every photo, joined by spaces.

    Raw on purpose: building a typed record for each one made exporting 200,000 reports 15-35% slower.
    """
    clause, params = filter_sql(where)
    evidence = reader.dialect.join_strings("sha256", " ", order_by="e.id")
    return reader.rows(
        f"SELECT r.*, (SELECT {evidence} FROM evidence e WHERE e.report_id = r.id) AS evidence FROM reports r{clause} ORDER BY r.id",
        params,
    )


_SEARCHED = ("product", "shop", "problem")


def _like_pattern(text: str) -> str:
    """``%text%`` for LIKE, lower-cased, with LIKE's own wildcards in ``text`` taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ReportRepository:
    def __init__(self, database: Database):
        self._db = database

    # --- shoppers ------------------------------------------------------------------------------

    async def check_hourly_limit(self, user_id: int) -> None:
        """Raise :class:`TooManyReports` if the shopper may not report again yet."""
        await _check_hourly_limit(self._db, user_id, time.time())

    async def submit(self, user_id: int, chat_id: int, draft: Draft, ending: ConversationEnd | None = None) -> Submitted:
        """Store a finished report and return its reference once it is committed.

        With ``ending`` (a conversation that promised the shopper a reference), in the same
        transaction: the conversation and its draft end, and the report's announcement is queued
        in the outbox (sent at least once, even if the process dies before it replies). The same draft submitted again (its ``submission_key`` is stored) returns the
        same reference and stores nothing. The same shopper reporting the same order again is a
        duplicate: the first report is flagged (its duplicate count grows) and its reference is
        returned; nothing is stored twice.
        """
        return await self._db.group_commit(_write_reports, _Submission(user_id, chat_id, draft, ending))

    async def submitted_under(self, submission_key: str) -> str | None:
        """The reference of the report a draft was submitted as, if it was."""
        row = await self._db.fetch_one("SELECT reference FROM reports WHERE submission_key = ?", (submission_key,))
        return str(row["reference"]) if row is not None else None

    async def of_user(self, user_id: int, limit: int = 20) -> list[ReportRecord]:
        """The shopper's reports, newest first."""
        rows = await self._db.fetch_all("SELECT * FROM reports WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit))
        return [_report(r) for r in rows]

    # --- enforcement ---------------------------------------------------------------------------

    async def find(self, ref: str) -> ReportRecord | None:
        """The report with reference ``ref`` (as a shopper may type it: case and spaces ignored)."""
        row = await self._db.fetch_one("SELECT * FROM reports WHERE reference = ?", (_normal_reference(ref),))
        return _report(row) if row is not None else None

    async def find_by_id(self, report_id: int) -> ReportRecord | None:
        if not 0 < report_id < 2**63:  # no such report, and a 64-bit database integer could not even hold it
            return None
        row = await self._db.fetch_one("SELECT * FROM reports WHERE id = ?", (report_id,))
        return _report(row) if row is not None else None

    async def queue(self, where: ReportFilter, order: QueueOrder, offset: int, limit: int) -> tuple[list[QueueRow], int]:
        """One page of the web console's queue: each report with its photo count and last status change."""
        clause, params = filter_sql(where)
        total = await self._db.scalar(f"SELECT COUNT(*) FROM reports r{clause}", params)
        return await self.queue_rows(where, order, offset, limit), total

    async def queue_rows(self, where: ReportFilter, order: QueueOrder, offset: int, limit: int) -> list[QueueRow]:
        """The page of :meth:`queue` without counting every match (when the caller knows how many there are)."""
        clause, params = filter_sql(where)
        rows = await self._db.fetch_all(
            f"""SELECT r.*, (SELECT COUNT(*) FROM evidence e WHERE e.report_id = r.id) AS photo_count,
                       r.status_changed_at AS last_change
                FROM reports r{clause} ORDER BY {_QUEUE_ORDER_SQL[order]} LIMIT ? OFFSET ?""",
            [*params, limit, offset],
        )
        return [QueueRow(_report(r), r["photo_count"], r["last_change"] or r["created_at"]) for r in rows]

    async def status_counts(self, where: ReportFilter) -> dict[str, int]:
        """How many matching reports are in each status (statuses with none are left out)."""
        clause, params = filter_sql(where)
        rows = await self._db.fetch_all(f"SELECT r.status, COUNT(*) FROM reports r{clause} GROUP BY r.status", params)
        return {str(status): int(count) for status, count in rows}

    async def evidence(self, report_id: int) -> list[Photo]:
        rows = await self._db.fetch_all(
            "SELECT sha256, file_id, file_unique_id, size, mime FROM evidence WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [Photo(*r) for r in rows]

    async def history(self, report_id: int) -> list[StatusChange]:
        rows = await self._db.fetch_all(
            """SELECT id, report_id, from_status, to_status, changed_by, note, changed_at
               FROM status_history WHERE report_id = ? ORDER BY id""",
            (report_id,),
        )
        return [StatusChange(*r) for r in rows]

    async def case_file(self, report: ReportRecord) -> CaseFile:
        """The report with its status history and photo records, for an evidence pack."""
        return CaseFile(report, tuple(await self.history(report.id)), tuple(await self.evidence(report.id)))

    async def seller_mentions(self, brands: frozenset[str] | None) -> list[SellerMention]:
        """The seller of every report about ``brands`` (None: every report)."""
        clause, params = filter_sql(ReportFilter(brands=brands))
        rows = await self._db.fetch_all(f"SELECT r.shop, r.platform, r.user_id, r.brand FROM reports r{clause}", params)
        return [SellerMention(*r) for r in rows]

    async def change_status(self, ref: str, wanted: str, changed_by: int | None, note: str | None = None) -> ReportRecord:
        """Move a report on (refused if the lifecycle does not allow it); the shopper is queued a message."""
        now = time.time()
        async with self._db.transaction() as tx:
            row = await tx.fetch_one("SELECT id, reference, status FROM reports WHERE reference = ?", (_normal_reference(ref),))
            if row is None:
                raise LookupError(f"no report {ref}")
            new = check_transition(row["status"], wanted)
            await tx.execute(
                "UPDATE reports SET status = ?, updated_at = ?, status_changed_at = ?, first_moved_at = COALESCE(first_moved_at, ?) WHERE id = ?",
                (new.value, now, now, now, row["id"]),
            )
            change_id = await tx.insert(
                "INSERT INTO status_history (report_id, from_status, to_status, changed_by, note, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (row["id"], row["status"], new.value, changed_by, _clip_note(note), now),
            )
            await tx.execute(
                "INSERT INTO notifications (report_id, history_id, created_at) VALUES (?, ?, ?)", (row["id"], change_id, now)
            )
            await write_audit(tx, changed_by, "status", row["reference"], f"{row['status']} -> {new.value}")
        updated = await self.find(ref)
        assert updated is not None
        return updated

    # --- the dashboard's aggregates (portable SQL: SQLite and PostgreSQL) ----------------------

    async def weekly_counts(self, where: ReportFilter, mondays: Sequence[dt.date]) -> list[tuple[dt.date, str | None, int]]:
        """How many matching reports each brand had in each week starting on one of ``mondays``
        (00:00 UTC): (Monday, brand, count), weeks and brands in order, weeks with none left out.

        One index range per week, joined to a list of the weeks, rather than a week number worked
        out for every report and grouped on: half the time over 52 weeks of 100,000 reports.
        """
        if not mondays:
            return []
        # the weeks are the time window: a since/until bound besides would be the one the planner
        # takes for every week's range, reading from the window's start again for each week
        clause, params = filter_sql(dataclasses.replace(where, since=None, until=None))
        weeks = ", ".join("(?)" for _ in mondays)
        rows = await self._db.fetch_all(
            f"""WITH weeks (start) AS (VALUES {weeks})
                SELECT w.start, r.brand, COUNT(*) FROM weeks w
                JOIN reports r ON r.created_at >= w.start AND r.created_at < w.start + {_WEEK}{clause}
                GROUP BY w.start, r.brand ORDER BY 1, 2""",
            [*(_epoch(monday) for monday in mondays), *params],
        )
        return [(dt.datetime.fromtimestamp(float(start), dt.UTC).date(), brand, int(n)) for start, brand, n in rows]

    async def first_move_median(self, where: ReportFilter) -> tuple[float | None, int]:
        """The median time (seconds) from a matching report to its first status change, and how many were moved.

        The report keeps when it first left ``submitted`` (migration 8): a count, then the middle one
        or two waits in order, read from the dashboard's index without touching the history.
        """
        clause, params = filter_sql(where)
        moved = f"{clause} AND r.first_moved_at IS NOT NULL" if clause else " WHERE r.first_moved_at IS NOT NULL"
        count = int(await self._db.scalar(f"SELECT COUNT(*) FROM reports r{moved}", params) or 0)
        if count == 0:
            return None, 0
        middle = await self._db.fetch_all(
            f"SELECT r.first_moved_at - r.created_at AS waited FROM reports r{moved} ORDER BY waited LIMIT ? OFFSET ?",
            [*params, 2 - count % 2, (count - 1) // 2],
        )
        return sum(float(w) for (w,) in middle) / len(middle), count

    async def failed_tip_counts(self, where: ReportFilter, limit: int) -> list[tuple[str | None, str, int]]:
        """The tips matching reports said they failed, most often first: (brand, tip id, reports)."""
        clause, params = filter_sql(where)
        joined = f"{clause} AND" if clause else " WHERE"
        rows = await self._db.fetch_all(
            f"""SELECT r.brand, r.failed_tip, COUNT(*) FROM reports r{joined} r.failed_tip IS NOT NULL
                GROUP BY r.brand, r.failed_tip ORDER BY COUNT(*) DESC, r.brand, r.failed_tip LIMIT ?""",
            [*params, limit],
        )
        return [(brand, str(tip), int(n)) for brand, tip, n in rows]


async def _check_hourly_limit(reads: Reads, user_id: int, now: float) -> None:
    recent = await reads.scalar("SELECT COUNT(*) FROM reports WHERE user_id = ? AND created_at > ?", (user_id, now - HOUR))
    if recent >= REPORTS_PER_HOUR:
        raise TooManyReports()


@dataclass(frozen=True, slots=True)
class _Submission:
    """A shopper's report waiting for the group commit."""

    user_id: int
    chat_id: int
    draft: Draft
    ending: ConversationEnd | None


_draft_values = attrgetter(*_DRAFT_COLUMNS)
_INSERT_REPORT = (
    f"INSERT INTO reports (id, reference, user_id, chat_id, {', '.join(_DRAFT_COLUMNS)}, status, created_at, updated_at, "
    f"status_changed_at, submission_key) VALUES (?, ?, ?, ?, {', '.join('?' for _ in _DRAFT_COLUMNS)}, 'submitted', ?, ?, ?, ?)"
)
_INSERT_EVIDENCE = "INSERT INTO evidence (report_id, sha256, file_id, file_unique_id, size, mime) VALUES (?, ?, ?, ?, ?, ?)"
# The new reports' first history entries, from the reports themselves: a statement per batch, not a row per report.
_INSERT_HISTORY = (
    "INSERT INTO status_history (report_id, from_status, to_status, changed_by, changed_at) "
    "SELECT id, NULL, 'submitted', user_id, created_at FROM reports WHERE id BETWEEN ? AND ? ORDER BY id"
)
# A new report has one history entry, its first: the announcement points at it (a row per run of report ids).
_ANNOUNCE = (
    "INSERT INTO notifications (report_id, history_id, created_at) "
    "SELECT report_id, id, changed_at FROM status_history WHERE report_id BETWEEN ? AND ? ORDER BY id"
)
_FLAG_DUPLICATE = "UPDATE reports SET duplicates = duplicates + 1, updated_at = ? WHERE id = ?"


@dataclass
class _Batch:
    """What a batch of submissions writes, decided one submission at a time in the order they were
    queued, from what the database held before the batch and what the batch added since."""

    now: float
    first_id: int  # the batch's new reports are numbered from here, one after the other
    by_key: dict[str, str]  # submission key -> reference
    by_order: dict[tuple[int, str], tuple[int, str]]  # (user, order number) -> (id, reference)
    recent: Counter[int]  # reports in the last hour, by user
    reports: list[tuple[object, ...]] = field(default_factory=list)
    evidence: list[tuple[object, ...]] = field(default_factory=list)
    announced: list[int] = field(default_factory=list)  # ids of new reports the outbox announces
    duplicates: list[tuple[float, int]] = field(default_factory=list)
    endings: list[ConversationEnd] = field(default_factory=list)

    def add(self, submission: _Submission) -> Submitted | TooManyReports:
        """The submission's outcome; a refused one writes nothing (its conversation goes on either)."""
        draft, user_id = submission.draft, submission.user_id
        known = self.by_order.get((user_id, draft.order_number)) if draft.order_number else None
        if draft.submission_key in self.by_key:
            outcome = Submitted(self.by_key[draft.submission_key], duplicate=False, again=True)
        elif known is not None:
            self.duplicates.append((self.now, known[0]))
            outcome = Submitted(known[1], duplicate=True)
        elif self.recent[user_id] >= REPORTS_PER_HOUR:
            return TooManyReports()
        else:
            outcome = Submitted(self._new(submission), duplicate=False)
        if submission.ending is not None:
            self.endings.append(submission.ending)
        return outcome

    def _new(self, submission: _Submission) -> str:
        """Number a new report and queue its rows; returns its reference."""
        draft, user_id, now = submission.draft, submission.user_id, self.now
        report_id = self.first_id + len(self.reports)
        ref = reference(report_id, time.gmtime(now).tm_year)
        self.reports.append(
            (report_id, ref, user_id, submission.chat_id, *_draft_values(draft), now, now, now, draft.submission_key)
        )
        self.evidence += [(report_id, p.sha256, p.file_id, p.file_unique_id, p.size, p.mime) for p in draft.photos]
        if submission.ending is not None:  # a conversation promised the shopper a reference: the outbox delivers it
            self.announced.append(report_id)
        self.recent[user_id] += 1
        if draft.order_number:
            self.by_order[(user_id, draft.order_number)] = (report_id, ref)
        if draft.submission_key:
            self.by_key[draft.submission_key] = ref
        return ref

    def writes(self) -> list[Write]:
        """The batch's rows, a statement per table (not per report), in the order they can be written."""
        new = [(self.first_id, self.first_id + len(self.reports) - 1)] if self.reports else []
        return [
            *ending_writes(self.endings),
            (_INSERT_REPORT, self.reports),
            (_INSERT_HISTORY, new),
            (_INSERT_EVIDENCE, self.evidence),
            (_ANNOUNCE, _runs(self.announced)),
            (_FLAG_DUPLICATE, self.duplicates),
        ]


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """Increasing ids as (first, last) runs of consecutive ones: usually one for a whole batch."""
    runs: list[tuple[int, int]] = []
    for report_id in ids:
        if runs and runs[-1][1] == report_id - 1:
            runs[-1] = (runs[-1][0], report_id)
        else:
            runs.append((report_id, report_id))
    return runs


async def _write_reports(tx: Transaction, submissions: list[_Submission]) -> list[Submitted | Exception]:
    """A batch of reports, each with its evidence, first history entry and announcement (or the
    duplicate flagged, or the same draft's reference again), and the conversations they end.

    The ``reports`` lock is taken once for the batch; its checks read the database once for the
    whole batch (what every report committed before it says), then count the batch's own reports
    as they are numbered, so two in one batch are checked against each other as if written in turn.
    """
    await tx.lock("reports")
    now = time.time()
    batch = _Batch(
        now,
        await tx.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM reports"),
        await _references_by_key(tx, submissions),
        await _reports_by_order(tx, submissions),
        await _recent_counts(tx, submissions, now),
    )
    outcomes: list[Submitted | Exception] = [batch.add(submission) for submission in submissions]
    await tx.write_all(batch.writes())
    return outcomes


async def _references_by_key(reads: Reads, submissions: list[_Submission]) -> dict[str, str]:
    keys = {s.draft.submission_key for s in submissions if s.draft.submission_key}
    if not keys:
        return {}
    marks, values = _in_list(keys)
    rows = await reads.fetch_all(f"SELECT submission_key, reference FROM reports WHERE submission_key IN {marks}", values)
    return {row[0]: row[1] for row in rows}


async def _reports_by_order(reads: Reads, submissions: list[_Submission]) -> dict[tuple[int, str], tuple[int, str]]:
    orders = {s.draft.order_number for s in submissions if s.draft.order_number}
    if not orders:
        return {}
    user_marks, users = _in_list({s.user_id for s in submissions})
    order_marks, order_numbers = _in_list(orders)
    rows = await reads.fetch_all(
        f"SELECT id, reference, user_id, order_number FROM reports WHERE user_id IN {user_marks} AND order_number IN {order_marks}",
        [*users, *order_numbers],
    )
    return {(row[2], row[3]): (row[0], row[1]) for row in rows}


async def _recent_counts(reads: Reads, submissions: list[_Submission], now: float) -> Counter[int]:
    marks, users = _in_list({s.user_id for s in submissions})
    rows = await reads.fetch_all(
        f"SELECT user_id, COUNT(*) FROM reports WHERE user_id IN {marks} AND created_at > ? GROUP BY user_id",
        [*users, now - HOUR],
    )
    return Counter({row[0]: int(row[1]) for row in rows})


def _in_list(values: Iterable[object]) -> tuple[str, list[object]]:
    """``(?, ?, …)`` and its values, the list padded to a power of two with its last value: a batch's
    queries then come in a few shapes, each parsed and prepared once, whatever the batch's size."""
    listed = list(values)
    size = 1 << (len(listed) - 1).bit_length()
    return f"({', '.join('?' * size)})", listed + listed[-1:] * (size - len(listed))


def _report(row: Row) -> ReportRecord:
    values = {column: row[column] for column in _RECORD_COLUMNS}
    values["consent"] = bool(values["consent"])
    return ReportRecord(**values)


def _normal_reference(ref: str) -> str:
    return ref.strip().upper()


def _clip_note(note: str | None) -> str | None:
    return note[: LIMITS["note"]] if note is not None else None


def _epoch(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
