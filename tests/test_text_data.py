"""The shipped word lists stay consistent with the libraries they summarise."""

from __future__ import annotations

from importlib.resources import files

from bot.core.text import convertible_chars, normalize


def test_the_traditional_character_list_matches_opencc() -> None:
    text = files("bot").joinpath("data", "traditional_chars.txt").read_text(encoding="utf-8")
    shipped = "".join(line.strip() for line in text.splitlines() if not line.startswith("#"))
    assert set(shipped) == set(convertible_chars())


def test_simplified_text_is_left_alone_and_traditional_text_converted() -> None:
    assert normalize("周大福黄金手镯") == "周大福黄金手镯"
    assert normalize("週大福黃金手鐲") == "周大福黄金手镯"
