"""Settings: safe defaults, overridden by a TOML config file, overridden by the environment.

Precedence (last wins): defaults → ``authbot.toml`` (or the file named by ``AUTHBOT_CONFIG``)
→ environment variables → command-line flags. The database is one URL (``AUTHBOT_DATABASE_URL``,
``database_url``, ``--database``): SQLite in the data directory unless it names another. Nothing here reads Telegram; the token is only
carried, never printed (``repr`` hides it).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core.store.url import DatabaseURL

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,64}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    guides_dir: Path = Path("brand_guides")
    data_dir: Path = Path("data")
    token: str | None = field(default=None, repr=False)
    api_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    # Messages a second to all chats together (Telegram asks for at most 30); 0 turns the limiter
    # off, for a local Bot API server or paid broadcasts. Groups keep 20 a minute either way.
    rate_limit: int = 30
    # sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB; may hold a password, so never printed
    database_url: str | None = field(default=None, repr=False)
    # The web console (`authbot web`): where it listens, and the public address its sign-in
    # links start with (https://… behind the reverse proxy). Without console_url, /console says
    # the console is not set up.
    web_listen: str = "127.0.0.1"
    web_port: int = 8080
    console_url: str | None = None

    @property
    def database(self) -> DatabaseURL:
        """The database in effect: ``database_url``, or the SQLite file in the data directory."""
        from .core.store.url import DatabaseURL  # the store loads only for the commands that use it

        return DatabaseURL.of(self.database_url or self.data_dir / "authbot.sqlite3")

    @property
    def vectors_dir(self) -> Path:
        """Tip vectors of the semantic layer, cached by content hash."""
        return self.data_dir / "vectors"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV = {
    "AUTHBOT_GUIDES_DIR": "guides_dir",
    "AUTHBOT_DATA_DIR": "data_dir",
    "TELEGRAM_BOT_TOKEN": "token",
    "TELEGRAM_API_URL": "api_url",
    "AUTHBOT_ADMIN_IDS": "admin_ids",
    "AUTHBOT_LOG_LEVEL": "log_level",
    "AUTHBOT_DATABASE_URL": "database_url",
    "AUTHBOT_RATE_LIMIT": "rate_limit",
    "AUTHBOT_WEB_LISTEN": "web_listen",
    "AUTHBOT_WEB_PORT": "web_port",
    "AUTHBOT_CONSOLE_URL": "console_url",
}


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Read settings from the config file (if any) and the environment."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    path = config_file or Path(env.get("AUTHBOT_CONFIG", "authbot.toml"))
    if path.is_file():
        values.update(_read_toml(path))
    elif config_file is not None or "AUTHBOT_CONFIG" in env:
        raise ConfigError(f"config file not found: {path}")
    for name, key in _ENV.items():
        if env.get(name):
            values[key] = env[name]
    return _coerce(values)


def _read_toml(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    section = data.get("authbot", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [authbot] must be a table")
    known = set(_ENV.values())
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return dict(section)


def _coerce(values: dict[str, object]) -> Settings:
    settings = Settings()
    changes: dict[str, Any] = {}
    for key in ("guides_dir", "data_dir"):
        if key in values:
            changes[key] = Path(str(values[key]))
    for key in ("token", "api_url", "log_level", "database_url", "web_listen", "console_url"):
        if key in values:
            changes[key] = str(values[key]).strip()
    if "web_port" in values:
        changes["web_port"] = parse_port(values["web_port"])
    if "admin_ids" in values:
        changes["admin_ids"] = parse_admin_ids(values["admin_ids"])
    if "rate_limit" in values:
        changes["rate_limit"] = parse_rate_limit(values["rate_limit"])
    if changes.get("database_url"):
        check_database_url(str(changes["database_url"]))
    return replace(settings, **changes)


def check_database_url(url: str) -> str:
    """The URL if it names an SQLite file or a PostgreSQL database; otherwise a ConfigError."""
    from .core.store.url import BadDatabaseURL, DatabaseURL  # the store loads only for the commands that use it

    try:
        DatabaseURL.of(url)
    except BadDatabaseURL as exc:
        raise ConfigError(str(exc)) from None
    return url


def parse_rate_limit(raw: object) -> int:
    """Messages a second overall: a whole number, 0 for no limiter."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"rate_limit must be a whole number of messages a second (0 = off), not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"rate_limit must be 0 (off) or more, not {value}")
    return value


def parse_admin_ids(raw: object) -> frozenset[int]:
    items = raw if isinstance(raw, list) else re.split(r"[,\s]+", str(raw).strip())
    try:
        return frozenset(int(str(i)) for i in items if str(i))
    except ValueError as exc:
        raise ConfigError(f"admin ids must be Telegram user ids (numbers), got {raw!r}") from exc


def parse_port(raw: object) -> int:
    try:
        port = int(str(raw))
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ConfigError(f"web_port must be a TCP port (1-65535), got {raw!r}")
    return port


def check_token(token: str | None) -> str:
    """The token if it looks like one Telegram issues; otherwise a ConfigError that never echoes it."""
    if not token:
        raise ConfigError("no bot token: set TELEGRAM_BOT_TOKEN (from @BotFather) or 'token' in authbot.toml")
    if not TOKEN_PATTERN.match(token.strip()):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: expected '<digits>:<35 letters, digits, - or _>' as @BotFather gives it"
        )
    return token.strip()
