"""A Telegram Bot API server on 127.0.0.1, so the real bot can be run without Telegram.

python-telegram-bot talks to it over HTTP through ``base_url``/``base_file_url``,
exactly as it talks to api.telegram.org: same routes, body encodings, JSON answers
and error codes. The simulated Telegram behind it is :class:`~bot.loopback.world.World`;
:class:`LoopbackBotAPI` is both that world and its HTTP server. Tests and
``authbot shell`` use it the same way::

    async with LoopbackBotAPI() as server:
        alice = server.user(1001, "Alice")
        async with running(server.app_builder().build()) as app:
            ...
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from http import HTTPStatus
from types import TracebackType
from typing import Any

import tornado.httputil
import tornado.netutil
import tornado.web
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest
from tornado.httpserver import HTTPServer

from .world import (
    BOT_DOWNLOAD_LIMIT,
    JSON,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    ApiError,
    CallbackAnswer,
    SentMessage,
    SimChat,
    StoredFile,
    World,
    bad_request,
    parse_html,
    utf16_len,
)

_LOG = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyApplicationBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]

DEFAULT_TOKEN = "123456789:LOOPBACK-test-token"

_FREE_TEXT = frozenset({"text", "caption", "description", "short_description", "name", "title", "url"})
"""Fields never JSON-decoded: a user's text "[1, 2]" must stay a string."""

_NO_GIFTS = dict.fromkeys(
    ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
)
"""``getChat`` must return ``accepted_gift_types``: python-telegram-bot 22 requires it."""

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_TOKEN_IN_PATH = re.compile(r"/(file/)?bot[^/]*")


class Params:
    """The arguments of one Bot API call, from a query string, form, multipart or JSON body.

    python-telegram-bot sends strings as-is and JSON-encodes everything else
    (numbers, booleans, ``reply_markup``, ``commands``...), so accessors coerce.
    """

    def __init__(
        self,
        values: dict[str, Any],
        uploads: dict[str, tornado.httputil.HTTPFile],
        connected: Callable[[], bool] = lambda: True,
    ) -> None:
        self._values = values
        self._uploads = uploads
        self.connected = connected  # whether the caller still listens for the answer

    @classmethod
    def from_request(cls, request: tornado.httputil.HTTPServerRequest) -> Params:
        if request.headers.get("Content-Type", "").startswith("application/json") and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            return cls(body, {}, _connected(request))
        values = {name: _decode(name, raw[-1].decode()) for name, raw in request.arguments.items()}
        return cls(values, {name: files[0] for name, files in request.files.items()}, _connected(request))

    def get(self, name: str) -> Any:
        return self._values.get(name)

    def require(self, name: str) -> Any:
        value = self._values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int:
        value: Any = self._values.get(name, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        return self._values.get(name) in (True, "true", "True", "1", 1)

    def upload(self, name: str) -> tornado.httputil.HTTPFile | None:
        """The multipart part for ``name``, sent directly or referenced as ``attach://<part>``."""
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self._uploads.get(value.removeprefix("attach://"))
        return self._uploads.get(name)


def _connected(request: tornado.httputil.HTTPServerRequest) -> Callable[[], bool]:
    """Whether the client of ``request`` is still connected (a killed bot's socket is closed)."""
    stream = getattr(request.connection, "stream", None)
    return lambda: stream is None or not stream.closed()


def _decode(name: str, raw: str) -> Any:
    if name in _FREE_TEXT or not raw.startswith(("{", "[")):
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, dict | list) else raw


def _scope_key(scope: JSON | None) -> str:
    """A readable key for a BotCommandScope: "default", "chat:-100500", "chat_member:-100500:1001"..."""
    if not scope:
        return "default"
    ids = [str(scope[key]) for key in ("chat_id", "user_id") if key in scope]
    return ":".join([scope["type"], *ids])


