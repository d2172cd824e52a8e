"""The matcher's word lists, shipped as plain text files in ``bot/data`` so they can be reviewed
and extended without touching code."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from .text import LATIN_TOKEN, NON_HAN, latin_word, normalize, stem


def _lines(name: str) -> list[str]:
    text = files("bot").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True, slots=True)
class Lexicon:
    generic_zh: tuple[str, ...]  # longest first, removed from questions before matching
    service_zh: tuple[str, ...]  # longest first, removed when no brand is named
    stop_zh: frozenset[str]  # single Han characters never used as features alone
    particles: frozenset[str]  # characters that end any bigram they are in
    common_zh: dict[str, float]  # everyday word -> weight damping in (0, 1]
    stop_en: frozenset[str]  # stemmed English words with no information
    glossary: dict[str, tuple[str, ...]]  # stemmed English word -> Chinese terms
    other_brands: dict[str, str]  # normalised name -> canonical name, brands we do not cover
    synonyms: dict[str, tuple[str, ...]]  # word -> the other words of its synonym groups
    regional: dict[str, tuple[str, ...]]  # brand name -> its other regional names
    off_topic: tuple[str, ...]  # words of questions about a brand but not its goods
    authenticity: tuple[str, ...]  # words of questions about real and fake goods

    def name_variants(self, name: str) -> tuple[str, ...]:
        """``name`` and its regional spellings (耐克 → 耐吉), for recognising brand names."""
        return (name, *self.regional.get(name, ()))

    def features(self, normalized: str, singles: bool = True) -> set[str]:
        """Matching features of normalised text: Han bigrams and single characters, English words.

        A bigram with a function character in it ("的金" in "周大福的金手镯") is two words run
        together, never a word, and is left out. Written for speed: it runs over every answer.
        """
        out: set[str] = set()
        if not normalized.isascii():
            han = self.han_breaks.sub(" ", normalized)
            out.update(g for g in set(map(str.__add__, han, han[1:])) if " " not in g)
            if singles:
                out.update(han)
                out.difference_update(self.stop_zh)
                out.discard(" ")
        for token in set(LATIN_TOKEN.findall(normalized)):
            word = latin_word(token)
            if len(word) >= 2 and word not in self.stop_en:
                out.add(word)
        return out

    @property
    def han_breaks(self) -> re.Pattern[str]:
        """Everything that ends a run of Han characters: non-Han text and function characters."""
        return _breaks(self.particles)


@cache
def _breaks(particles: frozenset[str]) -> re.Pattern[str]:
    return re.compile(f"{NON_HAN.pattern}|[{''.join(sorted(particles))}]+")


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
    synonyms: dict[str, set[str]] = {}
    for line in _lines("synonyms_zh.txt"):
        group = [normalize(w) for w in line.split()]
        for word in group:
            synonyms.setdefault(word, set()).update(w for w in group if w != word)
    frozen = {w: tuple(sorted(others)) for w, others in synonyms.items()}
    regional: dict[str, tuple[str, ...]] = {}
    for line in _lines("regional_names.txt"):
        names = [normalize(n) for n in line.split()]
        for name in names:
            regional[name] = tuple(n for n in names if n != name)
    off_topic = _words("off_topic.txt")
    authenticity = _words("authenticity_words.txt")
    return Lexicon(
        tuple(generic),
        tuple(service),
        stop_zh | particles,
        particles,
        common,
        stop_en,
        glossary,
        other,
        frozen,
        regional,
        off_topic,
        authenticity,
    )


def _words(name: str) -> tuple[str, ...]:
    return tuple(sorted({normalize(w) for line in _lines(name) for w in line.split()}))
