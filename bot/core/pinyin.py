"""Toneless, "fuzzy" pinyin, so that pinyin-input homophone typos compare equal (毛台 = 茅台).

Kept apart from :mod:`bot.core.text` because its table (from pypinyin) is large: tools that only
normalise text, such as the exporter, do not load it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin.pinyin_dict import pinyin_dict


def _toneless(reading: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return bare.replace("ü", "v")


def _fuzzy(syllable: str) -> str:
    """Merge the initials and finals that pinyin typists (and southern speakers) mix up."""
    for retroflex, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(retroflex):
            syllable = flat + syllable[2:]
            break
    if syllable.endswith(("ing", "eng")):
        syllable = syllable[:-1]
    return syllable


def _build_pinyin_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for codepoint, readings in pinyin_dict.items():
        first = readings.split(",")[0]
        table[chr(codepoint)] = _fuzzy(_toneless(first))
    return table


_PINYIN = _build_pinyin_table()


@lru_cache(maxsize=65536)
def pinyin_key(han: str) -> str:
    """Fuzzy pinyin of a Han string, syllables joined by spaces: 毛台 and 茅台 both give 'mao tai'."""
    return " ".join(_PINYIN.get(c, c) for c in han)
