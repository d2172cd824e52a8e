"""Which database: one URL, ``sqlite:///PATH`` or ``postgresql://USER:PASSWORD@HOST/DB``.

As in SQLAlchemy, everything after ``sqlite:///`` is the path, so ``sqlite:///data/authbot.sqlite3``
is relative to the working directory and ``sqlite:////var/lib/authbot/authbot.sqlite3`` absolute.
A PostgreSQL URL goes to libpq as written (``postgres://`` is accepted too), so anything libpq
understands works, including ``postgresql:///authbot`` with the rest from PG* variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .dialect import POSTGRESQL, SQLITE, Dialect

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")


class BadDatabaseURL(ValueError):
    """The database setting is neither a sqlite:/// nor a postgresql:// URL."""


@dataclass(frozen=True)
class DatabaseURL:
    url: str

    @classmethod
    def of(cls, database: str | Path | DatabaseURL) -> DatabaseURL:
        """``database`` as a URL; a :class:`Path` is an SQLite file."""
        if isinstance(database, DatabaseURL):
            return database
        if isinstance(database, Path):
            return cls(SQLITE_PREFIX + str(database))
        if not database.startswith((SQLITE_PREFIX, *POSTGRES_PREFIXES)) or database == SQLITE_PREFIX:
            raise BadDatabaseURL(
                f"database URL must be sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB, got {redact(database)!r}"
            )
        return cls(database)

    @property
    def dialect(self) -> Dialect:
        return SQLITE if self.url.startswith(SQLITE_PREFIX) else POSTGRESQL

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file (only for a sqlite:/// URL)."""
        assert not self.dialect.is_postgresql, self
        return Path(self.url[len(SQLITE_PREFIX) :])

    def exists(self) -> bool:
        """Whether there is a database to read: the SQLite file exists (a PostgreSQL one is checked on connecting)."""
        return self.dialect.is_postgresql or self.sqlite_path.exists()

    def __str__(self) -> str:
        """How an operator knows it, fit for a log line: the SQLite file, or the URL without its password."""
        return redact(self.url) if self.dialect.is_postgresql else str(self.sqlite_path)


def redact(url: str) -> str:
    return _PASSWORD.sub(r"\1***@", url)
