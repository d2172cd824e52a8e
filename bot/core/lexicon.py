"""The matcher's word lists, shipped as plain text files in ``bot/data`` so they can be reviewed
and extended without touching code."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from .text import normalize, stem


def _lines(name: str) -> list[str]:
    text = files("bot").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True, slots=True)
class Lexicon:
    generic_zh: tuple[str, ...]          # longest first, removed from questions before matching
    service_zh: tuple[str, ...]          # longest first, removed when no brand is named
    stop_zh: frozenset[str]              # single Han characters never used as features alone
    particles: frozenset[str]            # characters that end any bigram they are in
    common_zh: dict[str, float]          # everyday word -> weight damping in (0, 1]
    stop_en: frozenset[str]              # stemmed English words with no information
    glossary: dict[str, tuple[str, ...]]  # stemmed English word -> Chinese terms
    other_brands: dict[str, str]         # normalised name -> canonical name, brands we do not cover


@cache
def lexicon() -> Lexicon:
    generic = sorted({normalize(w) for w in _lines("generic_zh.txt")}, key=len, reverse=True)
    stop_zh = frozenset(c for line in _lines("stop_zh.txt") for c in line.split())
    stop_en = frozenset(stem(w) for line in _lines("stop_en.txt") for w in line.split()) | frozenset(
        w for line in _lines("stop_en.txt") for w in line.split()
    )
    glossary: dict[str, tuple[str, ...]] = {}
    for line in _lines("glossary_en_zh.txt"):
        word, _, terms = line.partition(":")
        key = stem(word.strip().lower())
        glossary[key] = tuple(dict.fromkeys(glossary.get(key, ()) + tuple(normalize(t) for t in terms.split())))
    other: dict[str, str] = {}
    for line in _lines("other_brands.txt"):
        names = [n.strip() for n in line.split("|") if n.strip()]
        for name in names:
            other.setdefault(normalize(name), names[0])
    particles = frozenset(c for line in _lines("particles_zh.txt") for c in line.split())
    common: dict[str, float] = {}
    for line in _lines("common_zh.txt"):
        word, count = line.split()
        common[word] = 1 / (1 + math.log10(1 + int(count) / 1000))
    service = sorted({normalize(w) for line in _lines("service_zh.txt") for w in line.split()}, key=len, reverse=True)
    return Lexicon(tuple(generic), tuple(service), stop_zh | particles, particles, common, stop_en, glossary, other)
