"""Nothing confirmed is ever lost: a report writer killed with SIGKILL at random points."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLS = 6


def test_reports_survive_sigkill_at_random_points(tmp_path: Path) -> None:
    database = tmp_path / "authbot.sqlite3"
    promised: list[str] = []
    rng = random.Random(20261126)
    for round_number in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "report_writer.py"), str(database), str(round_number * 1_000_000)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        time.sleep(rng.uniform(0.3, 1.5))
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL, err
        promised += out.split()  # only complete lines: a reference cut mid-print was never promised
        if not out.endswith("\n") and promised:
            promised.pop()
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = {r[0] for r in db.execute("SELECT reference FROM reports")}
            assert db.execute(
                "SELECT COUNT(*) FROM reports r LEFT JOIN evidence e ON e.report_id = r.id WHERE e.id IS NULL"
            ).fetchone() == (0,)
        missing = [ref for ref in promised if ref not in stored]
        assert not missing, f"round {round_number}: {len(missing)} promised reports lost, e.g. {missing[:3]}"
    assert len(promised) > 100, "the writer hardly wrote anything; the test proves little"
    print(f"{KILLS} SIGKILLs, {len(promised)} promised reports, all present, integrity ok")
