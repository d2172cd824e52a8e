"""``authbot shell``: the real bot, offline, with the terminal as the Telegram chat.

It starts the project's loopback Bot API server on 127.0.0.1, runs the same Application as
``authbot run`` against it, and turns what you type into messages from a simulated user.
Buttons are printed numbered; typing the number presses it. Shell commands:

    N                press button N of the newest message that has buttons
    /upload FILE     send FILE as a document (brand staff uploading a tip file)
    /photo FILE      send FILE as a photo
    /as ID [NAME]    become another Telegram user (an admin, brand staff, a shopper)
    /quit            leave (end of input does the same)

The web console runs beside it on 127.0.0.1 (its address is printed at the start): send
/console for a sign-in link, as enforcement staff would in Telegram.

Anything else starting with / is a bot command and goes to the bot. Every document the bot
sends (an export, an evidence pack, a tip file) is saved under the shell's data directory, in
``documents/``, and its path printed, so it can be opened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shlex
import sys
from pathlib import Path
from typing import TextIO

from telegram.ext import AIORateLimiter

from .app import build_application
from .config import Settings
from .core.library import GuideLibrary
from .loopback import LoopbackBotAPI, SentMessage, SimUser, running
from .web.app import create_app
from .web.serve import serving

SETTLE_SECONDS = 0.4  # the bot is done replying when it has been quiet this long
MAX_WAIT_SECONDS = 10.0

HELP = "输入问题直接提问；数字 = 按按钮；/upload FILE 上传文件；/photo FILE 发图片；/as ID 切换用户；/quit 退出"


class Terminal:
    """Prints the bot's messages, saves the documents it sends, and remembers the buttons on screen."""

    def __init__(self, out: TextIO, documents: Path):
        self.out = out
        self.documents = documents
        self.buttons: list[tuple[SentMessage, str, str]] = []  # (message, label, callback data)
        self.last_activity = 0.0
        self.chat_id = 0  # the chat of the user typing; messages to others are marked

    def show(self, message: SentMessage) -> None:
        self.last_activity = asyncio.get_running_loop().time()
        tag = "✎ (edited)" if message.is_edit else "🤖"
        if message.chat_id != self.chat_id:
            tag += f" → chat {message.chat_id}"
        if message.method == "editMessageReplyMarkup":
            body = "(buttons updated)"
        else:
            body = message.plain_text or ""
            if message.document is not None:
                body = f"[document: {len(message.document)} bytes → {self._save(message, message.document)}]\n{body}".rstrip()
        print(f"\n{tag} {body}", file=self.out)
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        if not rows and not message.is_edit:
            self.buttons = []  # the newest message has no buttons: numbers are text again
        if rows:
            self.buttons = []
            for row in rows:
                cells = []
                for button in row:
                    data = button.get("callback_data")
                    if data is None:  # a URL button: nothing to press here
                        cells.append(button["text"])
                        continue
                    self.buttons.append((message, button["text"], data))
                    cells.append(f"[{len(self.buttons)}] {button['text']}")
                print("   " + "   ".join(cells), file=self.out)
        self.out.flush()

    def _save(self, message: SentMessage, data: bytes) -> Path:
        """Keep a document the bot sent, under its own name (numbered if that name is taken)."""
        name = Path(message.file.file_name if message.file and message.file.file_name else f"document-{message.message_id}").name
        target, number = self.documents / name, 1
        while target.exists():
            number += 1
            target = self.documents / f"{Path(name).stem}-{number}{Path(name).suffix}"
        self.documents.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target


async def run_shell(settings: Settings, user_id: int, name: str, inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    # Offline, the person at the terminal is the admin (user 1 by default), so every role can be
    # tried: /grant other ids, then /as ID to act as them. Its data is its own SQLite file, even
    # when the bot's database is PostgreSQL: the shell never touches real data.
    settings = dataclasses.replace(
        settings, data_dir=settings.data_dir / "shell", database_url=None, admin_ids=settings.admin_ids | {user_id}
    )
    library = GuideLibrary.open(settings.guides_dir, settings.vectors_dir)
    terminal = Terminal(out, settings.data_dir / "documents")
    async with LoopbackBotAPI() as server, serving(create_app(settings, library), settings.web_listen, 0) as console:
        settings = dataclasses.replace(settings, console_url=console)  # /console's links point at it
        server.on_bot_message = terminal.show
        app = build_application(settings, library, server.app_builder(), rate_limiter=AIORateLimiter(max_retries=3))
        async with running(app, poll_timeout=1):
            user = server.user(user_id, name, language_code="zh-hans")
            terminal.chat_id = user.id
            print(
                f"authbot shell · {len(library.catalog.brands)} brands · you are user {user_id} ({name}) · data in {settings.data_dir}",
                file=out,
            )
            print(f"web console: {console} (sign in: send /console)", file=out)
            print(HELP, file=out)
            await _chat(server, user, terminal, inp, out)


async def _chat(server: LoopbackBotAPI, user: SimUser, terminal: Terminal, inp: TextIO, out: TextIO) -> None:
    interactive = inp.isatty()
    while True:
        line = await asyncio.to_thread(_read_line, inp, "\n你> " if interactive else "", out)
        if line is None or line.strip() in ("/quit", "/exit"):
            return
        line = line.strip()
        if not line:
            continue
        if not interactive:
            print(f"\n你> {line}", file=out)
        try:
            user = await _act(server, user, terminal, line, out)
        except (OSError, ValueError) as exc:
            print(f"(shell) {exc}", file=out)
            continue
        await _settle(terminal)


async def _act(server: LoopbackBotAPI, user: SimUser, terminal: Terminal, line: str, out: TextIO) -> SimUser:
    """Do what one line of input says; returns the user now typing (``/as`` changes it)."""
    if line.isdigit() and 1 <= int(line) <= len(terminal.buttons):
        message, _label, data = terminal.buttons[int(line) - 1]
        await user.press_nowait(message, callback_data=data)
        return user
    command, _, rest = line.partition(" ")
    if command in ("/upload", "/photo"):
        path = Path(shlex.split(rest)[0]) if rest.strip() else None
        if path is None:
            raise ValueError(f"usage: {command} FILE")
        content = path.read_bytes()
        if command == "/upload":
            await user.send_document(path.name, content)
        else:
            await user.send_photo(content)
        return user
    if command == "/as":
        parts = rest.split(maxsplit=1)
        if not parts or not parts[0].lstrip("-").isdigit():
            raise ValueError("usage: /as USER_ID [NAME]")
        user = server.user(int(parts[0]), parts[1] if len(parts) > 1 else f"User {parts[0]}", language_code="zh-hans")
        terminal.chat_id = user.id
        print(f"(shell) you are now user {user.id}", file=out)
        return user
    await user.send(line)
    return user


async def _settle(terminal: Terminal) -> None:
    """Wait until the bot has replied and gone quiet, so the prompt comes after its answer."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    terminal.last_activity = max(terminal.last_activity, started)
    while loop.time() - started < MAX_WAIT_SECONDS:
        await asyncio.sleep(0.05)
        if loop.time() - terminal.last_activity >= SETTLE_SECONDS and terminal.last_activity > started:
            return
        if loop.time() - started >= 2.0 and terminal.last_activity == started:  # no reply is coming
            return


def _read_line(inp: TextIO, prompt: str, out: TextIO) -> str | None:
    if prompt:
        print(prompt, end="", file=out, flush=True)
    line = inp.readline()
    return line if line else None
