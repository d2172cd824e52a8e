"""The project's SQLite database: one file under the data directory, opened with aiosqlite.

Handled carefully, in the manner of sqlite-utils: WAL journal (readers never block the writer),
foreign keys on, a busy timeout, every write in its own ``BEGIN IMMEDIATE`` transaction, and
numbered migrations applied at start (``PRAGMA user_version``) so an older database upgrades in
place. Callers are told a write happened only after it is committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Sequence

import aiosqlite

from .roles import Grant, Role
from .reports import REPORTS_PER_HOUR, Draft, check_transition, reference
from .text import normalize

# Each entry is one migration; the database's user_version is how many have been applied.
# Never edit an applied migration: append a new one.
MIGRATIONS: list[str] = [
    # 1: what shoppers thought of a tip, and the questions no tip answered
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        brand TEXT NOT NULL,
        tip TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        question TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX feedback_tip ON feedback (brand, tip);
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        normalized TEXT NOT NULL,
        best_score REAL NOT NULL,
        brand TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX unanswered_normalized ON unanswered (normalized);
    """,
    # 2: suspected-counterfeit reports, their evidence and status history; the shopper
    #    notification outbox; persisted conversations and per-user conversation drafts
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        lang TEXT NOT NULL DEFAULT 'zh',
        brand TEXT,
        brand_other TEXT,
        product TEXT NOT NULL,
        platform TEXT NOT NULL,
        shop TEXT NOT NULL,
        link TEXT,
        share_code TEXT,
        order_number TEXT,
        price_cents INTEGER CHECK (price_cents IS NULL OR price_cents >= 0),
        purchase_date TEXT,
        problem TEXT NOT NULL,
        failed_tip TEXT,
        official_check TEXT NOT NULL,
        consent INTEGER NOT NULL CHECK (consent IN (0, 1)),
        status TEXT NOT NULL DEFAULT 'submitted',
        duplicates INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE UNIQUE INDEX reports_user_order ON reports (user_id, order_number) WHERE order_number IS NOT NULL;
    CREATE INDEX reports_user_time ON reports (user_id, created_at);
    CREATE INDEX reports_brand_status ON reports (brand, status);
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL,
        file_id TEXT NOT NULL,
        file_unique_id TEXT NOT NULL,
        size INTEGER NOT NULL,
        mime TEXT NOT NULL
    );
    CREATE INDEX evidence_report ON evidence (report_id);
    CREATE TABLE status_history (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        from_status TEXT,
        to_status TEXT NOT NULL,
        changed_by INTEGER,
        note TEXT,
        changed_at REAL NOT NULL
    );
    CREATE INDEX status_history_report ON status_history (report_id);
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        history_id INTEGER NOT NULL REFERENCES status_history (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        sent_at REAL,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX notifications_pending ON notifications (sent_at) WHERE sent_at IS NULL;
    CREATE TABLE conversations (
        name TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (name, key)
    );
    CREATE TABLE user_data (
        user_id INTEGER PRIMARY KEY,
        data TEXT NOT NULL
    );
    """,
    # 3: roles and the audit log; every installed guide version; which question each answer
    #    answered (so a 👎 says what was asked); unanswered phrasings staff have dealt with
    """
    CREATE TABLE roles (
        user_id INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'enforcement')),
        brand TEXT NOT NULL DEFAULT '',
        granted_by INTEGER,
        granted_at REAL NOT NULL,
        PRIMARY KEY (user_id, role, brand)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        actor INTEGER,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT,
        at REAL NOT NULL
    );
    CREATE INDEX audit_time ON audit (at);
    CREATE TABLE guide_versions (
        id INTEGER PRIMARY KEY,
        brand TEXT NOT NULL,
        version INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL,
        installed_by INTEGER,
        installed_at REAL NOT NULL,
        note TEXT,
        UNIQUE (brand, version)
    );
    CREATE TABLE answered (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        question TEXT NOT NULL,
        brand TEXT NOT NULL,
        tip TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    ALTER TABLE unanswered ADD COLUMN resolved_at REAL;
    ALTER TABLE feedback ADD COLUMN resolved_at REAL;
    """,
]

MAX_QUESTION_CHARS = 1000
MAX_BATCH = 200  # reports committed together at most (group commit)


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    question: str
    count: int
    best_score: float
    last_asked: float
    brand: str | None


class Store:
    """One connection, one writer at a time; open with ``await Store.open(path)``."""

    def __init__(self, connection: aiosqlite.Connection, path: Path):
        self._db = connection
        self.path = path
        self._write_lock = asyncio.Lock()
        self._queue: list[tuple[int, int, Draft, asyncio.Future[Submitted]]] = []
        self._writer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> "Store":
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)  # we issue BEGIN ourselves
        connection.row_factory = aiosqlite.Row
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 5000"):
            await connection.execute(f"PRAGMA {pragma}")
        store = cls(connection, path)
        await store._migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _migrate(self) -> None:
        version = await self.scalar("PRAGMA user_version")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self.transaction() as db:
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {number}")

    async def scalar(self, sql: str, params: Sequence[object] = ()) -> int:
        async with self._db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # --- shoppers ------------------------------------------------------------------------

    async def record_feedback(self, user_id: int, brand: str, tip: str, vote: int, question: str | None = None) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO feedback (user_id, brand, tip, vote, question, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, brand, tip, 1 if vote > 0 else -1, _clip(question), time.time()),
            )

    async def record_unanswered(self, question: str, best_score: float, brand: str | None = None) -> None:
        """Keep the text, the time and how close the best tip came; never who asked."""
        text = _clip(question) or ""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO unanswered (question, normalized, best_score, brand, created_at) VALUES (?, ?, ?, ?, ?)",
                (text, _key(text), best_score, brand, time.time()),
            )

    async def unanswered(self, limit: int = 50, brand: str | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions, the most often asked first (same wording up to case and script)."""
        where, params = ("WHERE brand = ?", [brand]) if brand else ("", [])
        rows = await self.fetch(
            f"""SELECT MIN(question) AS question, COUNT(*) AS n, MAX(best_score) AS best,
                       MAX(created_at) AS last, MAX(brand) AS brand
                FROM unanswered {where} GROUP BY normalized
                ORDER BY n DESC, last DESC LIMIT ?""",
            [*params, limit],
        )
        return [UnansweredQuestion(r["question"], r["n"], r["best"], r["last"], r["brand"]) for r in rows]

    # --- reports -------------------------------------------------------------------------

    async def submit_report(self, user_id: int, chat_id: int, draft: Draft) -> "Submitted":
        """Store a finished report and return its reference once it is committed.

        Reports arriving together are written in one transaction (group commit): each in its
        own savepoint, so one refused report does not undo the others, and every caller is
        answered only after the commit that holds its report. With synchronous=FULL, that is
        one fsync per batch instead of one per report.

        The same shopper reporting the same order again is a duplicate: the first report is
        flagged (its duplicate count grows) and its reference is returned; nothing is stored twice.
        """
        future: asyncio.Future[Submitted] = asyncio.get_running_loop().create_future()
        self._queue.append((user_id, chat_id, draft, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        return await future

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            outcomes: list[Submitted | BaseException] = []
            try:
                async with self.transaction() as db:
                    for user_id, chat_id, draft, _ in batch:
                        outcomes.append(await self._insert_in_savepoint(db, user_id, chat_id, draft))
            except Exception as exc:  # the commit failed: nobody's report is saved
                outcomes = [exc] * len(batch)
            for (*_, future), outcome in zip(batch, outcomes):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _insert_in_savepoint(self, db: aiosqlite.Connection, user_id: int, chat_id: int, draft: Draft) -> "Submitted | Exception":
        await db.execute("SAVEPOINT report")
        try:
            result: Submitted | Exception = await self._insert_report(db, user_id, chat_id, draft)
        except Exception as exc:
            await db.execute("ROLLBACK TO report")
            result = exc
        await db.execute("RELEASE report")
        return result

    async def _insert_report(self, db: aiosqlite.Connection, user_id: int, chat_id: int, draft: Draft) -> "Submitted":
        now = time.time()
        if draft.order_number:
            async with db.execute(
                "SELECT id, reference FROM reports WHERE user_id = ? AND order_number = ?", (user_id, draft.order_number)
            ) as cursor:
                existing = await cursor.fetchone()
            if existing:
                await db.execute("UPDATE reports SET duplicates = duplicates + 1, updated_at = ? WHERE id = ?", (now, existing[0]))
                return Submitted(existing[1], duplicate=True)
        if await self._recent_reports(db, user_id, now) >= REPORTS_PER_HOUR:
            raise TooManyReports()
        async with db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM reports") as cursor:
            report_id = (await cursor.fetchone())[0]
        ref = reference(report_id, time.gmtime(now).tm_year)
        await db.execute(
            f"INSERT INTO reports (id, reference, user_id, chat_id, {', '.join(_REPORT_FIELDS)}, status, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?, {', '.join('?' for _ in _REPORT_FIELDS)}, 'submitted', ?, ?)",
            (report_id, ref, user_id, chat_id, *(_field(draft, f) for f in _REPORT_FIELDS), now, now),
        )
        await db.executemany(
            "INSERT INTO evidence (report_id, sha256, file_id, file_unique_id, size, mime) VALUES (?, ?, ?, ?, ?, ?)",
            [(report_id, p.sha256, p.file_id, p.file_unique_id, p.size, p.mime) for p in draft.photos],
        )
        await db.execute(
            "INSERT INTO status_history (report_id, from_status, to_status, changed_by, changed_at) VALUES (?, NULL, 'submitted', ?, ?)",
            (report_id, user_id, now),
        )
        return Submitted(ref, duplicate=False)

    async def recent_reports(self, user_id: int) -> int:
        """How many reports the user submitted in the last hour."""
        return await self._recent_reports(self._db, user_id, time.time())

    @staticmethod
    async def _recent_reports(db: aiosqlite.Connection, user_id: int, now: float) -> int:
        async with db.execute("SELECT COUNT(*) FROM reports WHERE user_id = ? AND created_at > ?", (user_id, now - 3600)) as cursor:
            return (await cursor.fetchone())[0]

    async def report(self, ref: str) -> "ReportRecord | None":
        rows = await self.fetch("SELECT * FROM reports WHERE reference = ?", (ref.strip().upper(),))
        return ReportRecord.from_row(rows[0]) if rows else None

    async def reports_of(self, user_id: int, limit: int = 20) -> list["ReportRecord"]:
        rows = await self.fetch("SELECT * FROM reports WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit))
        return [ReportRecord.from_row(r) for r in rows]

    async def evidence(self, report_id: int) -> list[aiosqlite.Row]:
        return await self.fetch("SELECT * FROM evidence WHERE report_id = ? ORDER BY id", (report_id,))

    async def history(self, report_id: int) -> list[aiosqlite.Row]:
        return await self.fetch("SELECT * FROM status_history WHERE report_id = ? ORDER BY id", (report_id,))

    async def change_status(self, ref: str, wanted: str, changed_by: int | None, note: str | None = None) -> "ReportRecord":
        """Move a report on (refused if the lifecycle does not allow it); the shopper is queued a message."""
        now = time.time()
        async with self.transaction() as db:
            async with db.execute("SELECT * FROM reports WHERE reference = ?", (ref.strip().upper(),)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise LookupError(f"no report {ref}")
            new = check_transition(row["status"], wanted)
            await db.execute("UPDATE reports SET status = ?, updated_at = ? WHERE id = ?", (new.value, now, row["id"]))
            cursor = await db.execute(
                "INSERT INTO status_history (report_id, from_status, to_status, changed_by, note, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (row["id"], row["status"], new.value, changed_by, _clip(note), now),
            )
            await db.execute(
                "INSERT INTO notifications (report_id, history_id, created_at) VALUES (?, ?, ?)", (row["id"], cursor.lastrowid, now)
            )
            await self._audit(db, changed_by, "status", row["reference"], f"{row['status']} -> {new.value}")
        updated = await self.report(ref)
        assert updated is not None
        return updated

    async def list_reports(self, brands: frozenset[str] | None, status: str | None, offset: int, limit: int) -> tuple[list["ReportRecord"], int]:
        """One page of reports, newest first, limited to ``brands`` (None: all) and a status."""
        clauses, params = [], []
        if brands is not None:
            clauses.append(f"brand IN ({', '.join('?' for _ in brands)})" if brands else "0")
            params += sorted(brands)
        if status:
            clauses.append("status = ?")
            params.append(status)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        total = await self.scalar(f"SELECT COUNT(*) FROM reports{where}", params)
        rows = await self.fetch(f"SELECT * FROM reports{where} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset])
        return [ReportRecord.from_row(r) for r in rows], total

    async def report_by_id(self, report_id: int) -> "ReportRecord | None":
        rows = await self.fetch("SELECT * FROM reports WHERE id = ?", (report_id,))
        return ReportRecord.from_row(rows[0]) if rows else None

    async def seller_rows(self, brands: frozenset[str] | None) -> list[tuple[str, str, int, str | None]]:
        where, params = (f" WHERE brand IN ({', '.join('?' for _ in brands)})", sorted(brands)) if brands is not None else ("", [])
        if brands is not None and not brands:
            return []
        rows = await self.fetch(f"SELECT shop, platform, user_id, brand FROM reports{where}", params)
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def pack_parts(self, report: "ReportRecord") -> tuple[dict[str, object], list[dict[str, object]], list[dict[str, object]]]:
        """The report, its status history and its photo records, as plain data for an evidence pack."""
        history = [dict(r) for r in await self.history(report.id)]
        photos = [{k: r[k] for k in ("sha256", "file_id", "file_unique_id", "size", "mime")} for r in await self.evidence(report.id)]
        return dataclasses.asdict(report), history, photos

    async def pending_notifications(self, limit: int = 50) -> list["Notification"]:
        rows = await self.fetch(
            """SELECT n.id, r.reference, r.chat_id, r.lang, r.product, h.from_status, h.to_status, h.note
               FROM notifications n JOIN reports r ON r.id = n.report_id JOIN status_history h ON h.id = n.history_id
               WHERE n.sent_at IS NULL AND n.attempts < 10 ORDER BY n.id LIMIT ?""",
            (limit,),
        )
        return [Notification(*tuple(r)) for r in rows]

    async def notification_done(self, notification_id: int, sent: bool) -> None:
        async with self.transaction() as db:
            if sent:
                await db.execute("UPDATE notifications SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", (time.time(), notification_id))
            else:
                await db.execute("UPDATE notifications SET attempts = attempts + 1 WHERE id = ?", (notification_id,))

    # --- conversation persistence ---------------------------------------------------------

    async def conversations(self, name: str) -> dict[tuple, object]:
        rows = await self.fetch("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def save_conversation(self, name: str, key: tuple, state: object) -> None:
        async with self.transaction() as db:
            if state is None:
                await db.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, json.dumps(list(key))))
            else:
                await db.execute(
                    "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                    (name, json.dumps(list(key)), json.dumps(state)),
                )

    async def all_user_data(self) -> dict[int, dict]:
        rows = await self.fetch("SELECT user_id, data FROM user_data")
        return {r["user_id"]: json.loads(r["data"]) for r in rows}

    async def save_user_data(self, user_id: int, data: dict | None) -> None:
        async with self.transaction() as db:
            if not data:
                await db.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
            else:
                await db.execute(
                    "INSERT INTO user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
                    (user_id, json.dumps(data, ensure_ascii=False)),
                )


    # --- roles and audit ------------------------------------------------------------------

    async def grants(self, user_id: int | None = None) -> list[Grant]:
        where, params = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = await self.fetch(f"SELECT user_id, role, brand FROM roles {where} ORDER BY user_id, role, brand", params)
        return [Grant(r["user_id"], Role(r["role"]), r["brand"] or None) for r in rows]

    async def grant(self, grant: Grant, by: int | None) -> bool:
        """True if the grant is new."""
        async with self.transaction() as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO roles (user_id, role, brand, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)",
                (grant.user_id, grant.role.value, grant.brand or "", by, time.time()),
            )
            added = cursor.rowcount > 0
            if added:
                await self._audit(db, by, "grant", str(grant.user_id), f"{grant.role.value} {grant.brand or '*'}")
        return added

    async def revoke(self, grant: Grant, by: int | None) -> bool:
        """True if there was such a grant."""
        async with self.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM roles WHERE user_id = ? AND role = ? AND brand = ?", (grant.user_id, grant.role.value, grant.brand or "")
            )
            removed = cursor.rowcount > 0
            if removed:
                await self._audit(db, by, "revoke", str(grant.user_id), f"{grant.role.value} {grant.brand or '*'}")
        return removed

    async def audit(self, actor: int | None, action: str, target: str | None = None, detail: str | None = None) -> None:
        async with self.transaction() as db:
            await self._audit(db, actor, action, target, detail)

    @staticmethod
    async def _audit(db: aiosqlite.Connection, actor: int | None, action: str, target: str | None, detail: str | None) -> None:
        await db.execute(
            "INSERT INTO audit (actor, action, target, detail, at) VALUES (?, ?, ?, ?, ?)", (actor, action, target, detail, time.time())
        )

    # --- guide versions -------------------------------------------------------------------

    async def add_guide_version(self, brand: str, content: bytes, by: int | None, note: str | None = None) -> int:
        """Keep a version of a brand's tip file; returns its number (1, 2, …)."""
        async with self.transaction() as db:
            async with db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM guide_versions WHERE brand = ?", (brand,)) as cursor:
                version = (await cursor.fetchone())[0]
            await db.execute(
                "INSERT INTO guide_versions (brand, version, sha256, content, installed_by, installed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (brand, version, hashlib.sha256(content).hexdigest(), content, by, time.time(), note),
            )
            await self._audit(db, by, "guide", brand, f"v{version} {note or ''}".strip())
        return version

    async def guide_versions(self, brand: str) -> list[aiosqlite.Row]:
        return await self.fetch(
            "SELECT version, sha256, installed_by, installed_at, note, length(content) AS size FROM guide_versions WHERE brand = ? ORDER BY version DESC",
            (brand,),
        )

    async def guide_version(self, brand: str, version: int) -> bytes | None:
        rows = await self.fetch("SELECT content FROM guide_versions WHERE brand = ? AND version = ?", (brand, version))
        return bytes(rows[0]["content"]) if rows else None

    # --- what shoppers asked that the guides miss -------------------------------------------

    async def record_answer(self, chat_id: int, message_id: int, question: str, brand: str, tip: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO answered (chat_id, message_id, question, brand, tip, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (chat_id, message_id, _clip(question), brand, tip, time.time()),
            )

    async def answered_question(self, chat_id: int, message_id: int) -> str | None:
        rows = await self.fetch("SELECT question FROM answered WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
        return rows[0]["question"] if rows else None

    async def missed_phrasings(self, brand: str, limit: int = 500) -> list[Phrasing]:
        """Questions about ``brand`` that found no tip or got a 👎, not yet dealt with."""
        rows = await self.fetch(
            """SELECT 'u' || id AS key, question, created_at FROM unanswered WHERE brand = ? AND resolved_at IS NULL
               UNION ALL
               SELECT 'f' || id, question, created_at FROM feedback WHERE brand = ? AND vote = -1 AND question IS NOT NULL AND resolved_at IS NULL
               ORDER BY created_at DESC LIMIT ?""",
            (brand, brand, limit),
        )
        return [Phrasing(r["key"], r["question"]) for r in rows]

    async def resolve_phrasings(self, keys: list[str], by: int | None, action: str, detail: str) -> None:
        now = time.time()
        async with self.transaction() as db:
            for key in keys:
                table = "unanswered" if key.startswith("u") else "feedback"
                await db.execute(f"UPDATE {table} SET resolved_at = ? WHERE id = ?", (now, int(key[1:])))
            await self._audit(db, by, action, None, detail)


@dataclass(frozen=True, slots=True)
class Phrasing:
    key: str       # 'u<id>' an unanswered question, 'f<id>' a question that got 👎
    question: str


class TooManyReports(Exception):
    """The shopper reached the hourly report limit."""


@dataclass(frozen=True, slots=True)
class Submitted:
    reference: str
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    reference: str
    chat_id: int
    lang: str
    product: str
    from_status: str | None
    to_status: str
    note: str | None


_REPORT_FIELDS = (
    "lang", "brand", "brand_other", "product", "platform", "shop", "link", "share_code", "order_number",
    "price_cents", "purchase_date", "problem", "failed_tip", "official_check", "consent",
)


def _field(draft: Draft, name: str) -> object:
    value = getattr(draft, name)
    return int(value) if name == "consent" else value


@dataclass(frozen=True)
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

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> "ReportRecord":
        values = {k: row[k] for k in row.keys() if k in cls.__dataclass_fields__}
        values["consent"] = bool(values["consent"])
        return cls(**values)


def _clip(text: str | None) -> str | None:
    return text[:MAX_QUESTION_CHARS] if text is not None else None


def _key(text: str) -> str:
    """How unanswered questions are grouped: normalised, punctuation and spaces dropped."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
