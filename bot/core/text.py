"""Text normalisation for matching shoppers' words against tip files.

Shoppers type Simplified or Traditional Chinese, full-width or half-width, and English with
misspellings. Everything is folded to one form before matching: NFKC (full-width → half-width),
lower case, Traditional → Simplified with OpenCC's Taiwan-phrase table (韌體 → 固件). Pinyin,
for homophone typos, is in :mod:`bot.core.pinyin`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import opencc

_T2S = opencc.OpenCC("tw2sp")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(rf"[{_HAN}]+")
NON_HAN = re.compile(rf"[^{_HAN}]+")
LATIN_TOKEN = re.compile(r"[a-z0-9]+(?:[-.'’&+][a-z0-9]+)*")
RUN = re.compile(rf"[{_HAN}]+|[a-z0-9]+(?:[-.'’&+][a-z0-9]+)*")
HAN_CHAR = re.compile(rf"[{_HAN}]")
_LATIN_JOINERS = re.compile(r"[-.'’&+]")
_POSSESSIVE = re.compile(r"['’]s$")
# Letters shoppers confuse when they type a brand they have only seen printed: SK-II / SK-ll / SK-11.
_HOMOGLYPHS = str.maketrans({"l": "i", "1": "i", "|": "i"})


def normalize(text: str) -> str:
    """One canonical form: half-width, lower case, Simplified Chinese.

    The two conversions are skipped when a scan shows they would change nothing that matching
    sees (most guide text is plain Simplified Chinese): that halves the time to index answers.
    """
    if text.isascii():
        return text.lower()
    if _COMPATIBILITY.search(text):
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    return _T2S.convert(text) if _CONVERTIBLE.search(text) else text


def convertible_chars() -> list[str]:
    """Every Han character OpenCC's table changes on its own (to regenerate the shipped list)."""
    chars = (chr(c) for r in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)) for c in range(*r))
    return [c for c in chars if _T2S.convert(c) != c]


def _convertible() -> re.Pattern[str]:
    text = files("bot").joinpath("data", "traditional_chars.txt").read_text(encoding="utf-8")
    chars = "".join(line.strip() for line in text.splitlines() if not line.startswith("#"))
    return re.compile(f"[{re.escape(chars)}]")


# Characters NFKC folds that matching cares about: full-width forms, compatibility ideographs,
# Roman numerals (SK-Ⅱ), circled and parenthesised numbers, CJK compatibility symbols.
_COMPATIBILITY = re.compile("[\u2150-\u218f\u2460-\u24ff\u3000\u3200-\u33ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_CONVERTIBLE = _convertible()


@dataclass(frozen=True, slots=True)
class Run:
    """A maximal stretch of Han characters, or one Latin/digit token, in normalised text."""

    text: str
    han: bool


def runs(normalized: str) -> list[Run]:
    """Split normalised text into Han runs and Latin tokens; punctuation and emoji separate them."""
    return [Run(m.group(), HAN_CHAR.match(m.group()) is not None) for m in RUN.finditer(normalized)]


def latin_key(token: str) -> str:
    """How a Latin brand name is compared: joiners dropped, look-alike letters folded (sk-ll → skii)."""
    return _LATIN_JOINERS.sub("", _POSSESSIVE.sub("", token)).translate(_HOMOGLYPHS)


@lru_cache(maxsize=65536)
def latin_word(token: str) -> str:
    """A Latin token as a matching feature: joiners dropped, light English stemming."""
    return stem(_LATIN_JOINERS.sub("", _POSSESSIVE.sub("", token)))


def stem(word: str) -> str:
    """Strip the English inflections that change nothing for matching (labels → label)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                continue
            return word[: len(word) - len(suffix)] + repl
    return word
