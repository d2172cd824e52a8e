"""The core stays transport-free: nothing under bot/core imports python-telegram-bot."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "bot" / "core"


def test_the_core_never_imports_telegram() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.relative_to(CORE)}: {n}" for n in names if n == "telegram" or n.startswith("telegram.")]
    assert offenders == []


WEB = CORE.parent / "web"


def test_the_web_console_holds_no_sql_and_no_telegram() -> None:
    """The console is a front door: its queries and permission rules are the core's."""
    offenders = []
    for path in sorted(WEB.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in ("telegram", "sqlite3", "aiosqlite") or n.endswith("store.db")
            ]
        offenders += [f"{path.name}: SQL" for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE ") if keyword in text]
    assert offenders == []
