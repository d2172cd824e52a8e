"""Shared fixtures: a loopback Telegram Bot API server, real Applications aimed at it, and a
fresh database on each engine (``database_url``)."""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from databases import PostgresServer, find_postgres_server, fresh_postgres_database
from starlette.testclient import TestClient
from telegram.ext import AIORateLimiter, BaseHandler
from web_helpers import CONSOLE_URL, seed

from bot.app import build_application
from bot.config import Settings
from bot.core.library import GuideLibrary
from bot.loopback import AnyApplication, LoopbackBotAPI, running
from bot.web.app import create_app

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
    async def make(*handlers: BaseHandler[Any, Any, Any], post_init: PostInit | None = None) -> AsyncIterator[AnyApplication]:
        builder = loopback.app_builder()
        if post_init is not None:
            builder = builder.post_init(post_init)
        app = builder.build()
        app.add_handlers(handlers)
        async with running(app) as started:
            yield started

    return make


# --- the authbot application itself ----------------------------------------------------------

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUNDLED_GUIDES = ROOT / "brand_guides"


@pytest.fixture
def settings(tmp_path: pathlib.Path) -> Settings:
    """A copy of the bundled guides (uploads change it), a fresh data directory, one admin (user 1)."""
    guides = tmp_path / "guides"
    shutil.copytree(BUNDLED_GUIDES, guides)
    return Settings(guides_dir=guides, data_dir=tmp_path / "data", admin_ids=frozenset({1}))


@pytest.fixture
def authbot(loopback: LoopbackBotAPI, settings: Settings) -> Callable[..., AbstractAsyncContextManager[AnyApplication]]:
    """``async with authbot() as app:`` runs the real authbot Application against the loopback server."""

    @asynccontextmanager
    async def start(library: GuideLibrary | None = None, **overrides: Any) -> AsyncIterator[AnyApplication]:
        config = dataclasses.replace(settings, **overrides)
        app = build_application(
            config,
            library or GuideLibrary.open(config.guides_dir),
            loopback.app_builder(),
            rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0),
        )
        async with running(app, poll_timeout=1) as started:
            yield started

    return start


# --- the database, on SQLite and on PostgreSQL ----------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL of this run (AUTHBOT_TEST_DATABASE_URL or PG* variables), looked for once."""
    return find_postgres_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    """A fresh, empty database for the test, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'authbot.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with fresh_postgres_database(server.require()) as url:
        yield url


# --- the real-browser tests ------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the Debian Chromium through chromedriver (CI installs them)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under CI=true a skipped browser test is a failure: CI must prove the console in a real browser."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("browser") is not None and os.environ.get("CI") == "true":
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI=true (install chromium and chromium-driver): {report.longrepr}"


# --- the web console ------------------------------------------------------------------------


@pytest.fixture
def console_settings(settings: Settings) -> Settings:
    """The bot's settings with the console's public address set (so /console hands out links)."""
    return dataclasses.replace(settings, console_url=CONSOLE_URL)


@pytest.fixture
def ids(console_settings: Settings) -> dict[str, int]:
    """The people and reports of web_helpers.seed, by name."""
    return seed(console_settings)


@pytest.fixture
def client(console_settings: Settings, ids: dict[str, int]) -> Iterator[TestClient]:
    """The console over HTTP (Starlette's test client), on a seeded database."""
    with TestClient(create_app(console_settings), base_url=CONSOLE_URL) as test_client:
        yield test_client
