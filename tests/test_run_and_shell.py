"""`authbot run` and `authbot shell` as an operator and a newcomer start them: separate processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.loopback import LoopbackBotAPI

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForLoopbackTests-0123456789"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AUTHBOT_"))}
    env.update(extra)
    return env


async def test_authbot_run_answers_through_a_self_hosted_bot_api(tmp_path: Path) -> None:
    async with LoopbackBotAPI(token=TOKEN) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--api-url",
            server.base_url,
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            env=_env(
                TELEGRAM_BOT_TOKEN=TOKEN,
                AUTHBOT_DATA_DIR=str(tmp_path),
                HTTP_PROXY="http://127.0.0.1:9",
                HTTPS_PROXY="http://127.0.0.1:9",
            ),
        )
        try:
            shopper = server.user(4242, "Operator's test")
            await shopper.send("毛台的瓶盖怎么看")
            reply = await shopper.next_reply(timeout=30)
            assert "贵州茅台" in reply.plain_text
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "serving 17 brands" in log
    assert (tmp_path / "authbot.sqlite3").exists()


def test_a_missing_or_malformed_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for env in (_env(), _env(TELEGRAM_BOT_TOKEN="not-a-token")):
        done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and "TELEGRAM_BOT_TOKEN" in done.stderr
        assert "not-a-token" not in done.stderr


def test_the_shell_answers_and_presses_buttons_by_number(tmp_path: Path) -> None:
    script = "毛台的瓶盖怎么看\n1\n/brands\n/quit\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "shell"],
        input=script,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(AUTHBOT_DATA_DIR=str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "贵州茅台" in out and "[1] 👍" in out
    assert "已记录：有帮助" in out  # pressing [1] voted
    assert "合作品牌（按品类）" in out
    assert (tmp_path / "shell" / "authbot.sqlite3").exists()


async def test_webhook_mode_accepts_only_requests_with_the_secret(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook = f"http://127.0.0.1:{port}/tg"
    async with LoopbackBotAPI(token=TOKEN) as server:
        shopper = server.user(4242, "Webhook shopper")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--api-url",
            server.base_url,
            "--webhook-url",
            hook,
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
            "--secret-token",
            "S3cret-token",
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            env=_env(TELEGRAM_BOT_TOKEN=TOKEN, AUTHBOT_DATA_DIR=str(tmp_path)),
        )
        try:
            for _ in range(300):  # the bot registers its webhook with the Bot API when it starts
                if server.webhook_url == hook:
                    break
                await asyncio.sleep(0.1)
            assert server.webhook_url == hook
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "text": "茅台瓶盖怎么看",
                    "chat": {"id": 4242, "type": "private", "first_name": "Webhook shopper"},
                    "from": {"id": 4242, "is_bot": False, "first_name": "Webhook shopper"},
                },
            }
            async with httpx.AsyncClient(trust_env=False) as client:
                for _ in range(50):  # the webhook server may come up just after setWebhook
                    try:
                        forged = await client.post(hook, json=update)
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)
                assert forged.status_code == 403
                await shopper.no_reply(within=0.5)
                genuine = await client.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "S3cret-token"})
                assert genuine.status_code == 200
            assert "贵州茅台" in (await shopper.next_reply(timeout=30)).plain_text
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert TOKEN not in stderr.decode()


def test_the_shell_saves_every_document_the_bot_sends_and_prints_where(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "shell"],
        input="/export\n/quit\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(AUTHBOT_DATA_DIR=str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr
    saved = [Path(line.split("→ ")[1].rstrip("]")) for line in done.stdout.splitlines() if line.startswith("🤖 [document:")]
    assert [p.suffix for p in saved] == [".csv", ".jsonl"]
    assert all(p.parent == tmp_path / "shell" / "documents" for p in saved)
    assert saved[0].read_bytes().startswith("\ufeffreference,status,brand".encode())  # opens in a spreadsheet
