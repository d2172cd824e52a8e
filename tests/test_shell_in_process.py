"""`authbot shell` in this process: ``run_shell`` with a typist for stdin and a buffer for the
terminal, the real bot behind the loopback Bot API. What is asserted is what the person at the
terminal reads. (tests/test_run_and_shell.py runs the shell as a separate process, once.)
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
import time
from pathlib import Path

from bot.config import Settings
from bot.core.reports import Draft
from bot.core.store import Store
from bot.loopback import SentMessage
from bot.shell import HELP, Terminal, run_shell

ROOT = Path(__file__).resolve().parent.parent

SHOPPER = 42


class Typist:
    """Stdin for the shell: types each line once the screen shows what it waits for.

    The shell reads stdin in a worker thread, so waiting here never blocks the bot.
    """

    def __init__(self, screen: io.StringIO, script: list[tuple[str, str | None]], timeout: float = 20.0):
        self.screen, self.script, self.timeout = screen, list(script), timeout
        self.lock = threading.Lock()

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        with self.lock:
            if not self.script:
                return ""  # end of input
            line, wait_for = self.script.pop(0)
        deadline = time.monotonic() + self.timeout
        while wait_for and wait_for not in self.screen.getvalue():
            if time.monotonic() > deadline:
                return ""  # give up: the shell ends and the assertions show the screen
            time.sleep(0.05)
        return line + "\n"


async def seed_report(settings: Settings) -> str:
    """A report from a shopper, in the shell's own database (the shell keeps its data apart)."""
    store = await Store.open(settings.data_dir / "shell" / "authbot.sqlite3")
    try:
        draft = Draft(
            brand="moutai",
            product="飞天",
            platform="offline",
            shop="某烟酒店",
            problem="胶帽起皱",
            official_check="failed",
            consent=True,
        )
        return (await store.reports.submit(SHOPPER, SHOPPER, draft)).reference
    finally:
        await store.close()


def blocks(screen: str) -> list[str]:
    """The screen cut at each line the user typed: [banner, '你> …' + what followed, ...]."""
    parts = screen.split("\n你> ")
    return [parts[0]] + ["你> " + p for p in parts[1:]]


async def test_the_shell_answers_presses_buttons_and_switches_users(settings: Settings, tmp_path: Path) -> None:
    (settings.data_dir / "shell").mkdir(parents=True)
    ref = await seed_report(settings)
    broken = tmp_path / "moutai.yaml"
    broken.write_text("schema: [1\n", encoding="utf-8")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"photo" * 50)
    screen = io.StringIO()
    typist = Typist(
        screen,
        [
            (f"/as {SHOPPER} Shopper", None),  # the shopper has a chat with the bot: it can be told later
            ("/myreports", None),
            ("/as 1 你", None),
            ("毛台的瓶盖怎么看", None),
            ("1", None),  # 👍 under the answer
            ("   ", None),  # blank lines are skipped
            ("/upload", None),
            (f"/upload {broken}", None),  # the admin publishes a broken tip file: refused with its line
            ("/photo no-such-photo.jpg", None),
            ("/guide moutai", None),  # the file in service comes back as a document
            ("/reports", None),
            ("1", None),  # open the report
            ("1", None),  # → 审核中
            ("/skip", None),  # no note for the shopper
            ("/as", f"→ chat {SHOPPER}"),  # the shopper is told, in their own chat; then a usage mistake
            (f"/photo {photo}", None),
            ("7", None),  # no buttons on screen: a number is just text
            ("/quit", None),
            ("毛台", None),  # never read: the shell has ended
        ],
    )
    await asyncio.wait_for(run_shell(settings, 1, "你", typist, screen), timeout=120)  # type: ignore[arg-type]
    out = screen.getvalue()
    (
        banner,
        as_shopper_first,
        mine_first,
        back_to_admin,
        ask,
        vote,
        blank_and_upload_usage,
        upload,
        photo_missing,
        guide,
        reports,
        detail,
        move,
        skip,
        as_usage,
        send_photo,
        seven,
    ) = blocks(out)

    header, console, help_line = banner.splitlines()
    assert (
        header == f"authbot shell · 17 brands · you are user 1 (你) · data in {settings.data_dir / 'shell'}" and help_line == HELP
    )
    assert re.fullmatch(r"web console: http://127\.0\.0\.1:\d+ \(sign in: send /console\)", console)
    assert as_shopper_first == f"你> /as {SHOPPER} Shopper\n(shell) you are now user {SHOPPER}\n"
    assert ref in mine_first and "已提交" in mine_first and "→ chat" not in mine_first  # the shopper's own chat
    assert back_to_admin == "你> /as 1 你\n(shell) you are now user 1\n"
    assert ask.startswith("你> 毛台的瓶盖怎么看\n\n🤖 贵州茅台 Kweichow Moutai")
    assert "   [1] 👍   [2] 👎" in ask and "举报疑似假货" in ask
    assert vote.startswith("你> 1\n\n✎ (edited) (buttons updated)") and "[1] ✅ 已记录：有帮助" in vote
    assert blank_and_upload_usage == "你> /upload\n(shell) usage: /upload FILE\n"  # the blank line was not echoed
    assert "🤖 ❌ 文件有 1 处错误" in upload and "moutai.yaml:2: YAML syntax error" in upload
    assert photo_missing == "你> /photo no-such-photo.jpg\n(shell) [Errno 2] No such file or directory: 'no-such-photo.jpg'\n"
    assert guide.startswith("你> /guide moutai\n\n🤖 [document: ") and guide.rstrip().endswith("moutai.yaml]")
    saved = Path(guide.rstrip().rsplit(" → ", 1)[1].rstrip("]"))
    assert saved.read_bytes() == (ROOT / "brand_guides" / "moutai.yaml").read_bytes()
    assert f"[1] {ref} · 飞天" in reports
    assert "• 状态：已提交" in detail and "[1] → 审核中" in detail
    assert "请输入给举报人的说明" in move
    assert "已通知举报人" in skip
    assert f"🤖 → chat {SHOPPER} " in skip + as_usage and "审核中" in (skip + as_usage).split(f"→ chat {SHOPPER}")[1]
    assert as_usage.rstrip().endswith("(shell) usage: /as USER_ID [NAME]")
    assert send_photo.startswith(f"你> /photo {photo}\n\n🤖 ")
    assert seven.startswith("你> 7\n\n🤖 ") and "(shell)" not in seven
    assert "毛台\n" not in seven and typist.script == [("毛台", None)]
    assert (settings.data_dir / "shell" / "authbot.sqlite3").exists()
    assert not settings.database.exists()  # the shell never touches the real bot's data


