"""Tip files: what brand staff get back when a file is right, and when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.guides import MAX_FILE_BYTES, GuideInvalid, load_guides, parse_guide

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "brand_guides"

GOOD = """\
schema: 1
brand:
  id: demo
  name: 示例品牌
  aliases: [示例, Demo]
  category: 酒类
  official:
    verify_url: https://example.com/verify
    hotline: "400-000-0000"
tips:
  - id: cap-seal
    title: 看瓶盖
    questions:
      - 瓶盖怎么看
    keywords: [瓶盖]
    answer: |
      1. 看瓶盖。
    answer_en: Check the cap.
    related: [box]
    images: [cap.jpg, https://example.com/cap.jpg]
  - id: box
    title: 看盒子
    questions: [盒子怎么看]
    answer: 看盒子。
"""


def errors_of(text: str | bytes, name: str = "demo.yaml") -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(GuideInvalid) as caught:
        parse_guide(data, name, expected_id=Path(name).stem)
    return [str(e) for e in caught.value.errors]


def test_a_valid_file_loads_with_every_optional_field() -> None:
    brand = parse_guide(GOOD.encode(), "demo.yaml", expected_id="demo")
    assert brand.name == "示例品牌"
    assert brand.official.hotline == "400-000-0000"
    cap = brand.tip("cap-seal")
    assert cap is not None
    assert cap.answer == "1. 看瓶盖。"  # stripped, line breaks kept
    assert cap.answer_en == "Check the cap."
    assert cap.related == ("box",)
    assert cap.images == ("cap.jpg", "https://example.com/cap.jpg")


def test_every_bundled_guide_is_valid_and_the_programme_categories_are_covered() -> None:
    result = load_guides(BUNDLED)
    assert result.errors == ()
    assert len(result.brands) >= 12
    categories = " ".join(b.category for b in result.brands)
    for category in ["酒类", "珠宝潮奢", "美妆", "鞋服", "数码", "母婴", "月饼", "大闸蟹", "鲜花", "虚拟商品"]:
        assert category in categories


def test_an_empty_question_list_names_file_line_and_field() -> None:
    bad = GOOD.replace("    questions:\n      - 瓶盖怎么看\n", "    questions: []\n")
    assert errors_of(bad) == ["demo.yaml:13: tips[0].questions: must be a non-empty list"]


def test_a_misspelt_key_is_refused_not_silently_dropped() -> None:
    bad = GOOD.replace("    keywords: [瓶盖]", "    keywrods: [瓶盖]")
    assert errors_of(bad) == [
        "demo.yaml:15: tips[0].keywrods: unknown key (allowed: answer, answer_en, id, images, keywords, questions, related, title)"
    ]


def test_every_error_in_a_file_is_reported_at_once() -> None:
    bad = GOOD.replace("  name: 示例品牌\n", "").replace("related: [box]", "related: [nope]").replace("id: box", "id: cap-seal")
    errors = errors_of(bad)
    assert "demo.yaml:2: brand.name: is required" in errors
    assert any(e.startswith("demo.yaml:") and "tips[1].id: duplicate tip id 'cap-seal'" in e for e in errors)
    assert any("tips[0].related[0]: 'nope' names no tip in this file" in e for e in errors)


def test_the_brand_id_must_match_the_file_name() -> None:
    assert errors_of(GOOD, "other.yaml") == [
        "other.yaml:3: brand.id: 'demo' must equal the file name's stem 'other' (rename the file to demo.yaml)"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("schema: 1", "schema: 2"), "demo.yaml:1: schema: must be 1 (the only version that exists)"),
        (("  id: demo", "  id: Demo_Brand"), "demo.yaml:3: brand.id: 'Demo_Brand' must be 2-40 characters"),
        (("    title: 看瓶盖", "    title: ''"), "demo.yaml:12: tips[0].title: must be a non-empty string"),
        (
            ("verify_url: https://example.com/verify", "verify_url: example.com"),
            "brand.official.verify_url: must be an http(s):// URL",
        ),
        (("images: [cap.jpg,", "images: [../../etc/passwd,"), "tips[0].images[0]: must be an https URL or a path relative"),
        (("    answer_en: Check the cap.", "    answer_en: !!python/object:os.system ls"), "tips[0].answer_en: must be a string"),
    ],
)
def test_field_errors(change: tuple[str, str], expected: str) -> None:
    errors = errors_of(GOOD.replace(*change))
    assert any(expected in e for e in errors), errors


def test_size_limits() -> None:
    long_answer = GOOD.replace("    answer_en: Check the cap.", "    answer_en: " + "x" * 3501)
    assert errors_of(long_answer) == ["demo.yaml:18: tips[0].answer_en: is 3501 characters; the limit is 3500"]
    huge = GOOD + "# " + "x" * MAX_FILE_BYTES
    assert errors_of(huge) == ["demo.yaml:1: file is 257 KiB; the limit is 256 KiB"]
    tips = "".join(f"  - {{id: t{i}, title: t, questions: [q], answer: a}}\n" for i in range(201))
    many = GOOD.split("tips:")[0] + "tips:\n" + tips
    assert errors_of(many) == ["demo.yaml:11: tips: has 201 tips; the limit is 200"]


def test_hostile_and_broken_files_are_refused_cleanly() -> None:
    bomb = 'schema: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    assert any("unknown key" in e for e in errors_of(bomb))  # refused at once, never expanded
    aliased = GOOD.replace("  aliases: [示例, Demo]", "  aliases: &names [示例, Demo]").replace(
        "    keywords: [瓶盖]", "    keywords: *names"
    )
    assert any("tips[0].keywords: YAML anchors and aliases" in e for e in errors_of(aliased))
    assert errors_of(b"\xff\xfeschema: 1") == ["demo.yaml:1: not valid UTF-8 (byte 0xff); save the file as UTF-8"]
    assert errors_of("- a list\n- not a mapping\n") == ["demo.yaml:1: (document): must be a mapping of keys to values"]
    assert errors_of("") == ["demo.yaml:1: file is empty"]
    assert errors_of("schema: [1\n") == ["demo.yaml:2: YAML syntax error: did not find expected ',' or ']'"]
    assert errors_of(GOOD + "---\nschema: 1\n")[0].startswith("demo.yaml:")
    assert errors_of("a: " + "[" * 5000 + "]" * 5000)[0].startswith("demo.yaml:1: YAML syntax error")


def test_a_bad_file_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("schema: 1\nbrand: [\n", encoding="utf-8")
    result = load_guides(tmp_path)
    assert [b.id for b in result.brands] == ["demo"]
    assert [e.file for e in result.errors] == ["broken.yaml"]
