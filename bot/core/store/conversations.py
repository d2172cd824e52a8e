"""Where a conversation ends together with what it produced: the persisted conversation step and
the user's data (the report draft), written inside another repository's transaction.

The bot's persistence (:mod:`bot.persistence`) keeps these two tables up to date once a second;
a submitted report cannot wait for that: its draft must end in the transaction that stores it,
or a crash in between leaves the shopper on the summary with a draft that submits a second time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .db import Write


def conversation_key(key: tuple[int | str, ...]) -> str:
    """How a conversation's key is stored (JSON of its parts), here and by the persistence."""
    return json.dumps(list(key))


@dataclass(frozen=True, slots=True)
class ConversationEnd:
    """A conversation to end and the user data left once its draft is gone."""

    name: str
    key: tuple[int | str, ...]
    user_id: int
    user_data: dict[str, Any]  # what is left; empty: the user's row goes


def ending_writes(ends: Sequence[ConversationEnd]) -> list[Write]:
    """What ends each conversation and leaves its user's data as it says: a few statements for a
    whole batch of reports. Where one user ends several, the last one's user data stays, as if
    each had been written in turn."""
    left = {end.user_id: end.user_data for end in ends}
    return [
        ("DELETE FROM conversations WHERE name = ? AND key = ?", [(end.name, conversation_key(end.key)) for end in ends]),
        (
            "INSERT INTO user_data (user_id, data) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
            [(user_id, json.dumps(data, ensure_ascii=False)) for user_id, data in left.items() if data],
        ),
        ("DELETE FROM user_data WHERE user_id = ?", [(user_id,) for user_id, data in left.items() if not data]),
    ]
