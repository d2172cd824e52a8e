"""Shared fixtures: a loopback Telegram Bot API server, and real Applications aimed at it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from telegram.ext import BaseHandler

from bot.loopback import AnyApplication, LoopbackBotAPI, running

# httpx logs every request URL at INFO, and the URL holds the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)

PostInit = Callable[[AnyApplication], Coroutine[Any, Any, None]]
MakeApp = Callable[..., AbstractAsyncContextManager[AnyApplication]]


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackBotAPI]:
    """A started loopback server on a free port, stopped after the test."""
    async with LoopbackBotAPI() as server:
        yield server


@pytest.fixture
def make_app(loopback: LoopbackBotAPI) -> MakeApp:
    """``async with make_app(*handlers, post_init=...) as app:`` runs a real Application, polling ``loopback``.

    The Application is stopped when the block exits, even if the test fails inside it.
    """

    @asynccontextmanager
    async def make(
        *handlers: BaseHandler[Any, Any, Any], post_init: PostInit | None = None
    ) -> AsyncIterator[AnyApplication]:
        builder = loopback.app_builder()
        if post_init is not None:
            builder = builder.post_init(post_init)
        app = builder.build()
        app.add_handlers(handlers)
        async with running(app) as started:
            yield started

    return make
