"""Every `authbot` command, run in this process: ``bot.cli.main(argv)`` with the settings in the
environment, stdin and stdout swapped by pytest. Fast, and counted by coverage.

tests/test_cli.py runs the same command as a separate process; here exactly one test does, to
show that the process and ``main()`` are the same command.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.evidence import store_evidence
from bot.core.exports import COLUMNS
from bot.core.reports import Draft, Photo
from bot.core.store import Store

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_GUIDES = ROOT / "brand_guides"
DEV_GUIDES = ROOT / "tests" / "data" / "eval" / "dev" / "guides"
PHOTO = b"\xff\xd8\xff\xe0" + b"evidence" * 40


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: no config file, no token, guides bundled with the bot, data in tmp."""
    for name in [n for n in os.environ if n.startswith(("AUTHBOT_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # no authbot.toml here
    data = tmp_path / "data"
    monkeypatch.setenv("AUTHBOT_DATA_DIR", str(data))
    monkeypatch.setenv("AUTHBOT_GUIDES_DIR", str(BUNDLED_GUIDES))
    return data


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def db_rows(data_dir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data_dir / "authbot.sqlite3") as db:
        return list(db.execute(sql))


def seed_reports(data_dir: Path) -> list[str]:
    """Three reports as shoppers would file them: two about Moutai (one with a photo), one about Nike."""

    async def seed() -> list[str]:
        data_dir.mkdir(parents=True, exist_ok=True)
        store = await Store.open(data_dir / "authbot.sqlite3")
        try:
            sha = store_evidence(data_dir, PHOTO, "image/jpeg")
            drafts = [
                Draft(
                    brand="moutai",
                    product='=HYPERLINK("http://evil")',
                    platform="douyin_live",
                    shop="酒仙旗舰店",
                    problem="胶帽起皱",
                    official_check="failed",
                    consent=True,
                    price_cents=129900,
                    purchase_date="2026-11-20",
                    photos=[Photo(sha, "file-a", "u-a", len(PHOTO))],
                ),
                Draft(
                    brand="moutai",
                    product="飞天 53度",
                    platform="offline",
                    shop="某烟酒店",
                    problem="喷码模糊",
                    official_check="not_tried",
                    consent=False,
                ),
                Draft(
                    brand="nike",
                    product="AJ1",
                    platform="douyin_shop",
                    shop="潮鞋小店",
                    problem="鞋标发虚",
                    official_check="failed",
                    consent=True,
                ),
            ]
            return [(await store.reports.submit(100 + n, 100 + n, d)).reference for n, d in enumerate(drafts)]
        finally:
            await store.close()

    return asyncio.run(seed())


def seed_unanswered(data_dir: Path, questions: list[tuple[str, float, str | None]]) -> None:
    async def seed() -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        store = await Store.open(data_dir / "authbot.sqlite3")
        try:
            for text, score, brand in questions:
                await store.answers.record_unanswered(text, score, brand)
        finally:
            await store.close()

    asyncio.run(seed())


# --- ask and match ------------------------------------------------------------------------------


def test_ask_prints_the_answer_then_the_alternatives_numbered(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", "茅台瓶盖怎么看真假")
    assert code == 0 and err == ""
    first, *rest = out.splitlines()
    assert first.startswith("贵州茅台") and "瓶盖" in first
    assert "官方验证" in out  # the official channel is always shown
    options = [line.strip() for line in rest if line.startswith("  [")]
    assert options and options[0].startswith("[1] ") and all(o.startswith(f"[{n}] ") for n, o in enumerate(options, 1))
    assert (data_dir / "vectors").is_dir()  # tip vectors cached in the data directory


def test_ask_with_no_answer_names_the_brands_it_covers(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--guides", str(DEV_GUIDES), "香奈儿包", "怎么辨别真假")  # words are joined
    assert code == 0
    assert "「香奈儿」还不是我们的合作品牌" in out and "周大福" in out and "[1]" not in out


def test_ask_in_english_is_answered_in_english(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--guides", str(DEV_GUIDES), "How do I scan the NFC chip in a Moutai cap?")
    assert code == 0 and out.startswith("贵州茅台 · 用手机NFC读取瓶盖防伪芯片")
    assert "(This tip is only available in Chinese.)" in out
    assert "🔎 Verify officially: " in out and "官方验证" not in out  # the labels are English


def test_match_reads_stdin_and_writes_one_json_line_per_question(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("毛台的瓶盖胶帽怎么看\r\n你好\n\nnkie鞋标\n"))
    code, out, _ = run(capsys, "match", "--guides", str(DEV_GUIDES), "--top", "1")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in rows] == ["毛台的瓶盖胶帽怎么看", "你好", "", "nkie鞋标"]
    assert (rows[0]["answer"]["brand"], rows[0]["answer"]["tip"]) == ("moutai", "cap-seal")
    assert rows[1] == {"query": "你好", "answer": None, "candidates": []}
    assert rows[3]["answer"]["brand"] == "nike"
    assert all(len(r["candidates"]) <= 1 for r in rows)


def test_match_into_a_closed_pipe_stops_quietly(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdin", io.StringIO("茅台\n"))
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["match"]) == 0  # `authbot match | head`


def test_ctrl_c_exits_130(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Interrupted(io.StringIO):
        def __iter__(self):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    monkeypatch.setattr(sys, "stdin", Interrupted())
    assert main(["match"]) == 130


# --- validate -----------------------------------------------------------------------------------


def test_validate_accepts_good_files_and_says_so_on_stderr(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "validate", str(DEV_GUIDES))
    assert code == 0 and out == ""
    assert sorted(line.split(":")[0] for line in err.splitlines()) == sorted(p.name for p in DEV_GUIDES.glob("*.yaml"))
    assert "moutai.yaml: ok (贵州茅台, 8 tips)" in err.splitlines()


def test_validate_prints_every_error_on_stdout_and_exits_1(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = (DEV_GUIDES / "nike.yaml").read_text(encoding="utf-8")
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "nike.yaml").write_text(good, encoding="utf-8")
    (guides / "moutai.yaml").write_text(good, encoding="utf-8")  # the id is not the file's name
    (guides / "broken.yaml").write_text("schema: [1\n", encoding="utf-8")
    (guides / "notes.txt").write_text("not a tip file", encoding="utf-8")  # only *.yaml in a directory
    code, out, err = run(capsys, "validate", str(guides))
    assert code == 1
    assert out.splitlines() == [
        "broken.yaml:2: YAML syntax error: did not find expected ',' or ']'",
        "moutai.yaml:3: brand.id: 'nike' must equal the file name's stem 'moutai' (rename the file to nike.yaml)",
    ]
    assert err.splitlines() == ["nike.yaml: ok (Nike 耐克, 7 tips)"]
    code, out, _ = run(capsys, "validate", str(guides / "nike.yaml"), str(guides / "notes.txt"))
    assert code == 1 and out.startswith("notes.txt:")  # a file named outright is checked whatever its name


def test_validate_a_path_that_does_not_exist_is_a_user_error(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "validate", str(DEV_GUIDES / "nike.yaml"), str(tmp_path / "nope.yaml"))
    assert code == 2 and out == ""
    assert err == f"authbot: no such file or directory: {tmp_path / 'nope.yaml'}\n"


# --- eval ---------------------------------------------------------------------------------------


def test_eval_prints_the_figures_by_kind_and_the_misses(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"q": "毛台的瓶盖胶帽怎么看", "brand": "moutai", "tip": "cap-seal", "kind": "typo"},
        {"q": "你好", "brand": None, "tip": None, "kind": "ood"},
        {"q": "毛台的瓶盖胶帽怎么看", "brand": "nike", "tip": None, "kind": "mislabelled"},
    ]
    questions.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    code, out, _ = run(capsys, "eval", "--guides", str(DEV_GUIDES), str(questions), "--misses")
    assert code == 0
    report = out.splitlines()
    assert report[0] == (
        "top-1 tip accuracy 100.0% (1/1), within one tap 100.0% (1/1), brand accuracy 50.0% (1/2), "
        "no-answer questions rejected 100.0% (1/1)"
    )
    assert [line.split() for line in report[1:4]] == [["mislabelled", "0/1"], ["ood", "1/1"], ["typo", "1/1"]]
    assert any(line.strip().startswith("confidence ") for line in report)
    assert report[-1] == "miss [mislabelled] 毛台的瓶盖胶帽怎么看 -> want nike/None, got moutai/cap-seal"
    code, out, _ = run(capsys, "eval", "--guides", str(DEV_GUIDES), str(questions))
    assert code == 0 and "miss [" not in out


@pytest.mark.parametrize("content", [None, "{not json\n", '{"brand": "moutai"}\n'])
def test_eval_on_a_file_it_cannot_read_is_one_line(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    path = tmp_path / "questions.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "eval", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"authbot: cannot read labelled questions from {path}: ") and err.count("\n") == 1


# --- unanswered ---------------------------------------------------------------------------------


def test_unanswered_lists_the_most_asked_first_and_filters_by_brand(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "unanswered")
    assert code == 0 and out == "" and err == "no unanswered questions recorded\n"
    seed_unanswered(
        data_dir,
        [
            ("香奈儿包怎么辨别真假", 0.12, None),
            ("香奈儿包怎么辨别真假？", 0.31, None),
            ("茅台礼盒的丝带是什么颜色", 0.55, "moutai"),
        ],
    )
    code, out, _ = run(capsys, "unanswered")
    first, second = out.splitlines()
    count, best, last = first.split("  best ")[0].strip(), first.split("best ")[1].split()[0], first.split("last ")[1]
    assert (count, best) == ("2×", "0.31") and last.endswith("香奈儿包怎么辨别真假")
    assert second.strip().startswith("1×") and second.endswith("茅台礼盒的丝带是什么颜色")
    _, only_moutai, _ = run(capsys, "unanswered", "--brand", "moutai")
    assert only_moutai.count("\n") == 1 and "茅台礼盒" in only_moutai
    _, top_one, _ = run(capsys, "unanswered", "--limit", "1")
    assert top_one.count("\n") == 1 and "香奈儿" in top_one


# --- roles --------------------------------------------------------------------------------------


def test_roles_grant_list_and_revoke(data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHBOT_ADMIN_IDS", "7")
    assert run(capsys, "roles", "list") == (0, "7\tadmin\t*\t(config)\n", "")
    assert run(capsys, "roles", "grant", "42", "staff", "moutai") == (0, "grant: done\n", "")
    assert run(capsys, "roles", "grant", "42", "staff", "moutai") == (0, "grant: nothing to do\n", "")
    assert run(capsys, "roles", "grant", "43", "enforcement")[0] == 0
    code, out, _ = run(capsys, "roles", "list")
    assert code == 0 and out.splitlines() == ["7\tadmin\t*\t(config)", "42\tstaff\tmoutai", "43\tenforcement\t*"]
    assert run(capsys, "roles", "revoke", "42", "staff", "moutai") == (0, "revoke: done\n", "")
    assert run(capsys, "roles", "revoke", "42", "staff", "moutai") == (0, "revoke: nothing to do\n", "")
    assert "42\t" not in run(capsys, "roles", "list")[1]
    assert db_rows(data_dir, "SELECT actor, action, target, detail FROM audit ORDER BY id") == [
        (None, "grant", "42", "staff moutai"),
        (None, "grant", "43", "enforcement *"),
        (None, "revoke", "42", "staff moutai"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["roles", "grant", "42"], "authbot: usage: authbot roles grant USER_ID ROLE [BRAND]"),
        (["roles", "revoke"], "authbot: usage: authbot roles revoke USER_ID ROLE [BRAND]"),
        (["roles", "grant", "42", "staff"], "authbot: staff needs a brand: staff BRAND"),
        (["roles", "grant", "42", "admin", "moutai"], "authbot: admin is for every brand; give no brand"),
    ],
)
def test_roles_mistakes_are_one_line(data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert run(capsys, *argv) == (2, "", message + "\n")


# --- reports: status, export, evidence -----------------------------------------------------------


def test_status_moves_a_report_and_queues_the_shopper_a_message(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, *_ = seed_reports(data_dir)
    assert run(capsys, "status", ref.lower(), "under_review", "--note", "已转品牌方核实") == (0, f"{ref}: under_review\n", "")
    code, out, err = run(capsys, "status", ref, "closed")
    assert (code, out) == (2, "")
    assert err == (
        "authbot: a report that is under_review cannot become closed; "
        "it can become: confirmed_counterfeit, need_more_info, not_counterfeit\n"
    )
    assert run(capsys, "status", "FW-2026-999999", "closed") == (2, "", "authbot: no report FW-2026-999999\n")
    assert db_rows(
        data_dir, "SELECT from_status, to_status, changed_by, note FROM status_history WHERE from_status IS NOT NULL"
    ) == [("submitted", "under_review", None, "已转品牌方核实")]
    assert db_rows(data_dir, "SELECT COUNT(*) FROM notifications WHERE sent_at IS NULL") == [(1,)]


def test_export_csv_and_jsonl_to_a_file_with_filters(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    refs = seed_reports(data_dir)
    run(capsys, "status", refs[1], "under_review")
    out_csv = tmp_path / "reports.csv"
    code, out, err = run(capsys, "export", "--out", str(out_csv))
    assert (code, out, err) == (0, "", f"exported 3 reports to {out_csv}\n")
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(table[0]) == COLUMNS
    assert [r["reference"] for r in table] == refs
    assert table[0]["product"] == '\'=HYPERLINK("http://evil")' and table[0]["price"] == "1299.00"
    assert table[0]["evidence_sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert (table[0]["consent"], table[1]["consent"]) == ("yes", "no")

    out_jsonl = tmp_path / "moutai.jsonl"
    assert run(capsys, "export", "--format", "jsonl", "--brand", "MOUTAI", "--out", str(out_jsonl))[0] == 0
    records = [json.loads(line) for line in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["reference"] for r in records] == refs[:2]
    assert records[0]["product"] == '=HYPERLINK("http://evil")'  # JSON keeps values exactly

    def count(*filters: str) -> str:
        return run(capsys, "export", *filters, "--out", str(tmp_path / "x.csv"))[2]

    today = dt.datetime.now(dt.UTC).date()
    assert count("--status", "under_review") == f"exported 1 reports to {tmp_path / 'x.csv'}\n"
    assert count(
        "--brand", "moutai", "--brand", "nike", "--since", str(today - dt.timedelta(days=1)), "--until", str(today)
    ).startswith("exported 3 ")
    assert count("--since", str(today + dt.timedelta(days=2))).startswith("exported 0 ")
    assert count("--until", str(today - dt.timedelta(days=2))).startswith("exported 0 ")
    assert count("--brand", "dyson").startswith("exported 0 ")
    audited = db_rows(data_dir, "SELECT actor, target, detail FROM audit WHERE action = 'export' ORDER BY id")
    assert audited[0] == (None, None, "csv brands=all") and audited[1][:2] == (None, "moutai") and len(audited) == 7


def test_export_mistakes_are_one_line(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.csv"
    assert run(capsys, "export", "--out", str(out)) == (
        2,
        "",
        f"authbot: no database at {data_dir / 'authbot.sqlite3'} (set AUTHBOT_DATA_DIR)\n",
    )
    seed_reports(data_dir)
    code, _, err = run(capsys, "export", "--out", str(tmp_path / "no" / "such" / "dir.csv"))
    assert (
        code == 2 and err.startswith(f"authbot: cannot write {tmp_path / 'no' / 'such' / 'dir.csv'}: ") and err.count("\n") == 1
    )
    with pytest.raises(SystemExit) as bad_date:
        main(["export", "--since", "20.11.2026", "--out", str(out)])
    assert bad_date.value.code == 2 and "expected a date like 2026-11-30, got '20.11.2026'" in capsys.readouterr().err


def test_evidence_pack_is_made_verified_and_tampering_is_caught(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = seed_reports(data_dir)
    pack = tmp_path / "pack.zip"
    assert run(capsys, "evidence", refs[0], "--out", str(pack)) == (0, "", f"wrote {pack}\n")
    with zipfile.ZipFile(pack) as z:
        names = set(z.namelist())
        report = json.loads(z.read("report.json"))
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert names == {"report.json", "manifest.json", f"photos/{sha}.jpg"}
    assert report["report"]["reference"] == refs[0] and report["status_history"][0]["to_status"] == "submitted"
    assert run(capsys, "evidence", "--verify", str(pack)) == (0, "", "ok: every file matches the manifest\n")
    assert db_rows(data_dir, "SELECT actor, action, target FROM audit") == [
        (None, "evidence pack", refs[0])
    ]  # None: the command line

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name) + (b"x" if name.startswith("photos/") else b""))
        dst.writestr("extra.txt", b"slipped in")
    code, out, err = run(capsys, "evidence", "--verify", str(tampered))
    assert code == 1 and err == "2 problem(s)\n"
    assert out.splitlines()[0] == "extra.txt: not in the manifest"
    assert out.splitlines()[1].startswith(f"photos/{sha}.jpg: SHA-256 ") and "does not match the manifest's " + sha in out

    not_a_zip = tmp_path / "notes.zip"
    not_a_zip.write_text("hello", encoding="utf-8")
    code, out, _ = run(capsys, "evidence", "--verify", str(not_a_zip))
    assert code == 1 and out.startswith("not a readable evidence pack: ")


def test_evidence_pack_says_which_photos_are_missing_on_disk(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = seed_reports(data_dir)
    for stored in (data_dir / "evidence").rglob("*.jpg"):
        stored.unlink()
    pack = tmp_path / "pack.zip"
    assert run(capsys, "evidence", refs[0], "--out", str(pack)) == (0, "", f"wrote {pack}; 1 photo file(s) missing on disk\n")
    with zipfile.ZipFile(pack) as z:
        assert json.loads(z.read("manifest.json"))["missing_photos"] == [hashlib.sha256(PHOTO).hexdigest()]
    assert run(capsys, "evidence", "--verify", str(pack))[0] == 0  # what is in the pack is intact


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evidence"], "authbot: usage: authbot evidence REFERENCE --out FILE.zip, or authbot evidence --verify FILE.zip"),
        (
            ["evidence", "FW-2026-000001"],
            "authbot: usage: authbot evidence REFERENCE --out FILE.zip, or authbot evidence --verify FILE.zip",
        ),
        (["evidence", "FW-2026-999999", "--out", "x.zip"], "authbot: no report FW-2026-999999"),
    ],
)
def test_evidence_mistakes_are_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    seed_reports(data_dir)
    assert run(capsys, *argv) == (2, "", message + "\n")
    assert not Path("x.zip").exists()


# --- user mistakes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "--guides", "{missing}", "hi"],
        ["match", "--guides", "{missing}"],
        ["eval", "--guides", "{missing}", "questions.jsonl"],
        ["shell", "--guides", "{missing}"],
    ],
)
def test_a_missing_guides_directory_is_one_line_and_exit_2(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    missing = tmp_path / "missing"
    Path("questions.jsonl").write_text('{"q": "hi", "brand": null}\n', encoding="utf-8")
    code, out, err = run(capsys, *[a.replace("{missing}", str(missing)) for a in argv])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("authbot: ") and str(missing) in err
    assert not (tmp_path / "data" / "shell").exists()  # the shell did not start


def test_the_guides_directory_from_the_environment_is_checked_too(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHBOT_GUIDES_DIR", str(tmp_path / "gone"))
    code, out, err = run(capsys, "ask", "hi")
    assert code == 2 and out == "" and err.count("\n") == 1 and str(tmp_path / "gone") in err


def test_a_guides_directory_with_only_broken_files_says_what_it_skipped(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "broken.yaml").write_text("schema: [1\n", encoding="utf-8")
    code, out, err = run(capsys, "ask", "--guides", str(guides), "hi")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "authbot: skipped: broken.yaml:2: YAML syntax error: did not find expected ',' or ']'",
        f"authbot: no valid tip files in {guides}",
    ]


def test_a_config_file_named_but_missing_is_one_line(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHBOT_CONFIG", str(tmp_path / "authbot.toml"))
    assert run(capsys, "unanswered") == (2, "", f"authbot: config file not found: {tmp_path / 'authbot.toml'}\n")


def test_settings_come_from_authbot_toml_in_the_working_directory(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTHBOT_DATA_DIR")
    Path("authbot.toml").write_text(f'[authbot]\ndata_dir = "{tmp_path / "from-toml"}"\nadmin_ids = [5, 6]\n', encoding="utf-8")
    assert run(capsys, "roles", "list") == (0, "5\tadmin\t*\t(config)\n6\tadmin\t*\t(config)\n", "")
    assert (tmp_path / "from-toml" / "authbot.sqlite3").exists()
    Path("authbot.toml").write_text("[authbot]\ncolour = 'red'\n", encoding="utf-8")
    code, _, err = run(capsys, "roles", "list")
    assert code == 2 and err.startswith("authbot: authbot.toml: unknown setting(s): colour (known: ")


def test_run_without_a_token_is_one_line_and_never_starts(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "run") == (
        2,
        "",
        "authbot: no bot token: set TELEGRAM_BOT_TOKEN (from @BotFather) or 'token' in authbot.toml\n",
    )
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-looking-but-malformed")
    code, _, err = run(capsys, "run")
    assert code == 2 and "TELEGRAM_BOT_TOKEN is malformed" in err and "secret-looking" not in err
    assert not (data_dir / "authbot.sqlite3").exists()


def test_run_against_a_bot_api_that_is_not_there_says_so_and_exits_1(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "123456789:AAFakeTokenForInProcessTests-0123456789"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # `run` takes over logging; give it back afterwards
    monkeypatch.setattr(root, "level", root.level)
    api = f"http://127.0.0.1:{port}/bot"
    code, out, err = run(capsys, "run", "--api-url", api)
    assert code == 1 and out == ""
    assert f"authbot: cannot reach the Bot API at {api}: " in err
    assert token not in err and token.split(":")[1] not in err


def test_no_command_prints_the_help_and_exits_2(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 2 and out == "" and err.startswith("usage: authbot") and "validate" in err and "evidence" in err


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["match", "--top", "x"], "expected a whole number, got 'x'"),
        (["unanswered", "--limit", "-1"], "must be 0 or more"),
        (["export"], "the following arguments are required: --out"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_argument_mistakes_are_argparse_usage_errors(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and complaint in err and "Traceback" not in err


# --- the one subprocess test ------------------------------------------------------------------------


def test_the_process_and_main_are_the_same_command(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bot` (what the `authbot` script runs) gives the same output and exit code as main()."""
    argv = ["validate", str(DEV_GUIDES / "nike.yaml"), str(tmp_path / "nope.yaml")]
    in_process = run(capsys, *argv)
    done = subprocess.run([sys.executable, "-m", "bot", *argv], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == in_process
    assert in_process[0] == 2