def _checked_markup(markup: Any) -> JSON | None:
    """Reject what Telegram rejects in an inline keyboard, most of all over-long callback_data."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_EMPTY")
            if len(button.get("callback_data", "").encode()) > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _render(raw: Any, params: Params) -> tuple[str, list[JSON]]:
    """Text as users see it, plus entities: rendered from HTML, or the bot's own ``entities``.

    Markdown parse modes are passed through unchecked; the project sends HTML.
    """
    text = "" if raw is None else str(raw)
    if str(params.get("parse_mode") or "").upper() == "HTML":
        return parse_html(text)
    return text, params.get("entities") or []


def _check_length(text: str, limit: int, too_long: str) -> None:
    if utf16_len(text) > limit:
        raise bad_request(too_long)


Method = Callable[[Params], Awaitable[Any]]


class BotApi:
    """The Bot API methods: each takes the call's Params and returns Telegram's ``result``."""

    def __init__(self, world: World) -> None:
        self.world = world
        methods: dict[str, Method] = {
            "getMe": self.get_me, "logOut": self.ok, "close": self.ok, "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook, "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info, "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands, "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message, "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup, "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query, "sendChatAction": self.send_chat_action,
            "sendDocument": self.send_document, "sendPhoto": self.send_photo, "getFile": self.get_file,
            "getChat": self.get_chat,
        }  # fmt: skip
        self._methods = {name.lower(): (name, method) for name, method in methods.items()}

    def resolve(self, method: str) -> tuple[str, Method]:
        """The canonical name and implementation; method names are case-insensitive, as on Telegram."""
        try:
            return self._methods[method.lower()]
        except KeyError:
            raise ApiError(404, "Not Found") from None

    async def ok(self, params: Params) -> bool:
        return True

    async def get_me(self, params: Params) -> JSON:
        capabilities = {"can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        return self.world.bot | capabilities

    async def get_updates(self, params: Params) -> list[JSON]:
        if self.world.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook first")
        offset = params.integer("offset") if params.get("offset") is not None else None
        limit = min(max(params.integer("limit", 100), 1), 100)
        timeout = float(params.integer("timeout", 0))
        return await self.world.get_updates(offset, limit, timeout, params.get("allowed_updates"), params.connected)

    async def set_webhook(self, params: Params) -> bool:
        self.world.webhook_url = str(params.require("url"))
        return True

    async def delete_webhook(self, params: Params) -> bool:
        self.world.webhook_url = ""
        if params.flag("drop_pending_updates"):
            self.world.drop_pending_updates()
        return True

    async def get_webhook_info(self, params: Params) -> JSON:
        return {
            "url": self.world.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.world.pending_update_count,
        }

    async def set_my_commands(self, params: Params) -> bool:
        commands = params.require("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        self.world.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def get_my_commands(self, params: Params) -> list[JSON]:
        return self.world.commands.get((_scope_key(params.get("scope")), params.get("language_code") or ""), [])

    async def delete_my_commands(self, params: Params) -> bool:
        self.world.commands.pop((_scope_key(params.get("scope")), params.get("language_code") or ""), None)
        return True

    async def send_message(self, params: Params) -> JSON:
        chat = self.world.chat(params.require("chat_id"))
        text, entities = _render(params.get("text"), params)
        if not text.strip():
            raise bad_request("message text is empty")
        _check_length(text, MAX_TEXT_LENGTH, "message is too long")
        return self._send(chat, "sendMessage", params, {"text": text, "entities": entities}).wire

    async def send_document(self, params: Params) -> JSON:
        return self._send_file(params, "document", "sendDocument")

    async def send_photo(self, params: Params) -> JSON:
        return self._send_file(params, "photo", "sendPhoto")

    async def edit_message_text(self, params: Params) -> JSON:
        previous = self._editable(params)
        if "text" not in previous.wire:
            raise bad_request("there is no text in the message to edit")
        text, entities = _render(params.get("text"), params)
        if not text.strip():
            raise bad_request("message text is empty")
        _check_length(text, MAX_TEXT_LENGTH, "message is too long")
        markup = _checked_markup(params.get("reply_markup"))
        wire = self._edited(previous.wire, {"text": text, "entities": entities}, markup)
        changes = {"text": params.get("text"), "parse_mode": params.get("parse_mode"), "reply_markup": markup}
        return self.world.record(replace(previous, method="editMessageText", wire=wire, **changes)).wire

    async def edit_message_reply_markup(self, params: Params) -> JSON:
        previous = self._editable(params)
        markup = _checked_markup(params.get("reply_markup"))
        wire = self._edited(previous.wire, {}, markup)
        edit = replace(previous, method="editMessageReplyMarkup", reply_markup=markup, wire=wire)
        return self.world.record(edit).wire

    async def delete_message(self, params: Params) -> bool:
        chat = self.world.chat(params.require("chat_id"))
        message_id = params.integer("message_id")
        chat.forget(message_id)
        self.world.deleted.append((chat.id, message_id))
        return True

    async def answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.require("callback_query_id"))
        self.world.answer_query(CallbackAnswer(query_id, params.get("text"), params.flag("show_alert"), params.get("url")))
        return True

    async def send_chat_action(self, params: Params) -> bool:
        chat = self.world.chat(params.require("chat_id"))
        self.world.chat_actions.append((chat.id, str(params.require("action"))))
        return True

    async def get_file(self, params: Params) -> JSON:
        stored = self.world.file(str(params.require("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > BOT_DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return stored.as_file()

    async def get_chat(self, params: Params) -> JSON:
        chat = self.world.chat(params.require("chat_id"))
        return chat.wire | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": _NO_GIFTS}

    def _send(self, chat: SimChat, method: str, params: Params, content: JSON, stored: StoredFile | None = None) -> SentMessage:
        """Turn a send call into a Message from the bot, record it, and show it in the chat."""
        markup = _checked_markup(params.get("reply_markup"))
        if markup and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
            content = content | {"reply_markup": markup}
        wire = chat.new_message(self.world.bot, content, self._reply_to(chat, params))
        raw = params.get("text") if method == "sendMessage" else params.get("caption")
        record = SentMessage(method, chat.id, wire["message_id"], raw, params.get("parse_mode"), markup, wire, stored)
        return self.world.record(record)

    def _send_file(self, params: Params, name: str, method: str) -> JSON:
        chat = self.world.chat(params.require("chat_id"))
        stored = self._input_file(params, name)
        attachment = stored.as_document() if name == "document" else stored.as_photo()
        return self._send(chat, method, params, {name: attachment, **self._caption(params)}, stored).wire

    @staticmethod
    def _reply_to(chat: SimChat, params: Params) -> int | None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict) or "message_id" not in reply:
            return None
        if int(reply["message_id"]) not in chat.messages and reply.get("allow_sending_without_reply"):
            return None
        return int(reply["message_id"])

    @staticmethod
    def _caption(params: Params) -> JSON:
        caption, entities = _render(params.get("caption"), params)
        _check_length(caption, MAX_CAPTION_LENGTH, "message caption is too long")
        return {"caption": caption, "caption_entities": entities}

    def _input_file(self, params: Params, name: str) -> StoredFile:
        """An uploaded part becomes a new stored file; a string must be the file_id of a known one."""
        upload = params.upload(name)
        if upload is not None:
            folder = "documents" if name == "document" else "photos"
            file_name, mime_type = upload.filename or None, upload.content_type or None
            return self.world.store_file(folder, upload.body, file_name=file_name, mime_type=mime_type)
        stored = self.world.file(str(params.require(name)))
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def _editable(self, params: Params) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not simulated by the loopback server")
        chat = self.world.chat(params.require("chat_id"))
        message_id = params.integer("message_id")
        if message_id in chat.bot_messages:
            return chat.bot_messages[message_id]
        raise bad_request("message can't be edited" if message_id in chat.messages else "message to edit not found")

    @staticmethod
    def _edited(previous: JSON, changes: JSON, markup: JSON | None) -> JSON:
        """The message after an edit; an edit without ``reply_markup`` drops the keyboard, as on Telegram."""
        wire = {key: value for key, value in previous.items() if key not in ("reply_markup", "edit_date")}
        for key, value in changes.items():
            if value:
                wire[key] = value
            else:
                wire.pop(key, None)
        if markup and "inline_keyboard" in markup:
            wire["reply_markup"] = markup
        if _visible(wire) == _visible(previous):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same"
                " as a current content and reply markup of the message"
            )
        return wire | {"edit_date": int(time.time())}


def _visible(message: JSON) -> tuple[Any, ...]:
    return tuple(message.get(key) for key in ("text", "entities", "caption", "caption_entities", "reply_markup"))


# --- HTTP --------------------------------------------------------------------------------------


def _redacted(path: str) -> str:
    """The request path with the token cut out: it is in every URL and must never reach a log."""
    return _TOKEN_IN_PATH.sub(lambda match: f"/{match.group(1) or ''}bot<token>", path)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    request = handler.request
    status, elapsed = handler.get_status(), 1000 * request.request_time()
    _LOG.debug("%s %s -> %d in %.1f ms", request.method, _redacted(request.path), status, elapsed)


class _Handler(tornado.web.RequestHandler):
    """JSON answers, and error logging that never shows the token (tornado's would log the URL)."""

    def initialize(self, server: LoopbackBotAPI) -> None:
        self.server = server

    def answer(self, status: int, body: JSON) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.answer(status_code, {"ok": False, "error_code": status_code, "description": self._reason})

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        where = f"{self.request.method} {_redacted(self.request.path)}"
        if isinstance(value, tornado.web.HTTPError):
            _LOG.warning("%s: %s", where, value.status_code)
        else:
            _LOG.error("%s failed", where, exc_info=(typ, value, tb) if typ and value else None)


class _ApiHandler(_Handler):
    async def post(self, token: str, method: str) -> None:
        try:
            result = await self.server.dispatch(token, method, self.request)
        except ApiError as error:
            self.answer(error.error_code, error.body())
        else:
            self.answer(HTTPStatus.OK, {"ok": True, "result": result})

    get = post  # Telegram accepts GET with a query string too


class _FileHandler(_Handler):
    def get(self, token: str, file_path: str) -> None:
        stored = self.server.file_at(file_path)
        if token != self.server.token:
            self.answer(HTTPStatus.UNAUTHORIZED, ApiError(401, "Unauthorized").body())
        elif stored is None:
            self.answer(HTTPStatus.NOT_FOUND, ApiError(404, "Not Found").body())
        else:
            self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
            self.finish(stored.data)


class _NotFoundHandler(_Handler):
    def prepare(self) -> None:
        self.answer(HTTPStatus.NOT_FOUND, ApiError(404, "Not Found").body())


class LoopbackBotAPI(World):
    """The simulated Telegram (:class:`World`: users, chats, records) served over HTTP.

    One instance serves one run: ``start()``, point the bot at :attr:`base_url` and
    :attr:`base_file_url` (or use :meth:`app_builder`), ``stop()``. Also an async
    context manager. ``port=0`` picks a free port.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "authbot",
        bot_name: str = "AuthBot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(token, bot_username, bot_name)
        self.host = host
        self.port = port
        self._api = BotApi(self)
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._outage: ApiError | None = None
        self._http: HTTPServer | None = None

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``; python-telegram-bot appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> LoopbackBotAPI:
        routes = [
            (r"/bot([^/]+)/([A-Za-z]+)/?", _ApiHandler, {"server": self}),
            (r"/file/bot([^/]+)/(.+)", _FileHandler, {"server": self}),
        ]
        app = tornado.web.Application(
            routes,
            default_handler_class=_NotFoundHandler,
            default_handler_args={"server": self},
            log_function=_log_request,
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.host, family=socket.AF_INET)
        self._http = HTTPServer(app)
        self._http.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Answer pending long polls, then close the listener and every connection."""
        self.close()
        if self._http is not None:
            self._http.stop()
            await self._http.close_all_connections()
            self._http = None

    async def __aenter__(self) -> LoopbackBotAPI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def fail_next(self, method: str, error_code: int = 429, retry_after: int = 1, description: str | None = None) -> None:
        """Make the next call of ``method`` fail; by default with flood control (python-telegram-bot's RetryAfter).

        Other codes give other exceptions: 400 BadRequest, 403 Forbidden ("bot was blocked
        by the user"), 409 Conflict, 5xx NetworkError. Calls queue up: two ``fail_next``
        fail the next two calls.
        """
        try:
            name, _ = self._api.resolve(method)
        except ApiError:
            raise ValueError(f"unknown Bot API method {method!r}") from None
        if error_code == 429:
            error = ApiError(429, description or f"Too Many Requests: retry after {retry_after}", retry_after)
        else:
            error = ApiError(error_code, description or f"{HTTPStatus(error_code).phrase}: simulated failure")
        self._failures[name.lower()].append(error)

    @contextmanager
    def outage(self, error_code: int = 502) -> Iterator[None]:
        """Every call fails with ``error_code`` (502: the Bot API's gateway is down) until the block ends.

        python-telegram-bot raises 5xx answers as NetworkError, as when Telegram cannot be reached.
        """
        self._outage = ApiError(error_code, f"{HTTPStatus(error_code).phrase}: simulated outage")
        try:
            yield
        finally:
            self._outage = None

    async def dispatch(self, token: str, method: str, request: tornado.httputil.HTTPServerRequest) -> Any:
        """One Bot API call: check the token, find the method, apply an injected failure, run it."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if self._outage is not None:
            raise self._outage
        name, implementation = self._api.resolve(method)
        failures = self._failures.get(name.lower())
        if failures:
            raise failures.popleft()
        return await implementation(Params.from_request(request))

    def app_builder(self) -> AnyApplicationBuilder:
        """An ApplicationBuilder aimed at this server.

        httpx is told to ignore proxy variables: with HTTP_PROXY set, calls to 127.0.0.1
        would otherwise go to the proxy.
        """
        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
            .request(HTTPXRequest(httpx_kwargs={"trust_env": False}))
            .get_updates_request(HTTPXRequest(httpx_kwargs={"trust_env": False}))
        )


@asynccontextmanager
async def running(app: AnyApplication, *, poll_timeout: int = 10) -> AsyncIterator[AnyApplication]:
    """Run ``app`` with long polling in the current event loop, and always stop it.

    ``run_polling()`` blocks, installs signal handlers and closes the loop, so tests and
    the shell use this. It runs the hooks ``run_polling`` would (``initialize()`` alone
    skips ``post_init``), hands polling errors to the error handlers as it does, and stops in
    ``finally``, so a crash is not masked by "This Application is still running!".
    """
    updater = app.updater
    if updater is None:
        raise ValueError("running() polls for updates: build the Application with an Updater")
    try:
        async with app:
            if app.post_init is not None:
                await app.post_init(app)
            await updater.start_polling(poll_interval=0, timeout=poll_timeout, error_callback=_to_error_handlers(app))
            await app.start()
            try:
                yield app
            finally:
                if updater.running:  # it may have stopped itself (a leader that stepped down)
                    await updater.stop()
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def _to_error_handlers(app: AnyApplication) -> Callable[[TelegramError], None]:
    """What ``run_polling`` does with a failed getUpdates: the application's error handlers get it, with no update."""

    def hand_over(error: TelegramError) -> None:
        app.create_task(app.process_error(update=None, error=error))

    return hand_over
