"""benchmarks/bench_bot.py keeps working: a tiny run prints its table, the bare bot beside authbot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("mix", [[], ["--popular"]])
def test_the_bot_benchmark_prints_a_row_for_each_bot(mix: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_bot.py"), "--shoppers", "2", "--questions", "2", *mix],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "updates/s" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| bare python-telegram-bot, replies from a dict", "| authbot, SQLite"]
    for row in rows:
        updates_per_second, _p50, _p99, cpu = row.strip(" |").split(" | ")[1:]
        assert float(updates_per_second.replace(",", "")) > 0 and cpu.endswith(" ms")
