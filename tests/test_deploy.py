"""The deployment files are correct for a real deployment, checked as far as this machine can."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "authbot.service", encoding="utf-8")
    return parser


def test_the_systemd_unit_is_hardened_and_keeps_state_in_its_state_directory() -> None:
    service = unit()["Service"]
    assert service["DynamicUser"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "authbot"
    assert "AUTHBOT_DATA_DIR=/var/lib/authbot" in (DEPLOY / "authbot.service").read_text()
    assert service["ExecStart"].split()[-1] == "run"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    text = (DEPLOY / "authbot.service").read_text(encoding="utf-8")
    copy = tmp_path / "authbot.service"
    copy.write_text(text.replace("/opt/authbot/bin/authbot", "/bin/true"), encoding="utf-8")  # the binary is not installed here
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "authbot.service" not in done.stderr, done.stderr


def test_the_dockerfile_runs_as_an_unprivileged_user_with_data_in_a_volume() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.split()[0] for line in text.splitlines() if line and not line.startswith("#") and not line.startswith(" ")]
    assert lines[0] == "FROM" and "USER" in lines and "ENTRYPOINT" in lines
    assert 'VOLUME ["/data"]' in text and "AUTHBOT_DATA_DIR=/data" in text
    assert "COPY brand_guides" in text


def test_the_example_environment_names_every_setting_the_bot_reads() -> None:
    text = (DEPLOY / "authbot.env.example").read_text(encoding="utf-8")
    for name in ("TELEGRAM_BOT_TOKEN", "AUTHBOT_ADMIN_IDS", "TELEGRAM_API_URL", "AUTHBOT_LOG_LEVEL"):
        assert name in text


def test_the_console_unit_runs_authbot_web_as_the_bots_user_on_loopback() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "authbot-web.service", encoding="utf-8")
    service = parser["Service"]
    assert service["ExecStart"].split()[-1] == "web" and service["User"] == "authbot" and service["StateDirectory"] == "authbot"
    assert "AUTHBOT_WEB_LISTEN=127.0.0.1" in (DEPLOY / "authbot-web.service").read_text()
    assert "X-Forwarded-Proto" in (DEPLOY / "reverse-proxy.md").read_text()
    assert "AUTHBOT_CONSOLE_URL" in (DEPLOY / "authbot.env.example").read_text()
