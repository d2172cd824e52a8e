"""The answer log: answers, votes and unanswered questions committed in batches, off the reply
path, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
from helpers import rows

from bot.config import Settings
from bot.core.store import Store
from bot.core.store import answer_log as answer_log_module
from bot.core.store.answer_log import FLUSH_SECONDS
from bot.loopback import LoopbackBotAPI


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()


async def counts(store: Store) -> tuple[int, int, int]:
    db = store.database
    return (
        await db.scalar("SELECT COUNT(*) FROM answered"),
        await db.scalar("SELECT COUNT(*) FROM feedback"),
        await db.scalar("SELECT COUNT(*) FROM unanswered"),
    )


async def test_queued_entries_are_committed_together_and_a_pending_answer_is_found_first(store: Store) -> None:
    log = store.answer_log
    log.answer(100, 1, "瓶盖怎么看", "moutai", "cap")
    log.feedback(7, "moutai", "cap", -1, "瓶盖怎么看")
    log.unanswered("防伪码在哪", 0.2, "moutai")
    assert await counts(store) == (0, 0, 0)  # nothing written on the reply path
    assert log.pending == 3
    assert await log.answered_question(100, 1) == "瓶盖怎么看"  # from the queue
    await log.flush()
    assert await counts(store) == (1, 1, 1)
    assert log.pending == 0
    assert await log.answered_question(100, 1) == "瓶盖怎么看"  # from the database now
    assert await log.answered_question(100, 2) is None
    missed = await store.answers.missed_phrasings("moutai")
    assert sorted((p.key[0], p.question) for p in missed) == [("f", "瓶盖怎么看"), ("u", "防伪码在哪")]


async def test_the_flush_task_commits_within_a_second_and_closing_commits_the_rest(database_url: str) -> None:
    store = await Store.open(database_url)
    try:
        store.answer_log.unanswered("第一句", 0.1)
        await asyncio.sleep(FLUSH_SECONDS + 0.5)
        assert await counts(store) == (0, 0, 1)
        store.answer_log.unanswered("第二句", 0.1)
    finally:
        await store.close()  # commits the second before the database closes
    reopened = await Store.open(database_url)
    try:
        assert await counts(reopened) == (0, 0, 2)
    finally:
        await reopened.close()


async def test_a_batch_the_database_refuses_is_kept_for_the_next_flush(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    real = answer_log_module.write_feedback

    async def refuse(*args: object) -> None:
        raise RuntimeError("database away")

    monkeypatch.setattr(answer_log_module, "write_feedback", refuse)
    store.answer_log.answer(100, 1, "瓶盖怎么看", "moutai", "cap")
    store.answer_log.feedback(7, "moutai", "cap", 1, "瓶盖怎么看")
    with pytest.raises(RuntimeError):
        await store.answer_log.flush()
    assert await counts(store) == (0, 0, 0)  # the whole batch rolled back together
    assert await store.answer_log.answered_question(100, 1) == "瓶盖怎么看"
    monkeypatch.setattr(answer_log_module, "write_feedback", real)
    store.answer_log.unanswered("防伪码在哪", 0.2)
    await store.answer_log.flush()
    assert await counts(store) == (1, 1, 1)


async def test_a_vote_right_after_the_answer_keeps_its_question_and_stopping_commits_both(
    loopback: LoopbackBotAPI, authbot, settings: Settings, database_url: str
) -> None:
    alice = loopback.user(1001, "Alice")
    async with authbot(database_url=database_url):
        await alice.send("茅台瓶盖怎么看")
        answer = await alice.next_reply()
        await alice.press(answer, "👎")  # within the second: the answer may still be queued
        await alice.next_edit()
        await alice.send("香奈儿包怎么辨别真假")
        await alice.next_reply()
    # stopped: post_shutdown committed whatever the last second queued
    assert rows(settings_on(settings, database_url), "SELECT user_id, vote, question FROM feedback") == [
        (1001, -1, "茅台瓶盖怎么看")
    ]
    assert rows(settings_on(settings, database_url), "SELECT question FROM answered") == [("茅台瓶盖怎么看",)]
    assert rows(settings_on(settings, database_url), "SELECT question FROM unanswered") == [("香奈儿包怎么辨别真假",)]


def settings_on(settings: Settings, database_url: str) -> Settings:
    return dataclasses.replace(settings, database_url=database_url)
