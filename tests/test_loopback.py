"""The loopback Bot API server, driven by the real python-telegram-bot client over HTTP."""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.loopback import AnyApplication, LoopbackBotAPI, NoReply, SentMessage

MakeApp = Callable[..., AbstractAsyncContextManager[AnyApplication]]
Context = ContextTypes.DEFAULT_TYPE
VOTE_KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("👍", callback_data="vote:up"), InlineKeyboardButton("Docs", url="https://example.com")]]
)


# --- a tiny bot ---------------------------------------------------------------------------------


async def echo(update: Update, context: Context) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def start(update: Update, context: Context) -> None:
    assert update.message is not None and update.effective_user is not None
    name = html.escape(update.effective_user.first_name)
    await update.message.reply_text(f"<b>Hello</b>, {name}!", parse_mode=ParseMode.HTML, reply_markup=VOTE_KEYBOARD)


async def vote(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Thanks!")
    await query.edit_message_text(f"You voted {query.data}")


async def return_document(update: Update, context: Context) -> None:
    """Download the user's document and send the same bytes back: both directions of file transfer."""
    assert update.message is not None and update.message.document is not None
    data = await (await update.message.document.get_file()).download_as_bytearray()
    await update.message.reply_document(bytes(data), filename="back.yaml", caption=f"{len(data)} bytes")


async def note_edit(update: Update, context: Context) -> None:
    assert update.edited_message is not None
    await update.edited_message.reply_text(f"edited: {update.edited_message.text}")


HANDLERS = [
    CommandHandler("start", start),
    MessageHandler(filters.UpdateType.EDITED_MESSAGE, note_edit),
    MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
    CallbackQueryHandler(vote),
    MessageHandler(filters.Document.ALL, return_document),
]


@pytest.fixture
async def bot(loopback: LoopbackBotAPI) -> AsyncIterator[Bot]:
    """A bare, initialized Bot on the loopback server, for calls made outside any handler."""
    async with loopback.app_builder().build().bot as initialized:
        yield initialized


def raw_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(trust_env=False, timeout=15)


# --- the bot end to end -------------------------------------------------------------------------


async def test_messages_get_replies_in_order(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    alice = loopback.user(1001, "Alice", language_code="zh-hans")
    async with make_app(*HANDLERS):
        for text in ("毛台的瓶盖怎么看", "第二条", "third"):
            await alice.send(text)
        replies = await alice.replies(count=3)
    assert [reply.text for reply in replies] == ["毛台的瓶盖怎么看", "第二条", "third"]
    assert [reply.message_id for reply in replies] == [4, 5, 6]  # one counter per chat: alice's took 1-3


async def test_command_is_routed_in_private_chat_and_group(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    alice = loopback.user(1001, "<Alice>")
    shoppers = loopback.group(-100500, "Shoppers")
    async with make_app(*HANDLERS):
        sent = await alice.send("/start")
        reply = await alice.next_reply()
        await alice.send("/start@authbot", chat=shoppers)
        in_group = await shoppers.next_reply()
    thanks = await alice.send("thanks", chat=shoppers, reply_to=in_group)
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert reply.text == "<b>Hello</b>, &lt;Alice&gt;!"
    assert reply.plain_text == "Hello, <Alice>!"
    assert reply.wire["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert reply.buttons == [[("👍", "vote:up"), ("Docs", "https://example.com")]]
    assert in_group.chat_id == -100500 and in_group.wire["chat"]["type"] == "supergroup"
    assert thanks["reply_to_message"]["message_id"] == in_group.message_id


async def test_button_press_is_answered_and_edits_the_message(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    alice = loopback.user(1001, "Alice")
    async with make_app(*HANDLERS):
        await alice.send("/start")
        menu = await alice.next_reply()
        with pytest.raises(AssertionError, match="sends no callback_data"):
            await alice.press_nowait(menu, "Docs")
        answer = await alice.press(menu, "👍")
        edit = await alice.next_edit()
        with pytest.raises(AssertionError, match="no button"):
            await alice.press_nowait(menu, callback_data="vote:up")  # the keyboard is gone now
    assert answer.text == "Thanks!" and not answer.show_alert
    assert loopback.callback_answers == [answer]
    assert edit.is_edit and edit.method == "editMessageText" and edit.message_id == menu.message_id
    assert edit.text == "You voted vote:up"
    assert edit.buttons == []  # an edit without reply_markup removes the keyboard, as on Telegram


async def test_document_goes_up_and_down_byte_identical(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    alice = loopback.user(1001, "Alice")
    payload = "brand: 茅台\ntips: [瓶盖]\n".encode() + bytes(range(256)) * 40
    async with make_app(*HANDLERS):
        upload = await alice.send_document("moutai.yaml", payload, mime_type="application/x-yaml")
        reply = await alice.next_reply()
    assert upload["document"]["file_size"] == len(payload)
    assert reply.method == "sendDocument" and reply.text == f"{len(payload)} bytes"
    assert reply.document == payload
    assert reply.wire["document"]["file_unique_id"] == upload["document"]["file_unique_id"]  # same bytes


async def test_edited_message_reaches_the_bot(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    alice = loopback.user(1001, "Alice")
    async with make_app(*HANDLERS):
        first = await alice.send("hello")
        await alice.next_reply()
        await alice.edit(first, "hello again")
        reply = await alice.next_reply()
    assert reply.text == "edited: hello again"


async def test_updates_the_bot_does_not_handle_get_no_reply(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    alice = loopback.user(1001, "Alice")
    async with make_app(*HANDLERS):
        await alice.send_sticker()
        await alice.send_voice()
        await alice.send_photo(b"\xff\xd8\xff\xe0 not really a jpeg", caption="瓶盖")
        await alice.no_reply(within=0.3)
    with pytest.raises(NoReply, match=r"no reply within 0.1 s"):
        await alice.next_reply(timeout=0.1)


async def test_set_my_commands_is_stored_per_scope_and_language(loopback: LoopbackBotAPI, make_app: MakeApp) -> None:
    async def post_init(app: AnyApplication) -> None:
        await app.bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
        await app.bot.set_my_commands([BotCommand("start", "开始")], language_code="zh-hans")
        await app.bot.set_my_commands([BotCommand("ask", "Ask")], scope=BotCommandScopeChat(-100500))

    async with make_app(post_init=post_init) as app:
        stored = await app.bot.get_my_commands(language_code="zh-hans")
    assert loopback.commands[("default", "")] == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert loopback.commands[("chat:-100500", "")] == [{"command": "ask", "description": "Ask"}]
    assert stored == (BotCommand("start", "开始"),)


async def test_bot_messages_reach_the_hook(loopback: LoopbackBotAPI, bot: Bot) -> None:
    seen: list[SentMessage] = []
    loopback.on_bot_message = seen.append
    alice = loopback.user(1001, "Alice")
    message = await bot.send_message(alice.id, "one", reply_markup=VOTE_KEYBOARD)
    await message.edit_reply_markup(None)
    assert [(record.method, record.text) for record in seen] == [
        ("sendMessage", "one"),
        ("editMessageReplyMarkup", "one"),
    ]
    assert seen == loopback.sent


# --- errors the real client must see ------------------------------------------------------------


async def test_wrong_token_is_invalid_token(loopback: LoopbackBotAPI) -> None:
    request = HTTPXRequest(httpx_kwargs={"trust_env": False})
    impostor = Bot("999:WRONG", base_url=loopback.base_url, base_file_url=loopback.base_file_url, request=request)
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with impostor:  # initialize() calls getMe, and shuts the client down when it fails
            pass


async def test_unescaped_html_is_a_bad_request(loopback: LoopbackBotAPI, bot: Bot) -> None:
    alice = loopback.user(1001, "Alice")
    for broken in ("1 < 2", "AT&T", "<b>bold", "<b><i>x</b></i>", "line<br>break", "&nbsp;"):
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(alice.id, broken, parse_mode=ParseMode.HTML)
    sent = await bot.send_message(alice.id, html.escape("1 < 2 & AT&T"), parse_mode=ParseMode.HTML)
    assert sent.text == "1 < 2 & AT&T"
    spoiler = await bot.send_message(
        alice.id, '<span class="tg-spoiler">x</span> <a href="https://t.me">😀</a>', parse_mode="HTML"
    )
    assert [(e.type, e.offset, e.length) for e in spoiler.entities] == [("spoiler", 0, 1), ("text_link", 2, 2)]


async def test_invalid_calls_are_bad_requests(loopback: LoopbackBotAPI, bot: Bot) -> None:
    alice = loopback.user(1001, "Alice")
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    cases: list[tuple[Callable[[], Awaitable[Any]], str]] = [
        (lambda: bot.send_message(alice.id, " "), "message text is empty"),
        (lambda: bot.send_message(alice.id, "x" * 4097), "message is too long"),
        (lambda: bot.send_message(424242, "hi"), "chat not found"),
        (lambda: bot.send_message(alice.id, "hi", reply_markup=too_long_data), "button_data_invalid"),
        (lambda: bot.edit_message_text("new", chat_id=alice.id, message_id=99), "message to edit not found"),
        (lambda: bot.delete_message(alice.id, 99), "message to delete not found"),
        (lambda: bot.get_file("no-such-file"), "invalid file_id"),
    ]
    for call, reason in cases:
        with pytest.raises(BadRequest, match=rf"(?i){reason}"):
            await call()
    same = await bot.send_message(alice.id, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await same.edit_text("same")
    assert [record.text for record in loopback.sent] == ["same"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # raised inside RetryAfter()
async def test_injected_failures_surface_as_telegram_errors(loopback: LoopbackBotAPI, bot: Bot) -> None:
    alice = loopback.user(1001, "Alice")
    loopback.fail_next("sendMessage", retry_after=3)
    loopback.fail_next("SENDMESSAGE", error_code=403)
    with pytest.raises(RetryAfter, match="Retry in 3"):
        await bot.send_message(alice.id, "too fast")
    with pytest.raises(Forbidden):
        await bot.send_message(alice.id, "blocked")
    await bot.send_message(alice.id, "fine now")
    assert [record.text for record in loopback.sent] == ["fine now"]


async def test_big_files_cannot_be_downloaded_by_bots(loopback: LoopbackBotAPI, bot: Bot) -> None:
    alice = loopback.user(1001, "Alice")
    upload = await alice.send_document("video.mp4", bytes(20 * 1024 * 1024 + 1))
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(upload["document"]["file_id"])


async def test_other_bot_calls(loopback: LoopbackBotAPI, bot: Bot) -> None:
    alice = loopback.user(1001, "Alice", username="alice")
    shoppers = loopback.group(-100500, "Shoppers", username="shoppers")
    question = await alice.send("@authbot 真假?", chat=shoppers)
    assert question["entities"] == [{"type": "mention", "offset": 0, "length": 8}]
    await bot.send_chat_action("@shoppers", "typing")
    photo = await bot.send_photo(
        shoppers.id,
        b"\x89PNG fake",
        caption="<i>cap</i>",
        parse_mode="HTML",
        reply_to_message_id=question["message_id"],
    )
    assert photo.reply_to_message is not None and photo.reply_to_message.text == "@authbot 真假?"
    assert photo.caption == "cap" and photo.photo[-1].file_size == 9
    again = await bot.send_document(alice.id, photo.photo[-1].file_id)  # resend by file_id
    await bot.delete_message(alice.id, again.message_id)
    info = await bot.get_chat(shoppers.id)
    assert (info.type, info.title) == ("supergroup", "Shoppers")
    assert loopback.chat_actions == [(-100500, "typing")] and loopback.deleted == [(1001, again.message_id)]
    await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()


# --- the wire, below the client -------------------------------------------------------------------


async def test_wire_answers(loopback: LoopbackBotAPI) -> None:
    alice = loopback.user(1001, "Alice")
    api = f"{loopback.base_url}{loopback.token}"
    async with raw_client() as client:
        unauthorized = await client.post(f"{loopback.base_url}123:nope/getMe")
        unknown = await client.post(f"{api}/noSuchMethod")
        me = await client.get(f"{api}/GETME")
        as_json = await client.post(f"{api}/sendMessage", json={"chat_id": alice.id, "text": "[1, 2]"})
        missing_file = await client.get(f"{loopback.base_file_url}{loopback.token}/documents/nothing")
    assert (unauthorized.status_code, unauthorized.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (unknown.status_code, unknown.json()) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert me.json()["result"]["username"] == "authbot"
    assert as_json.json()["result"]["text"] == "[1, 2]"
    assert missing_file.status_code == 404


async def test_long_poll_answers_as_soon_as_an_update_arrives(loopback: LoopbackBotAPI) -> None:
    alice = loopback.user(1001, "Alice")
    get_updates = f"{loopback.base_url}{loopback.token}/getUpdates"
    async with raw_client() as client:
        assert (await client.post(get_updates, data={"timeout": "0"})).json() == {"ok": True, "result": []}
        poll = asyncio.create_task(client.post(get_updates, data={"timeout": "10"}))
        await asyncio.sleep(0.2)
        assert not poll.done()
        started = time.monotonic()
        await alice.send("wake up")
        updates = (await asyncio.wait_for(poll, 5)).json()["result"]
        elapsed = time.monotonic() - started
        confirmed = await client.post(get_updates, data={"offset": str(updates[0]["update_id"] + 1), "timeout": "0"})
    assert elapsed < 2
    assert updates[0]["message"]["text"] == "wake up"
    assert confirmed.json()["result"] == []


async def test_two_pollers_at_once_are_a_conflict_but_a_vanished_one_is_not(loopback: LoopbackBotAPI) -> None:
    """As on Telegram: a second getUpdates ends the waiting one with 409 Conflict. Only a poll whose
    caller still listens counts as two instances polling (a killed bot's socket is closed)."""
    get_updates = f"{loopback.base_url}{loopback.token}/getUpdates"
    async with raw_client() as first, raw_client() as second:
        waiting = asyncio.create_task(first.post(get_updates, data={"timeout": "10"}))
        await asyncio.sleep(0.2)
        assert (await second.post(get_updates, data={"timeout": "0"})).json()["ok"]
        ended = await asyncio.wait_for(waiting, 5)
    assert ended.status_code == 409 and "terminated by other getUpdates request" in ended.json()["description"]
    assert loopback.conflicts == 1

    async with raw_client() as killed:
        vanished = asyncio.create_task(killed.post(get_updates, data={"timeout": "10"}))
        await asyncio.sleep(0.2)
        vanished.cancel()  # the client goes away in the middle of its long poll
    await asyncio.sleep(0.2)
    async with raw_client() as successor:
        assert (await successor.post(get_updates, data={"timeout": "0"})).json()["ok"]
    assert loopback.conflicts == 1


async def test_allowed_updates_filter_what_is_queued(loopback: LoopbackBotAPI) -> None:
    alice = loopback.user(1001, "Alice")
    get_updates = f"{loopback.base_url}{loopback.token}/getUpdates"
    async with raw_client() as client:
        await client.post(get_updates, data={"timeout": "0", "allowed_updates": '["callback_query"]'})
        await alice.send("ignored")
        updates = await client.post(get_updates, data={"timeout": "0"})
    assert updates.json()["result"] == []


async def test_the_token_is_never_logged(loopback: LoopbackBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.loopback")
    caplog.set_level(logging.DEBUG, logger="tornado")
    async with raw_client() as client:
        await client.post(f"{loopback.base_url}{loopback.token}/getMe")
        await client.post(f"{loopback.base_url}{loopback.token}/noSuchMethod")
        await client.put(f"{loopback.base_url}{loopback.token}/getMe")
        await client.get(f"{loopback.base_file_url}{loopback.token}/documents/x")
    assert "/bot<token>/getMe -> 200" in caplog.text
    assert loopback.token not in caplog.text and loopback.token.split(":")[1] not in caplog.text
