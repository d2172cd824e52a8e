"""The `authbot` command line, run as a user runs it: a separate process, stdin and stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_GUIDES = ROOT / "tests" / "data" / "eval" / "dev" / "guides"


def authbot(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)


def test_ask_answers_as_a_shopper_would_see_it() -> None:
    done = authbot("ask", "茅台瓶盖怎么看真假")
    assert done.returncode == 0, done.stderr
    assert "贵州茅台" in done.stdout and "瓶盖" in done.stdout
    assert "官方验证" in done.stdout  # the official channel is always shown


def test_ask_without_an_answer_says_so_and_names_the_brands_covered() -> None:
    done = authbot("ask", "--guides", str(DEV_GUIDES), "香奈儿包怎么辨别真假")
    assert done.returncode == 0
    assert "香奈儿" in done.stdout and "还不是我们的合作品牌" in done.stdout
    assert "周大福" in done.stdout  # the brands it can help with


def test_match_reads_questions_and_writes_json_lines_in_order() -> None:
    done = authbot("match", "--guides", str(DEV_GUIDES), "--top", "2", stdin="毛台的瓶盖胶帽怎么看\n你好\n\nnkie鞋标\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["query"] for r in rows] == ["毛台的瓶盖胶帽怎么看", "你好", "", "nkie鞋标"]
    assert rows[0]["answer"]["brand"] == "moutai" and rows[0]["answer"]["tip"] == "cap-seal"
    assert 0 < rows[0]["answer"]["score"] <= 1
    assert rows[1] == {"query": "你好", "answer": None, "candidates": []}
    assert rows[3]["answer"]["brand"] == "nike"
    assert all(len(r["candidates"]) <= 2 for r in rows)
    assert set(rows[0]) == {"query", "answer", "candidates"}


def test_validate_prints_each_error_and_exits_1(tmp_path: Path) -> None:
    good = (DEV_GUIDES / "nike.yaml").read_text(encoding="utf-8")
    (tmp_path / "nike.yaml").write_text(good, encoding="utf-8")
    (tmp_path / "moutai.yaml").write_text(good, encoding="utf-8")  # id does not match the name
    done = authbot("validate", str(tmp_path))
    assert done.returncode == 1
    assert (
        done.stdout.strip()
        == "moutai.yaml:3: brand.id: 'nike' must equal the file name's stem 'moutai' (rename the file to nike.yaml)"
    )
    assert authbot("validate", str(tmp_path / "nike.yaml")).returncode == 0


def test_user_mistakes_are_one_line_on_stderr_never_a_traceback(tmp_path: Path) -> None:
    for args in (["ask", "--guides", str(tmp_path / "missing"), "hi"], ["validate", str(tmp_path / "nope.yaml")], ["ask", "hi"]):
        done = authbot(*args, cwd=tmp_path)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert authbot("match", "--top", "x").returncode == 2


def test_console_script_and_module_are_the_same_command() -> None:
    done = authbot("--help")
    assert done.returncode == 0 and "ask" in done.stdout and "match" in done.stdout and "validate" in done.stdout


def test_validate_reports_a_name_another_file_already_uses(tmp_path: Path) -> None:
    moutai = (DEV_GUIDES / "moutai.yaml").read_text(encoding="utf-8")
    nike = (DEV_GUIDES / "nike.yaml").read_text(encoding="utf-8")
    (tmp_path / "moutai.yaml").write_text(moutai, encoding="utf-8")
    (tmp_path / "nike.yaml").write_text(nike.replace("aliases: [", "aliases: [茅台, ", 1), encoding="utf-8")
    done = authbot("validate", str(tmp_path))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert 'nike.yaml:5: brand.aliases: "茅台" is already a name of moutai (贵州茅台)' in lines
    assert any(
        line.startswith("moutai.yaml:") and "is already a name of nike" in line for line in lines
    )  # the clash is both files'
    assert authbot("validate", str(tmp_path / "moutai.yaml")).returncode == 0  # alone, each file is fine
