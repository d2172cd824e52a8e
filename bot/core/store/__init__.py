"""The project's database (SQLite or PostgreSQL), split the way sqlite-utils splits ``Database`` from ``Table``:

- :mod:`.db` — the connection core (transactions, the group commit), no table in sight, with
  :mod:`.sqlite` and :mod:`.postgres` for each engine and :mod:`.dialect` for where their SQL differs;
- :mod:`.migrations` — the schema, as numbered migrations;
- one repository per aggregate — :mod:`.reports`, :mod:`.roles`, :mod:`.guides`,
  :mod:`.answers`, :mod:`.outbox`, :mod:`.console` — each holding its own SQL and returning typed
  :mod:`.records`.

:class:`Store` opens the database, brings its schema up to date, and hands out the repositories.
"""

from __future__ import annotations

from pathlib import Path

from .answer_log import AnswerLog
from .answers import AnswerRepository
from .console import ConsoleRepository
from .db import Database, open_database
from .guides import GuideRepository
from .migrations import migrate
from .outbox import OutboxRepository
from .reports import ReportRepository
from .roles import RoleRepository
from .url import DatabaseURL


class Store:
    """The database and its repositories; open with ``await Store.open(url)``."""

    def __init__(self, database: Database):
        self.database = database
        self.reports = ReportRepository(database)
        self.roles = RoleRepository(database)
        self.guides = GuideRepository(database)
        self.answer_log = AnswerLog(database)  # the bot's answers and votes, committed in batches
        self.answers = AnswerRepository(database, self.answer_log.flush)
        self.outbox = OutboxRepository(database)
        self.console = ConsoleRepository(database)

    @classmethod
    async def open(cls, database_url: str | Path | DatabaseURL) -> Store:
        """Open the database (a URL, or a Path for an SQLite file) and bring its schema up to date."""
        database = await open_database(database_url)
        try:
            await migrate(database)
        except BaseException:
            await database.close()
            raise
        return cls(database)

    async def close(self) -> None:
        try:
            await self.answer_log.close()  # what is still queued is committed first
        finally:
            await self.database.close()
