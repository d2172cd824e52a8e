"""Wiring: the python-telegram-bot Application, its handlers, and how it runs.

``build_application`` is used by ``authbot run`` (real Telegram or a self-hosted Bot API),
``authbot shell`` (the project's loopback server) and the tests, so all three run the same bot.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
)
from telegram.request import HTTPXRequest

from .config import Settings, check_token
from .core.library import GuideLibrary
from .core.services import Services
from .core.store.leader import Leadership
from .handlers import admin, enforcement, reports, shoppers, staff
from .handlers.common import Context
from .logs import configure_logging
from .persistence import SqlitePersistence
from .texts import Lang, say

# The Application and its builder as this bot uses them (types for mypy; any context types).
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]

log = logging.getLogger("authbot")
NOTIFY_INTERVAL = 2.0  # seconds between deliveries of queued status changes to shoppers
REPLY_CONNECTIONS = 256  # python-telegram-bot's default for the bot's requests
WATCH = "bot_api_watch"
LEADERSHIP = "leadership_watch"

# (command, zh description, en description), in menu order.
COMMANDS = [
    ("start", "开始使用 · 能问什么", "Start · what you can ask"),
    ("brands", "按品类浏览合作品牌", "Browse partner brands"),
    ("report", "举报疑似假货", "Report a suspected fake"),
    ("myreports", "我的举报和进度", "My reports and their status"),
    ("whoami", "我的身份和权限", "Who am I (roles)"),
    ("help", "帮助", "Help"),
]


class PerChatOrder(BaseUpdateProcessor):
    """Updates from different chats run concurrently; updates from one chat run in order.

    Fifty shoppers asking at once should not wait for each other, but one shopper's replies
    must arrive in the order of their messages, and a conversation must see its steps in order.
    """

    def __init__(self, max_concurrent_updates: int = 256):
        super().__init__(max_concurrent_updates)
        self._chats: dict[object, tuple[asyncio.Lock, int]] = {}  # chat -> (its lock, updates holding it)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        lock, holders = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, holders + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, holders = self._chats[key]
            if holders == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, holders - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> object:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return id(update)


def builder_for(settings: Settings) -> AnyBuilder:
    """An ApplicationBuilder for the configured token and Bot API server."""
    builder = ApplicationBuilder().token(settings.token or "")
    if settings.api_url:
        base_url = settings.api_url.rstrip("/")
        builder = builder.base_url(base_url).base_file_url(file_url_for(base_url))
        if is_loopback(base_url):  # never send a loopback call through an HTTP proxy
            # The same pool as python-telegram-bot gives its own default request (one connection
            # would serialise every reply); getUpdates needs only one.
            replies = HTTPXRequest(connection_pool_size=REPLY_CONNECTIONS, httpx_kwargs={"trust_env": False})
            builder = builder.request(replies).get_updates_request(HTTPXRequest(httpx_kwargs={"trust_env": False}))
    return builder


def file_url_for(base_url: str) -> str:
    """``http://host:8081/bot`` → ``http://host:8081/file/bot`` (files live under the same root)."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    root, _, last = path.rpartition("/")
    return parts._replace(path=f"{root}/file/{last or 'bot'}").geturl()


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def flood_limiter(per_second: int) -> AIORateLimiter | None:
    """Telegram's flood limits: ``per_second`` messages to all chats together, 20 a minute per
    group, retrying a 429 three times. None (no limiter) for 0: a local Bot API server or paid
    broadcasts have no such limit, and the limiter's bookkeeping is then pure cost."""
    if per_second <= 0:
        return None
    return AIORateLimiter(overall_max_rate=per_second, overall_time_period=1, max_retries=3)


def build_application(
    settings: Settings,
    library: GuideLibrary,
    builder: AnyBuilder | None = None,
    *,
    rate_limiter: AIORateLimiter | None = None,
    leadership: Leadership | None = None,
    on_step_down: Callable[[AnyApplication], None] | None = None,
) -> AnyApplication:
    """The bot: handlers for every role, error handling, flood limits, per-chat ordering.

    The store (shared with the conversation persistence) is opened in ``post_init``, inside the
    running event loop, and closed in ``post_shutdown``. With ``leadership`` (``authbot run``; on
    PostgreSQL, :mod:`bot.core.store.leader`), acquired before the
    application is initialised: a leader that loses its database connection stops polling and its
    jobs, then calls ``on_step_down`` (``authbot run`` stops, to be started again as a standby).
    """

    persistence = SqlitePersistence(settings.database)

    async def post_init(app: AnyApplication) -> None:
        if leadership is not None:
            app.bot_data[LEADERSHIP] = asyncio.create_task(
                leadership.watch(lambda: step_down(app, on_step_down)), name="authbot:leadership"
            )
        store = await persistence.store()
        app.bot_data["services"] = Services(
            store, library, settings.data_dir, settings.database, settings.admin_ids, settings.console_url
        )
        store.answer_log.start()  # answers and votes are committed in batches, off the reply path
        await register_commands(app)
        assert app.job_queue is not None
        app.job_queue.run_repeating(reports.deliver_notifications, interval=NOTIFY_INTERVAL, first=1, name="notify")

    async def post_shutdown(app: AnyApplication) -> None:
        watch = app.bot_data.pop(LEADERSHIP, None)
        if watch is not None:
            watch.cancel()
        if leadership is not None:
            await leadership.release()
        services = app.bot_data.pop("services", None)
        if services is not None:
            await services.store.answer_log.close()  # the last second of answers and votes
        await persistence.close()

    builder = (builder or builder_for(settings)).concurrent_updates(PerChatOrder()).persistence(persistence)
    limiter = rate_limiter or flood_limiter(settings.rate_limit)
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    app.add_handlers([*reports.handlers(), *enforcement.handlers(), *admin.handlers(), *staff.handlers(), *shoppers.handlers()])
    app.add_handlers(shoppers.last_handlers())
    app.bot_data[WATCH] = BotApiWatch()
    app.add_error_handler(on_error)
    return app


