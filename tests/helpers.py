"""Small helpers the end-to-end tests share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.config import Settings
from bot.core.store.db import open_reader
from bot.loopback import SentMessage, SimUser


def rows(settings: Settings, sql: str, *params: object) -> list[tuple]:
    """Query the bot's database directly (SQLite or PostgreSQL), as an operator would check it."""
    with open_reader(settings.database) as reader:
        return [tuple(row) for row in reader.rows(sql, params)]


async def say(user: SimUser, text: str) -> SentMessage:
    """Send ``text`` and return the bot's next reply."""
    await user.send(text)
    return await user.next_reply()


async def until(condition: Callable[[], object], within: float) -> float:
    """Wait until ``condition()`` holds; returns when (``time.monotonic()``), or fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
    return time.monotonic()
