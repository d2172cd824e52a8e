"""python-telegram-bot persistence in the project's database, SQLite or PostgreSQL.

Only what must survive a restart is kept: conversation states (a report half written) and
per-user data (the draft itself). The database is the one :class:`bot.core.store.Store` uses;
this class opens it on first use, inside the running event loop, and keeps its own two tables
(``conversations``, ``user_data``) through the store's connection core, so both engines run the
same SQL. Keys and values are stored as JSON.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from .core.store import Store
from .core.store.conversations import conversation_key
from .core.store.db import Database, Transaction
from .core.store.url import DatabaseURL

ConversationKey = tuple[int | str, ...]

UPDATE_INTERVAL = 1.0  # seconds between saves: a crash loses at most the last second of a draft


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Named when SQLite was the only engine; keeps its data in whichever database ``database`` names."""

    def __init__(self, database: str | Path | DatabaseURL):
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=UPDATE_INTERVAL,
        )
        self._database_url = DatabaseURL.of(database)
        self._store: Store | None = None
        self._opening = asyncio.Lock()
        # What each user's row holds (JSON), as last read or written here. python-telegram-bot
        # hands over every user who sent an update each second; a shopper's data (their language)
        # rarely changes, and writing it again would be a transaction per shopper per second for
        # nothing. The only other writer, a report's submission (``end_conversation``), tells
        # :meth:`forget` once it has committed.
        self._kept: dict[int, str] = {}

    async def store(self) -> Store:
        async with self._opening:
            if self._store is None:
                self._store = await Store.open(self._database_url)
            return self._store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    # --- what is kept ------------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        rows = await (await self._database()).fetch_all("SELECT user_id, data FROM user_data")
        self._kept = {r["user_id"]: r["data"] for r in rows}
        return {user_id: json.loads(data) for user_id, data in self._kept.items()}

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Write the user's data, unless their row already holds exactly this."""
        if not data:
            await self.drop_user_data(user_id)
            return
        text = json.dumps(data, ensure_ascii=False)
        if self._kept.get(user_id) == text:
            return
        async with (await self._database()).transaction() as tx:
            await _write_user_data(tx, user_id, text)
        self._kept[user_id] = text

    async def drop_user_data(self, user_id: int) -> None:
        """Always deleted: a report's submission may have written the row behind our back."""
        async with (await self._database()).transaction() as tx:
            await tx.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
        self._kept.pop(user_id, None)

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        rows = await (await self._database()).fetch_all("SELECT key, state FROM conversations WHERE name = ?", (name,))
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        async with (await self._database()).transaction() as tx:
            if new_state is None:
                await tx.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, conversation_key(key)))
            else:
                await _write_conversation(tx, name, key, new_state)

    async def keep_step(self, name: str, key: ConversationKey, state: object, user_id: int, data: dict[Any, Any]) -> None:
        """A conversation's new step and the user's data, committed together now, not at the next save.

        For a step the user is about to see: the periodic save may come a second later, and a bot
        killed in that second would come back (or a standby take over) a step behind, putting the
        user's next answer on the previous question.
        """
        text = json.dumps(data, ensure_ascii=False)
        async with (await self._database()).transaction() as tx:
            await _write_user_data(tx, user_id, text)
            await _write_conversation(tx, name, key, state)
        self._kept[user_id] = text

    def forget(self, user_id: int) -> None:
        """The user's row was written elsewhere (a report's transaction ends its draft): the next
        save writes whatever memory holds, rather than trusting a copy that may be stale."""
        self._kept.pop(user_id, None)

    async def _database(self) -> Database:
        return (await self.store()).database

    # --- what is not -------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not kept."""

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Bot data is not kept: the services in it are rebuilt at start."""

    async def get_callback_data(self) -> Any:
        return None

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is plain strings; nothing to keep."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """The in-memory copy is the current one."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not kept."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Bot data is not kept."""

    async def flush(self) -> None:
        """Every update is written when it is made."""


async def _write_user_data(tx: Transaction, user_id: int, text: str) -> None:
    await tx.execute(
        "INSERT INTO user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
        (user_id, text),
    )


async def _write_conversation(tx: Transaction, name: str, key: ConversationKey, state: object) -> None:
    await tx.execute(
        "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
        (name, conversation_key(key), json.dumps(state)),
    )
