"""Settings (defaults < authbot.toml < environment), token checks, token-safe logging, atomic
writes, and splitting one enormous line of a reply."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, check_token, load_settings, parse_admin_ids
from bot.core import files
from bot.logs import RedactSecrets, configure_logging
from bot.presenter import split_html

TOKEN = "123456789:AAFakeTokenForSettingsTests-0123456789"


# --- settings -------------------------------------------------------------------------------------


def test_defaults_when_there_is_no_config_file_and_no_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no authbot.toml here
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database.url == "sqlite:///data/authbot.sqlite3" and settings.vectors_dir == Path("data/vectors")


def test_the_environment_overrides_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(
        '[authbot]\nguides_dir = "/srv/guides"\ndata_dir = "/srv/data"\nadmin_ids = [1, 2]\nlog_level = "debug"\n'
        'api_url = " http://127.0.0.1:8081/bot "\n',
        encoding="utf-8",
    )
    from_file = load_settings({"AUTHBOT_CONFIG": str(config)})
    assert from_file == Settings(
        Path("/srv/guides"), Path("/srv/data"), None, "http://127.0.0.1:8081/bot", frozenset({1, 2}), "debug"
    )
    env = {
        "AUTHBOT_CONFIG": str(config),
        "AUTHBOT_DATA_DIR": "/var/lib/authbot",
        "AUTHBOT_ADMIN_IDS": "7, 8 9",
        "TELEGRAM_BOT_TOKEN": f" {TOKEN} ",
        "AUTHBOT_GUIDES_DIR": "",
    }
    both = load_settings(env)
    assert both.data_dir == Path("/var/lib/authbot") and both.guides_dir == Path("/srv/guides")  # an empty variable is unset
    assert both.admin_ids == frozenset({7, 8, 9}) and both.token == TOKEN
    assert TOKEN not in repr(both)  # the token is carried, never printed


def test_a_config_file_without_a_section_is_read_as_the_section(tmp_path: Path) -> None:
    config = tmp_path / "authbot.toml"
    config.write_text('data_dir = "elsewhere"\n', encoding="utf-8")
    assert load_settings({}, config).data_dir == Path("elsewhere")


def test_flags_override_everything_but_only_when_given() -> None:
    settings = Settings(api_url="http://a")
    assert settings.with_overrides(api_url=None, guides_dir=Path("g")) == Settings(guides_dir=Path("g"), api_url="http://a")


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("data_dir = ", "cannot read config file"),
        ("authbot = 3\n", "[authbot] must be a table"),
        (
            "[authbot]\ncolour = 'red'\ntoken_file = 'x'\n",
            "unknown setting(s): colour, token_file (known: admin_ids, api_url, console_url, data_dir, database_url, guides_dir, log_level, rate_limit, token, web_listen, web_port)",
        ),
        ("[authbot]\nadmin_ids = 'alice'\n", "admin ids must be Telegram user ids (numbers), got 'alice'"),
        (b"\xff\xfe not utf-8", "cannot read config file"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_the_problem(tmp_path: Path, content: str | bytes, complaint: str) -> None:
    config = tmp_path / "authbot.toml"
    if isinstance(content, bytes):
        config.write_bytes(content)
    else:
        config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings({}, config)
    assert complaint in str(refused.value) and "\n" not in str(refused.value)


def test_a_config_file_that_was_asked_for_must_exist(tmp_path: Path) -> None:
    for env, path in (({"AUTHBOT_CONFIG": str(tmp_path / "a.toml")}, None), ({}, tmp_path / "b.toml")):
        with pytest.raises(ConfigError, match="config file not found"):
            load_settings(env, path)


@pytest.mark.parametrize(
    ("raw", "ids"), [("1,2 3", {1, 2, 3}), ([4, "5"], {4, 5}), ("", set()), (" 6 ", {6}), (-100123, {-100123})]
)
def test_admin_ids_from_text_or_a_list(raw: object, ids: set[int]) -> None:
    assert parse_admin_ids(raw) == frozenset(ids)


def test_a_token_is_checked_and_never_echoed() -> None:
    assert check_token(f"  {TOKEN}\n") == TOKEN
    for bad in ("", None, "12345:short", "abc:" + "x" * 35, TOKEN + "!"):
        with pytest.raises(ConfigError) as refused:
            check_token(bad)
        assert "TELEGRAM_BOT_TOKEN" in str(refused.value)
        assert not bad or bad not in str(refused.value)


# --- logging ----------------------------------------------------------------------------------------


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, exc_info)


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks() -> None:
    redact = RedactSecrets([TOKEN, ""])
    url = record("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    assert redact.filter(url) is True
    assert url.getMessage() == "HTTP Request: POST https://api.telegram.org/bot<redacted>/getUpdates"
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage")
    except RuntimeError as exc:
        failed = record("update %s failed", 7, exc=exc)
    redact.filter(failed)
    assert failed.getMessage() == "update 7 failed"
    assert TOKEN not in (failed.exc_text or "") and "/bot<redacted>/sendMessage" in (failed.exc_text or "")
    assert TOKEN not in logging.Formatter().format(failed)


def test_with_no_secrets_records_pass_untouched() -> None:
    plain = record("serving %d brands", 17)
    assert RedactSecrets([]).filter(plain) is True
    assert (plain.msg, plain.args) == ("serving %d brands", (17,))


def test_configure_logging_writes_to_stderr_without_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # given back after the test
    monkeypatch.setattr(root, "level", root.level)
    httpx_level = logging.getLogger("httpx").level
    try:
        configure_logging("debug", [TOKEN])
        assert root.level == logging.DEBUG and len(root.handlers) == 1
        assert logging.getLogger("httpx").level == logging.WARNING and logging.getLogger("apscheduler").level == logging.WARNING
        logging.getLogger("bot.test").info("token is %s", TOKEN)
        logging.getLogger("httpx").info("not shown at INFO: %s", TOKEN)
    finally:
        logging.getLogger("httpx").setLevel(httpx_level)
    err = capsys.readouterr().err
    assert err.rstrip().endswith("INFO bot.test: token is <redacted>") and err.count("\n") == 1
    assert TOKEN not in err


# --- files and long replies ------------------------------------------------------------------------


def test_an_atomic_write_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "guide.yaml"
    files.atomic_write(target, b"old")
    files.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(target.parent) == ["guide.yaml"]  # no temporary file left beside it


def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "guide.yaml"
    target.write_bytes(b"old")

    def crash(src: str, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        files.atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["guide.yaml"]


def test_one_enormous_line_is_cut_between_tags_and_entities_never_inside_one() -> None:
    # A single line over the limit: no tag and no entity is cut in half, and a span the cut
    # goes through is closed in one message and opened again in the next, so Telegram accepts both.
    line = "前言\n" + ("<b>要点</b> 说明 &amp; 细节 " * 400)
    parts = split_html(line, limit=1000)
    assert len(parts) > 1 and all(len(p) <= 1000 for p in parts)
    assert parts[0] == "前言"
    for part in parts[1:]:
        assert not re.search(r"<[^>]*$", part) and not re.match(r"^[^<]*>", part)  # no tag cut in half
        assert not re.search(r"&[a-z]*$", part) and not re.match(r"^[a-z]*;", part)  # no entity cut in half
        assert part.count("<b>") == part.count("</b>")  # every span closed where it is opened
    rejoined = re.sub(r"</b><b>", "", "".join(parts[1:]))
    assert rejoined == line.split("\n", 1)[1]


def test_a_span_cut_by_a_long_line_is_closed_and_reopened() -> None:
    line = "<b>" + "很长的粗体说明" * 300 + "</b>"
    parts = split_html(line, limit=1000)
    assert len(parts) > 1
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_the_rate_limit_is_telegrams_by_default_and_can_be_turned_off() -> None:
    from bot.app import flood_limiter
    from bot.config import ConfigError, load_settings

    assert load_settings({}, config_file=None).rate_limit == 30
    assert load_settings({"AUTHBOT_RATE_LIMIT": "0"}).rate_limit == 0
    assert flood_limiter(0) is None and flood_limiter(30) is not None
    for bad in ("fast", "-1", "2.5"):
        with pytest.raises(ConfigError, match="rate_limit"):
            load_settings({"AUTHBOT_RATE_LIMIT": bad})
