"""The simulated Telegram behind the loopback Bot API server.

The world keeps what Telegram itself keeps: users, chats and their messages, the
queue of updates waiting for ``getUpdates``, uploaded files, and a record of
everything the bot did. Tests and ``authbot shell`` act on it as people, through
:class:`SimUser`; the HTTP layer (:mod:`bot.loopback.server`) acts on it for the bot.
Nothing here does network I/O.

Objects on the wire are plain dicts shaped like the Bot API's (``Message``,
``User``, ``Chat``, ``MessageEntity``...), so the real python-telegram-bot client
parses exactly what Telegram would send it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

JSON = dict[str, Any]

DEFAULT_TIMEOUT = 5.0
"""Seconds a test waits for the bot before failing; generous, the loopback is fast."""

BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64


@dataclass
class _Poll:
    """A getUpdates call waiting for updates, and whether its caller still listens."""

    connected: Callable[[], bool]
    ended: bool = False


class ApiError(Exception):
    """A Bot API error answer; the server sends :meth:`body` with ``error_code`` as HTTP status."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        """The JSON error object, with ``parameters.retry_after`` when flood control applies."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 worded like Telegram's, which python-telegram-bot raises as ``BadRequest``."""
    return ApiError(400, f"Bad Request: {reason}")


class NoReply(AssertionError):
    """The bot did not do what a test waited for in time; an AssertionError so pytest reports it plainly."""


# --- text: UTF-16 offsets, entities of typed text, Telegram's HTML ---------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of MessageEntity offsets (emoji count as 2)."""
    return len(text.encode("utf-16-le")) // 2


_TYPED_ENTITY = re.compile(
    r"(?<!\S)(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?![A-Za-z0-9_])"
    r"|(?<![A-Za-z0-9_@.])(@[A-Za-z0-9_]{3,32})"
)


