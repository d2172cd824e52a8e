"""PostgreSQL for the tests: found once per run, a fresh database for each test that wants one.

The server is named by ``AUTHBOT_TEST_DATABASE_URL`` (a URL whose user may create databases) or
by libpq's PG* variables (``.ci/run`` starts a throwaway cluster and exports them). Without one
the PostgreSQL cases are skipped, saying why; under ``CI=true`` they fail instead, so CI can
never pass by quietly testing SQLite alone.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

TEST_DATABASE_VARIABLE = "AUTHBOT_TEST_DATABASE_URL"
LIBPQ_VARIABLES = ("PGHOST", "PGPORT", "PGDATABASE")


@dataclasses.dataclass(frozen=True)
class PostgresServer:
    """A URL ("" for libpq's PG* variables), or None and why there is none."""

    url: str | None
    unavailable: str = ""

    def require(self) -> str:
        """The URL, or skip the test saying why; under CI=true a PostgreSQL test never skips: it fails."""
        if self.url is not None:
            return self.url
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {self.unavailable}", pytrace=False)
        pytest.skip(self.unavailable)


def find_postgres_server() -> PostgresServer:
    url = os.environ.get(TEST_DATABASE_VARIABLE) or ("" if any(v in os.environ for v in LIBPQ_VARIABLES) else None)
    if url is None:
        return PostgresServer(None, f"no PostgreSQL for the tests: set {TEST_DATABASE_VARIABLE} or PGHOST/PGPORT/PGUSER")
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        return PostgresServer(None, f"PostgreSQL for the tests does not answer: {str(exc).strip()}")
    return PostgresServer(url)


@contextmanager
def fresh_postgres_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` for one test, dropped afterwards; yields its URL."""
    name = f"authbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database_name(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database_name(server: str, name: str) -> str:
    if not server:  # everything else from the PG* variables
        return f"postgresql:///{name}"
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
