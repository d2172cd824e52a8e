"""The schema: numbered migrations, applied at start so an older database upgrades in place.

One list for both engines: each migration is written in SQLite's spelling and
:meth:`Dialect.ddl` gives PostgreSQL its types (identity ids, BIGINT, DOUBLE PRECISION, BYTEA).
How many migrations a database has had is its ``PRAGMA user_version`` on SQLite and the
``schema_version`` table on PostgreSQL. Each runs in its own transaction (PostgreSQL's DDL is
transactional too), so a crash mid-upgrade leaves the database at the last complete version;
on PostgreSQL a lock makes two processes starting at once upgrade one after the other.
"""

from __future__ import annotations

from .db import Database

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
    # 4: the web console's one-time sign-in links and sessions, both kept only as SHA-256 of
    #    the secret (a copy of the database signs nobody in); the queue's newest-first order
    """
    CREATE TABLE console_links (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        used_at REAL
    );
    CREATE TABLE console_sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        ended_at REAL
    );
    CREATE INDEX console_sessions_user ON console_sessions (user_id);
    CREATE INDEX reports_created ON reports (created_at);
    CREATE INDEX reports_status_created ON reports (status, created_at);
    """,
    # 5: the console's dashboard reads weeks, brands, statuses and failed tips of a time window
    #    from the indexes alone (all brands, or a team's brands), and each report's first move
    """
    CREATE INDEX reports_created_figures ON reports (created_at, brand, status, failed_tip);
    CREATE INDEX reports_brand_created_figures ON reports (brand, created_at, status, failed_tip);
    CREATE INDEX status_history_changes ON status_history (report_id, changed_at, from_status);
    """,
    # 6: the key a draft is submitted under (a second Submit of the same draft finds its report)
    """
    ALTER TABLE reports ADD COLUMN submission_key TEXT;
    CREATE UNIQUE INDEX reports_submission ON reports (submission_key) WHERE submission_key IS NOT NULL;
    """,
    # 7: when each report's status last changed, kept on the report: the console sorts its queue
    #    by it without reading every report's history
    """
    ALTER TABLE reports ADD COLUMN status_changed_at REAL;
    UPDATE reports SET status_changed_at = COALESCE(
        (SELECT MAX(h.changed_at) FROM status_history h WHERE h.report_id = reports.id), created_at);
    CREATE INDEX reports_status_changed ON reports (status_changed_at, id);
    """,
    # 8: when each report first left 'submitted', kept on the report: the dashboard's median time
    #    to a first move reads the figures index alone instead of joining every report's history
    #    (the index is replaced, not added: a report's insert updates as many indexes as before)
    """
    ALTER TABLE reports ADD COLUMN first_moved_at REAL;
    UPDATE reports SET first_moved_at = (
        SELECT MIN(h.changed_at) FROM status_history h WHERE h.report_id = reports.id AND h.from_status = 'submitted');
    DROP INDEX reports_created_figures;
    CREATE INDEX reports_created_figures ON reports (created_at, brand, status, failed_tip, first_moved_at);
    DROP INDEX reports_brand_created_figures;
    CREATE INDEX reports_brand_created_figures ON reports (brand, created_at, status, failed_tip, first_moved_at);
    """,
]


async def migrate(database: Database) -> int:
    """Apply the migrations ``database`` has not had yet, in order; returns how many were applied."""
    applied = 0
    for number, script in enumerate(MIGRATIONS, start=1):
        async with database.transaction() as tx:
            await tx.lock("migrations")
            if await database.schema_version() >= number:
                continue
            for statement in _statements(script):
                await tx.execute(database.dialect.ddl(statement))
            await database.set_schema_version(tx, number)
            applied += 1
    return applied


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