def typed_entities(text: str) -> list[JSON]:
    """The entities Telegram attaches to text a person types: bot commands and @mentions.

    python-telegram-bot routes a message to a ``CommandHandler`` only when it carries a
    ``bot_command`` entity at offset 0, so simulated users must get them like real ones.
    """
    return [
        {
            "type": "bot_command" if match.group(1) else "mention",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _TYPED_ENTITY.finditer(text)
    ]


_HTML_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z][A-Za-z0-9-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_HTML_ATTRIBUTE = re.compile(r"([A-Za-z][A-Za-z0-9-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_HTML_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PLAIN_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}  # fmt: skip


def _html_error(text: str, position: int, problem: str) -> ApiError:
    byte_offset = len(text[:position].encode())
    return bad_request(f"can't parse entities: {problem} at byte offset {byte_offset}")


def _entity_char(number: str | None, hex_number: str | None, name: str | None) -> str | None:
    if name:
        return _NAMED_ENTITIES[name]
    code = int(number, 10) if number else int(hex_number or "0", 16)
    return chr(code) if 0 < code <= 0x10FFFF else None


def _attributes(raw: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _HTML_ATTRIBUTE.finditer(raw)}


@dataclass
class _OpenTag:
    name: str
    offset: int
    entity: JSON | None


def _open_tag(name: str, attributes: dict[str, str], stack: list[_OpenTag]) -> JSON | None:
    """The entity a start tag opens (None for tags that format nothing), or raise if unsupported."""
    if name in _PLAIN_TAGS:
        language = attributes.get("class", "")
        if name == "code" and stack and stack[-1].name == "pre" and language.startswith("language-"):
            assert stack[-1].entity is not None
            stack[-1].entity["language"] = language.removeprefix("language-")
            return None
        return {"type": _PLAIN_TAGS[name]}
    if name == "span" and attributes.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "a":
        return {"type": "text_link", "url": attributes["href"]} if attributes.get("href") else None
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attributes else "blockquote"}
    if name == "tg-emoji" and attributes.get("emoji-id"):
        return {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
    raise ValueError(name)


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Render ``parse_mode=HTML`` text the way Telegram does: plain text plus entities.

    Raises a 400 "can't parse entities" for unknown or unbalanced tags and for a ``<``
    or ``&`` that starts no tag or entity: exactly the failure a bot hits in production
    when it forgets ``html.escape`` on user-provided text.
    """
    plain: list[str] = []
    length = 0
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    position = 0
    for special in re.finditer(r"[<&]", text):
        if special.start() < position:
            continue
        chunk = text[position : special.start()]
        plain.append(chunk)
        length += utf16_len(chunk)
        position = special.start()
        if text[position] == "&":
            match = _HTML_ENTITY.match(text, position)
            if match is None:
                raise _html_error(text, position, "Character '&' must be escaped as &amp;")
            char = _entity_char(*match.groups())
            if char is None:
                raise _html_error(text, position, "Invalid character code in entity")
            plain.append(char)
            length += utf16_len(char)
            position = match.end()
            continue
        match = _HTML_TAG.match(text, position)
        if match is None:
            raise _html_error(text, position, "Character '<' must be escaped as &lt;")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if closing:
            entities.extend(_close_tag(text, position, name, stack, length))
        else:
            try:
                stack.append(_OpenTag(name, length, _open_tag(name, _attributes(match.group(3)), stack)))
            except ValueError:
                raise _html_error(text, position, f'Unsupported start tag "{name}"') from None
        position = match.end()
    plain.append(text[position:])
    if stack:
        raise bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1].name}\"")
    return "".join(plain), sorted(entities, key=lambda entity: entity["offset"])


def _close_tag(text: str, position: int, name: str, stack: list[_OpenTag], length: int) -> list[JSON]:
    if not stack:
        raise _html_error(text, position, f'Unexpected end tag "{name}"')
    if stack[-1].name != name:
        raise _html_error(text, position, f'Unmatched end tag, expected "</{stack[-1].name}>", found "</{name}>"')
    opened = stack.pop()
    if opened.entity is None or length == opened.offset:
        return []
    return [{**opened.entity, "offset": opened.offset, "length": length - opened.offset}]


# --- records of what happened -----------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """A file held by the simulated Telegram, uploaded by a user or by the bot.

    ``width``/``height`` only matter for photos; they are given, not decoded from the image.
    """

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 1280
    height: int = 960

    @property
    def file_size(self) -> int:
        return len(self.data)

    def as_file(self) -> JSON:
        """The Bot API ``File`` object that ``getFile`` returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def as_document(self) -> JSON:
        document = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.file_size}
        extras = {"file_name": self.file_name, "mime_type": self.mime_type}
        return document | {key: value for key, value in extras.items() if value}

    def as_photo(self) -> list[JSON]:
        """A one-size ``PhotoSize`` list (Telegram sends several; bots use the last, the largest)."""
        size = {"width": self.width, "height": self.height, "file_size": self.file_size}
        return [{"file_id": self.file_id, "file_unique_id": self.file_unique_id, **size}]


Buttons = list[list[tuple[str, str | None]]]


@dataclass(frozen=True)
class SentMessage:
    """One message the bot sent, or one edit of it, as the bot asked for it.

    ``text`` is the text or caption exactly as sent, HTML tags included, so tests can
    check escaping; ``wire`` is the ``Message`` the server answered with (tags rendered
    into entities, as a user would see it). An edit is a new record with an ``edit...``
    ``method`` and the same ``message_id``.
    """

    method: str
    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    wire: JSON = field(repr=False)
    file: StoredFile | None = field(default=None, repr=False)

    @property
    def is_edit(self) -> bool:
        return self.method.startswith("edit")

    @property
    def plain_text(self) -> str | None:
        """The text or caption as the user sees it (HTML rendered, entities unescaped)."""
        return self.wire.get("text", self.wire.get("caption"))

    @property
    def buttons(self) -> Buttons:
        """Inline keyboard rows of (text, callback_data or url); other button kinds give None."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(button["text"], button.get("callback_data", button.get("url"))) for button in row] for row in rows]

    @property
    def document(self) -> bytes | None:
        """The bytes of the document the message carries, if it is a document message."""
        return self.file.data if self.file is not None and "document" in self.wire else None


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot said in ``answerCallbackQuery`` (the toast or alert a user would see)."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None


# --- chats and people --------------------------------------------------------------------------


class SimChat:
    """A chat, and the place tests read the bot's output from, in the order the bot sent it.

    New messages and edits are queued apart: :meth:`next_reply` steps through the
    dialogue and :meth:`next_edit` checks what a button press changed, without one
    consuming the other. The server's ``sent`` list keeps the overall order.
    """

    def __init__(self, wire: JSON) -> None:
        self.wire = wire
        self.messages: dict[int, JSON] = {}
        self.bot_messages: dict[int, SentMessage] = {}
        self._message_ids = itertools.count(1)
        self._replies: asyncio.Queue[SentMessage] = asyncio.Queue()
        self._edits: asyncio.Queue[SentMessage] = asyncio.Queue()

    def __repr__(self) -> str:
        return f"<chat {self.id} {self.wire.get('title') or self.wire.get('first_name')!r}>"

    @property
    def id(self) -> int:
        return int(self.wire["id"])

    def addresses(self) -> set[str]:
        """The ``chat_id`` values that reach this chat: its id, and "@username" for public chats."""
        username = self.wire.get("username")
        return {str(self.id), f"@{username}"} if username and self.wire["type"] != "private" else {str(self.id)}

    def new_message(self, sender: JSON, content: JSON, reply_to: int | None = None) -> JSON:
        """Build and keep a ``Message`` from ``sender``; the message_id counter is shared by everyone in the chat."""
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": sender,
            "chat": self.wire,
            "date": int(time.time()),
        }
        message.update({key: value for key, value in content.items() if value})
        if reply_to is not None:
            message["reply_to_message"] = self.replied_message(reply_to)
        self.messages[message["message_id"]] = message
        return message

    def replied_message(self, message_id: int) -> JSON:
        """The message a reply points at, without its own reply (Telegram nests one level only)."""
        if message_id not in self.messages:
            raise bad_request("message to be replied not found")
        return {key: value for key, value in self.messages[message_id].items() if key != "reply_to_message"}

    def deliver(self, record: SentMessage) -> None:
        """Keep the latest version of a bot message and queue it for whoever reads the chat."""
        self.messages[record.message_id] = record.wire
        self.bot_messages[record.message_id] = record
        (self._edits if record.is_edit else self._replies).put_nowait(record)

    def forget(self, message_id: int) -> None:
        if message_id not in self.messages:
            raise bad_request("message to delete not found")
        del self.messages[message_id]
        self.bot_messages.pop(message_id, None)

    async def next_reply(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """The next new message the bot sent here, waiting up to ``timeout`` seconds."""
        return await self._take(self._replies, "reply", timeout)

    async def replies(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[SentMessage]:
        """The next ``count`` new messages, all within ``timeout`` seconds in total."""
        deadline = asyncio.get_running_loop().time() + timeout
        received: list[SentMessage] = []
        for _ in range(count):
            remaining = max(0.0, deadline - asyncio.get_running_loop().time())
            try:
                received.append(await self._take(self._replies, "reply", remaining))
            except NoReply:
                raise NoReply(f"{self}: got {len(received)} of {count} replies within {timeout:g} s: {received}") from None
        return received

    async def next_edit(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """The next edit (editMessageText/editMessageReplyMarkup) the bot made here."""
        return await self._take(self._edits, "edit", timeout)

    async def no_reply(self, within: float = 0.5) -> None:
        """Assert the bot sends nothing new here for ``within`` seconds; a negative needs a wait."""
        with contextlib.suppress(NoReply):
            unexpected = await self._take(self._replies, "reply", within)
            raise AssertionError(f"{self}: expected no reply, the bot sent {unexpected}")

    async def _take(self, queue: asyncio.Queue[SentMessage], what: str, timeout: float) -> SentMessage:
        if not queue.empty():  # wait_for(..., 0) would time out even with an item waiting
            return queue.get_nowait()
        try:
            return await asyncio.wait_for(queue.get(), timeout)
        except TimeoutError:
            raise NoReply(f"{self}: the bot sent no {what} within {timeout:g} s") from None


ReplyTarget = JSON | SentMessage


class SimUser:
    """A simulated person: sends messages and presses buttons; reads replies in their private chat.

    Every action is a coroutine, even the ones that only queue an update, so call sites read
    the same whether or not an action waits for the bot. Each ``send...`` returns the
    ``Message`` dict the bot will receive (use it for ``reply_to=`` or :meth:`edit`).
    ``chat=`` sends into a group instead of the private chat.
    """

    def __init__(self, world: World, wire: JSON) -> None:
        self._world = world
        self.wire = wire
        self.chat = SimChat({"id": wire["id"], "type": "private", **_public_name(wire)})

    def __repr__(self) -> str:
        return f"<user {self.id} {self.wire['first_name']!r}>"

    @property
    def id(self) -> int:
        return int(self.wire["id"])

    async def send(self, text: str, *, chat: SimChat | None = None, reply_to: ReplyTarget | None = None) -> JSON:
        """Send text; ``/commands`` and ``@mentions`` get their entities as in a real client."""
        content = {"text": text, "entities": typed_entities(text)}
        return self._post(chat, content, reply_to)

    async def send_document(
        self,
        file_name: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: SimChat | None = None,
    ) -> JSON:
        stored = self._world.store_file("documents", data, file_name=file_name, mime_type=mime_type)
        return self._post(chat, {"document": stored.as_document(), "caption": caption})

    async def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        chat: SimChat | None = None,
    ) -> JSON:
        stored = self._world.store_file("photos", data, file_name="photo.jpg", width=width, height=height)
        return self._post(chat, {"photo": stored.as_photo(), "caption": caption})

    async def send_sticker(self, emoji: str = "👍", *, chat: SimChat | None = None) -> JSON:
        stored = self._world.store_file("stickers", b"RIFF\x00\x00\x00\x00WEBP", file_name="sticker.webp")
        sticker = {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
        sticker |= {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "emoji": emoji}
        return self._post(chat, {"sticker": sticker})

    async def send_voice(self, data: bytes = b"OggS", *, duration: int = 1, chat: SimChat | None = None) -> JSON:
        stored = self._world.store_file("voice", data, file_name="voice.oga", mime_type="audio/ogg")
        voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "duration": duration}
        return self._post(chat, {"voice": voice | {"mime_type": "audio/ogg", "file_size": stored.file_size}})

    async def edit(self, message: JSON, text: str) -> JSON:
        """Edit one of this user's messages: the bot receives an ``edited_message`` update."""
        chat = self._world.chat(message["chat"]["id"])
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        if entities := typed_entities(text):
            edited["entities"] = entities
        chat.messages[edited["message_id"]] = edited
        self._world.push_update("edited_message", edited)
        return edited

    async def press(
        self,
        message: SentMessage,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> CallbackAnswer:
        """Press an inline button (by its text, or by ``callback_data``) and wait for the bot's answer.

        A missing answer fails the test: real clients show a spinner until the bot
        calls ``answerCallbackQuery``. Use :meth:`press_nowait` to check that separately.
        """
        query_id = await self.press_nowait(message, text, callback_data=callback_data)
        return await self._world.callback_answer(query_id, timeout)

    async def press_nowait(self, message: SentMessage, text: str | None = None, *, callback_data: str | None = None) -> str:
        """Press an inline button without waiting; returns the callback query id."""
        chat = self._world.chat(message.chat_id)
        current = chat.bot_messages.get(message.message_id)
        if current is None:
            raise AssertionError(f"{chat}: message {message.message_id} is gone, nothing to press")
        data = _button_data(current, text, callback_data)
        query_id = self._world.open_query()
        query = {
            "id": query_id,
            "from": self.wire,
            "message": current.wire,
            "chat_instance": str(chat.id),
            "data": data,
        }
        self._world.push_update("callback_query", query)
        return query_id

    async def press_forged(self, message: SentMessage, data: str, *, timeout: float = DEFAULT_TIMEOUT) -> CallbackAnswer:
        """Send callback data no button on ``message`` carries, as a modified client can, and wait for the answer."""
        query_id = self._world.open_query()
        query = {"id": query_id, "from": self.wire, "message": message.wire, "chat_instance": str(message.chat_id), "data": data}
        self._world.push_update("callback_query", query)
        return await self._world.callback_answer(query_id, timeout)

    async def next_reply(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        """The next new message the bot sent to this user's private chat."""
        return await self.chat.next_reply(timeout)

    async def replies(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[SentMessage]:
        return await self.chat.replies(count, timeout)

    async def next_edit(self, timeout: float = DEFAULT_TIMEOUT) -> SentMessage:
        return await self.chat.next_edit(timeout)

    async def no_reply(self, within: float = 0.5) -> None:
        await self.chat.no_reply(within)

    def _post(self, chat: SimChat | None, content: JSON, reply_to: ReplyTarget | None = None) -> JSON:
        target = chat or self.chat
        message = target.new_message(self.wire, content, None if reply_to is None else _message_id(reply_to))
        self._world.push_update("message", message)
        return message


def _public_name(user: JSON) -> JSON:
    """The fields a private Chat copies from its User."""
    return {key: user[key] for key in ("first_name", "last_name", "username") if user.get(key)}


def _message_id(message: ReplyTarget) -> int:
    return message.message_id if isinstance(message, SentMessage) else int(message["message_id"])


def _button_data(message: SentMessage, text: str | None, callback_data: str | None) -> str:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    for button in itertools.chain.from_iterable(rows):
        if button["text"] == text or (callback_data is not None and button.get("callback_data") == callback_data):
            if "callback_data" not in button:
                raise AssertionError(f"button {button['text']!r} sends no callback_data, nothing to press")
            return str(button["callback_data"])
    wanted = text if text is not None else f"callback_data={callback_data!r}"
    raise AssertionError(f"no button {wanted!r} on message {message.message_id}; buttons: {message.buttons}")


# --- the world ---------------------------------------------------------------------------------


class World:
    """All state of the simulated Telegram, shared by the HTTP side (the bot) and the human side.

    Public records for assertions: ``sent`` (every message the bot sent or edited, in
    order), ``commands`` (setMyCommands by (scope, language_code); scope is "default",
    "all_private_chats", "chat:<id>", "chat_member:<chat>:<user>"...),
    ``callback_answers``, ``chat_actions`` and ``deleted`` ((chat_id, message_id)).
    ``on_bot_message`` is called with every new :class:`SentMessage`, edits included;
    ``authbot shell`` prints replies with it.
    """

    def __init__(self, token: str, bot_username: str, bot_name: str) -> None:
        self.token = token
        self.bot: JSON = {
            "id": int(token.split(":", maxsplit=1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.chats: dict[int, SimChat] = {}
        self.sent: list[SentMessage] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.deleted: list[tuple[int, int]] = []
        self.webhook_url = ""
        self.on_bot_message: Callable[[SentMessage], None] | None = None
        self._files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self._waiting_poll: _Poll | None = None
        # getUpdates calls Telegram ended with 409 Conflict because another one came while they
        # waited and their caller was still there: two bot instances polling at once
        self.conflicts = 0
        self._closed = False
        self._allowed_updates: set[str] = set()
        self._answers: dict[str, asyncio.Future[CallbackAnswer]] = {}

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> SimUser:
        """A simulated person; their private chat has the same id and exists at once.

        Asking for the same user again gives a handle on the same private chat, so replies
        are never split between two handles.
        """
        wire = {"id": user_id, "is_bot": False, "first_name": first_name}
        extras = {"last_name": last_name, "username": username, "language_code": language_code}
        person = SimUser(self, wire | {key: value for key, value in extras.items() if value})
        if user_id in self.chats:
            person.chat = self.chats[user_id]
        else:
            self.chats[user_id] = person.chat
        return person

    def group(self, chat_id: int, title: str, *, username: str | None = None) -> SimChat:
        """A group; ids starting with -100 are supergroups, as on Telegram."""
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        wire: JSON = {"id": chat_id, "type": kind, "title": title} | ({"username": username} if username else {})
        self.chats[chat_id] = SimChat(wire)
        return self.chats[chat_id]

    def chat(self, chat_id: object) -> SimChat:
        """The chat for a ``chat_id`` parameter (an id or "@username"); 400 "chat not found" otherwise."""
        for chat in self.chats.values():
            if str(chat_id) in chat.addresses():
                return chat
        raise bad_request("chat not found")

    # updates

    def push_update(self, kind: str, payload: JSON) -> None:
        """Queue an update and wake long polls; kinds outside ``allowed_updates`` are dropped, as on Telegram."""
        if self._allowed_updates and kind not in self._allowed_updates:
            return
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._arrived.set()
        self._arrived = asyncio.Event()

    async def get_updates(
        self,
        offset: int | None,
        limit: int,
        timeout: float,
        allowed: list[str] | None,
        connected: Callable[[], bool] = lambda: True,
    ) -> list[JSON]:
        """Long polling: confirm updates below ``offset``, answer once one is pending or ``timeout`` passes.

        As on Telegram, one poll at a time: a new call ends a waiting one with 409 Conflict
        ("terminated by other getUpdates request"). When the waiting one's caller is still
        connected, two bot instances are polling at once, and :attr:`conflicts` counts it; a
        killed bot's poll ends unheard.
        """
        if allowed is not None:
            self._allowed_updates = set(allowed)
        self._end_waiting_poll()
        self._confirm(offset)
        if not self._updates and timeout > 0 and not self._closed:
            poll = self._waiting_poll = _Poll(connected)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), timeout)
            finally:
                if self._waiting_poll is poll:
                    self._waiting_poll = None
            if poll.ended:
                raise ApiError(
                    409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                )
        return self._updates[:limit]

    def _end_waiting_poll(self) -> None:
        poll, self._waiting_poll = self._waiting_poll, None
        if poll is None:
            return
        poll.ended = True
        if poll.connected():
            self.conflicts += 1
        self._arrived.set()
        self._arrived = asyncio.Event()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    @property
    def pending_update_count(self) -> int:
        return len(self._updates)

    def close(self) -> None:
        """Answer every waiting long poll now, so the HTTP server can stop without hanging."""
        self._closed = True
        self._arrived.set()

    # files

    def store_file(
        self,
        folder: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 1280,
        height: int = 960,
    ) -> StoredFile:
        """Keep an upload; like Telegram, equal bytes share a ``file_unique_id`` but get a new ``file_id``."""
        number = next(self._ids)
        suffix = PurePosixPath(file_name or "").suffix
        stored = StoredFile(
            file_id=f"{folder}-{number}",
            file_unique_id=hashlib.sha256(data).hexdigest()[:16],
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def file_at(self, file_path: str) -> StoredFile | None:
        return next((stored for stored in self._files.values() if stored.file_path == file_path), None)

    # bot output

    def record(self, record: SentMessage) -> SentMessage:
        """Log a bot message or edit, make it visible in its chat, and tell ``on_bot_message``."""
        self.sent.append(record)
        self.chats[record.chat_id].deliver(record)
        if self.on_bot_message is not None:
            self.on_bot_message(record)
        return record

    # callback queries

    def open_query(self) -> str:
        query_id = str(next(self._ids))
        self._answers[query_id] = asyncio.get_running_loop().create_future()
        return query_id

    def answer_query(self, answer: CallbackAnswer) -> None:
        future = self._answers.get(answer.query_id)
        if future is None or future.done():
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self.callback_answers.append(answer)
        future.set_result(answer)

    async def callback_answer(self, query_id: str, timeout: float = DEFAULT_TIMEOUT) -> CallbackAnswer:
        """Wait for the bot's ``answerCallbackQuery`` to the query ``query_id``."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._answers[query_id]), timeout)
        except TimeoutError:
            raise NoReply(f"the bot did not answer callback query {query_id} within {timeout:g} s") from None
