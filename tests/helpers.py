"""Small helpers the end-to-end tests share."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.loopback import SentMessage, SimUser


def rows(settings: Settings, sql: str, *params: object) -> list[tuple]:
    """Query the bot's database directly, as an operator would check it."""
    with sqlite3.connect(settings.database) as db:
        return list(db.execute(sql, params))


async def say(user: SimUser, text: str) -> SentMessage:
    """Send ``text`` and return the bot's next reply."""
    await user.send(text)
    return await user.next_reply()