async def test_end_of_input_leaves_the_shell_like_quit(settings: Settings) -> None:
    screen = io.StringIO()
    await asyncio.wait_for(run_shell(settings, 7, "Tester", Typist(screen, [("/brands", None)]), screen), timeout=60)  # type: ignore[arg-type]
    banner, brands = blocks(screen.getvalue())
    assert "you are user 7 (Tester)" in banner
    assert "合作品牌（按品类）" in brands


def sent(chat_id: int, text: str, rows: list[list[dict[str, str]]] | None = None, method: str = "sendMessage") -> SentMessage:
    """A message as the loopback server records it, built by hand."""
    markup = {"inline_keyboard": rows} if rows is not None else None
    return SentMessage(method, chat_id, 1, text, None, markup, {"text": text})


async def test_the_terminal_numbers_buttons_across_rows_and_forgets_them_when_a_plain_message_arrives(tmp_path: Path) -> None:
    screen = io.StringIO()
    terminal = Terminal(screen, tmp_path)
    terminal.chat_id = 1
    terminal.show(
        sent(
            1,
            "选一个",
            [[{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}], [{"text": "C", "callback_data": "c"}]],
        )
    )
    assert screen.getvalue() == "\n🤖 选一个\n   [1] A   [2] B\n   [3] C\n"
    assert [(label, data) for _, label, data in terminal.buttons] == [("A", "a"), ("B", "b"), ("C", "c")]
    terminal.show(sent(1, "改过的文字", method="editMessageText"))
    assert screen.getvalue().endswith("\n✎ (edited) 改过的文字\n")
    assert len(terminal.buttons) == 3  # an edit without buttons leaves the buttons on screen
    terminal.show(sent(99, "给别人的消息"))
    assert screen.getvalue().endswith("\n🤖 → chat 99 给别人的消息\n") and terminal.buttons == []


async def test_a_url_button_is_shown_but_not_numbered(tmp_path: Path) -> None:
    screen = io.StringIO()
    terminal = Terminal(screen, tmp_path)
    terminal.show(
        sent(0, "官方渠道", [[{"text": "官网", "url": "https://example.com"}, {"text": "👍", "callback_data": "fb:up"}]])
    )
    assert screen.getvalue() == "\n🤖 官方渠道\n   官网   [1] 👍\n"
