"""The SQLite store on its own: migrations, the status lifecycle, and the command-line tools on it."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.core.reports import Draft, InvalidTransition, Photo, check_transition
from bot.core.store import Store
from bot.core.store.migrations import MIGRATIONS
from bot.core.evidence import store_evidence

ROOT = Path(__file__).resolve().parent.parent


def authbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={"AUTHBOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )


def test_an_old_database_upgrades_in_place_without_loss(tmp_path: Path) -> None:
    database = tmp_path / "authbot.sqlite3"
    with sqlite3.connect(database) as db:  # a database from the first release: migration 1 only
        db.executescript(MIGRATIONS[0])
        db.execute("INSERT INTO feedback (user_id, brand, tip, vote, created_at) VALUES (7, 'moutai', 'cap-seal', 1, 0)")
        db.execute("PRAGMA user_version = 1")

    async def reopen() -> tuple[int, list[tuple]]:
        store = await Store.open(database)
        try:
            rows = [tuple(r) for r in await store.database.fetch_all("SELECT user_id, brand, vote FROM feedback")]
            return await store.database.scalar("PRAGMA user_version"), rows
        finally:
            await store.close()

    version, rows = asyncio.run(reopen())
    assert version == len(MIGRATIONS)
    assert rows == [(7, "moutai", 1)]
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {"reports", "evidence", "status_history", "roles", "audit"}


def test_the_status_lifecycle_refuses_what_it_does_not_allow() -> None:
    assert check_transition("submitted", "under_review").value == "under_review"
    assert check_transition("under_review", "need_more_info").value == "need_more_info"
    assert check_transition("need_more_info", "under_review").value == "under_review"
    assert check_transition("confirmed_counterfeit", "forwarded").value == "forwarded"
    for current, wanted in [("submitted", "forwarded"), ("under_review", "closed"), ("closed", "under_review"), ("not_counterfeit", "forwarded")]:
        with pytest.raises(InvalidTransition):
            check_transition(current, wanted)
    with pytest.raises(ValueError):
        check_transition("submitted", "deleted")


def test_cli_status_unanswered_roles_and_evidence(tmp_path: Path) -> None:
    photo = b"\xff\xd8 evidence bytes"

    async def seed() -> str:
        store = await Store.open(tmp_path / "authbot.sqlite3")
        sha = store_evidence(tmp_path, photo, "image/jpeg")
        draft = Draft(brand="moutai", product="飞天", platform="offline", shop="某店", problem="胶帽", official_check="failed",
                      consent=True, photos=[Photo(sha, "fid", "uid", len(photo))])
        ref = (await store.reports.submit(5, 5, draft)).reference
        for text in ("香奈儿包怎么辨别真假", "香奈儿包怎么辨别真假？", "你好"):
            await store.answers.record_unanswered(text, 0.1)
        await store.close()
        return ref

    ref = asyncio.run(seed())
    moved = authbot(tmp_path, "status", ref, "under_review", "--note", "核实中")
    assert moved.returncode == 0 and moved.stdout.strip() == f"{ref}: under_review"
    refused = authbot(tmp_path, "status", ref, "closed")
    assert refused.returncode == 2 and "cannot become closed" in refused.stderr
    listing = authbot(tmp_path, "unanswered").stdout.splitlines()
    assert listing[0].split()[0] == "2×" and "香奈儿包怎么辨别真假" in listing[0]
    assert authbot(tmp_path, "roles", "grant", "42", "staff", "moutai").returncode == 0
    assert "42\tstaff\tmoutai" in authbot(tmp_path, "roles", "list").stdout
    assert authbot(tmp_path, "roles", "grant", "42", "staff").returncode == 2
    pack = tmp_path / "pack.zip"
    assert authbot(tmp_path, "evidence", ref, "--out", str(pack)).returncode == 0
    with zipfile.ZipFile(pack) as z:
        assert any(n.startswith("photos/") for n in z.namelist())
    assert authbot(tmp_path, "evidence", "--verify", str(pack)).returncode == 0