async def step_down(app: AnyApplication, then: Callable[[AnyApplication], None] | None = None) -> None:
    """No longer the leader: stop polling and the jobs at once (another instance takes over)."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.job_queue is not None:
        for job in app.job_queue.jobs():
            job.enabled = False
    if then is not None:
        then(app)


async def register_commands(app: AnyApplication) -> None:
    """The command menu, in Chinese for Chinese clients and in English for everyone else."""
    await app.bot.set_my_commands([BotCommand(c, en) for c, _, en in COMMANDS], scope=BotCommandScopeDefault())
    await app.bot.set_my_commands(
        [BotCommand(c, zh) for c, zh, _ in COMMANDS], scope=BotCommandScopeDefault(), language_code="zh"
    )


async def on_error(update: object, context: Context) -> None:
    """Log the failure with the update id; tell the user something went wrong, without internals.

    Polling failures (no update) while the Bot API is unreachable go to the application's
    :class:`BotApiWatch` instead: one warning per outage, not a traceback per retry.
    """
    if update is None and isinstance(context.error, NetworkError):
        context.application.bot_data[WATCH].failed(context.application, context.error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang: Lang = "en" if update.effective_user and (update.effective_user.language_code or "zh")[:2] not in ("zh", "") else "zh"
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(html.unescape(say("error", lang)), show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, say("error", lang), parse_mode=ParseMode.HTML)
    except Exception:  # the chat may be gone; the failure is logged already
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


class BotApiWatch:
    """While the Bot API is unreachable, polling retries every few seconds; each retry would be a
    logged failure. Instead: one WARNING when an outage starts, one INFO line when it answers again
    (checked with getMe, every PROBE_SECONDS, while the application runs)."""

    PROBE_SECONDS = 2.0

    def __init__(self) -> None:
        self._since: float | None = None

    def failed(self, app: AnyApplication, error: NetworkError) -> None:
        if self._since is not None:
            log.debug("Bot API still unreachable: %s", error.message)
            return
        self._since = time.monotonic()
        log.warning("Bot API unreachable (%s); retrying quietly until it answers again", error.message)
        app.create_task(self._until_reachable(app), name="authbot:bot-api-watch")

    async def _until_reachable(self, app: AnyApplication) -> None:
        while app.running and self._since is not None:
            await asyncio.sleep(self.PROBE_SECONDS)
            try:
                await app.bot.get_me()
            except NetworkError:
                continue
            log.info("Bot API reachable again after %.0f s", time.monotonic() - self._since)
            self._since = None


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates when the bot runs behind a reverse proxy."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str | None = None


def run(settings: Settings, webhook: Webhook | None = None) -> None:
    """Run the real bot until interrupted: long polling, or a webhook server."""
    token = check_token(settings.token)
    settings = settings.with_overrides(token=token)
    configure_logging(settings.log_level, [token])
    library = GuideLibrary.open(settings.guides_dir, settings.vectors_dir)
    for error in library.catalog.errors:
        log.warning("tip file skipped: %s", error)
    log.info("serving %d brands from %s; data in %s", len(library.catalog.brands), settings.guides_dir, settings.data_dir)
    # On PostgreSQL, one of several `authbot run` leads; the others stand by. A leader that loses
    # the database stops and exits with an error, so its service manager (Restart=on-failure)
    # starts it again, as a standby.
    stepped_down: list[bool] = []

    def stop(stopped: AnyApplication) -> None:
        stepped_down.append(True)
        stopped.stop_running()

    # Stand by until this process leads, before the Application is initialised: python-telegram-bot
    # reads the persistence (conversation steps, report drafts) once, in initialize(). A standby
    # initialised at its own start would take over hours later with the conversations of that
    # moment: a shopper half-way through /report would be answered at a forgotten step.
    leadership = Leadership(settings.database)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling/run_webhook go on in this loop, with the lock's connection
    try:
        loop.run_until_complete(leadership.acquire())
    except KeyboardInterrupt:
        log.info("stopped while standing by")
        loop.run_until_complete(leadership.release())
        loop.close()
        return
    app = build_application(settings, library, leadership=leadership, on_step_down=stop)
    if webhook is None:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    else:
        _serve_webhook(app, webhook)
    if stepped_down:
        raise SystemExit("authbot: lost the database connection that made this instance the leader; exiting")


def _serve_webhook(app: AnyApplication, webhook: Webhook) -> None:
    secret = webhook.secret_token or secrets.token_urlsafe(32)
    app.run_webhook(
        listen=webhook.listen,
        port=webhook.port,
        url_path=urlsplit(webhook.url).path.lstrip("/"),
        webhook_url=webhook.url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )
