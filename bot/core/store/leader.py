"""Which of several ``authbot run`` processes on one database is the leader (polls Telegram, runs
the notification job); the others stand by and take over when it goes.

On PostgreSQL the leader holds a session advisory lock (``pg_try_advisory_lock``) on a connection
of its own, outside the pool. A standby tries for the lock every second and logs that it stands
by. The leader checks its connection every second; when the check fails or hangs (the database or
the network is gone, and with them its lock), it steps down at once. A standby that wins the lock
after standing by waits :data:`TAKEOVER_GRACE` seconds before it serves, so the old leader has
noticed and stopped polling first: never two pollers (Telegram would answer the second with 409
Conflict). On SQLite, one file on one machine, the only process is the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .url import DatabaseURL

log = logging.getLogger("authbot.leader")

RETRY_SECONDS = 1.0  # a standby tries for the lock this often
CHECK_SECONDS = 1.0  # the leader checks its connection this often
CHECK_TIMEOUT = 2.0  # a check that takes longer counts as a lost connection
TAKEOVER_GRACE = CHECK_SECONDS + CHECK_TIMEOUT  # how long an old leader may take to notice it lost
CONNECT_TIMEOUT = 5
LOCK_NAME = "authbot leader"


class Leadership:
    """Leadership over ``url``: ``await acquire()``, then ``await watch(step_down)``; ``release()`` at the end."""

    def __init__(
        self, url: DatabaseURL, *, retry: float = RETRY_SECONDS, check: float = CHECK_SECONDS, grace: float | None = None
    ):
        self._url = url
        self._retry = retry
        self._check = check
        self._grace = TAKEOVER_GRACE if grace is None else grace
        self._connection: Any = None  # psycopg.AsyncConnection, loaded only for PostgreSQL

    @property
    def shared(self) -> bool:
        """Whether other processes may share the database (PostgreSQL): only then is there an election."""
        return self._url.dialect.is_postgresql

    async def acquire(self) -> None:
        """Return once this process leads; until then stand by, trying every second."""
        if not self.shared:
            return
        stood_by = False
        while True:
            try:
                if await self._try_lock():
                    break
            except Exception as exc:  # the database is away: keep standing by
                await self._close()
                log.warning("standing by: cannot reach the database to ask who leads (%s)", exc)
            else:
                if not stood_by:
                    log.info("standing by: another instance is the leader; trying again every %g s", self._retry)
            stood_by = True
            await asyncio.sleep(self._retry)
        if stood_by and self._grace:
            await asyncio.sleep(self._grace)  # the old leader has stopped polling by now
        log.info("leading: this instance polls Telegram and delivers notifications")

    async def _try_lock(self) -> bool:
        import psycopg

        if self._connection is None:
            self._connection = await psycopg.AsyncConnection.connect(
                self._url.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            )
        cursor = await self._connection.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (LOCK_NAME,))
        row = await cursor.fetchone()
        return bool(row and row[0])

    async def watch(self, step_down: Callable[[], Awaitable[None]]) -> None:
        """While leading, check the connection every second; when it is lost, ``step_down`` and return."""
        if not self.shared or self._connection is None:
            return
        while True:
            await asyncio.sleep(self._check)
            try:
                await asyncio.wait_for(self._connection.execute("SELECT 1"), CHECK_TIMEOUT)
            except Exception as exc:
                log.error("lost the database connection that holds the leadership (%s): stepping down", exc or type(exc).__name__)
                await self._close()
                await step_down()
                return

    async def release(self) -> None:
        """Give up the leadership (closing the connection frees the lock)."""
        await self._close()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), CHECK_TIMEOUT)
