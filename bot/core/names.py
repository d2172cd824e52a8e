"""Brand names in a shopper's question: ours (however misspelt) and other brands we do not cover."""

from __future__ import annotations

from collections import defaultdict
from typing import Collection, Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .guides import Brand
from .lexicon import Lexicon
from .pinyin import pinyin_key
from .text import HAN_RUN, LATIN_TOKEN, latin_key, latin_word, normalize, runs, stem

EXACT = 1.0
FUZZY = 0.85


class AliasIndex:
    """Partner brands' names as shoppers type them: exact, pinyin homophones, misspelt Latin."""

    def __init__(self, brands: Sequence[Brand], lex: Lexicon):
        self.han: dict[str, set[int]] = defaultdict(set)
        self.pinyin: dict[str, set[int]] = defaultdict(set)
        self.latin: dict[str, set[int]] = defaultdict(set)
        self.mixed: dict[str, set[int]] = defaultdict(set)
        for b, brand in enumerate(brands):
            for alias in (brand.name, *brand.aliases):
                for variant in lex.name_variants(normalize(alias)):
                    self._add(variant, b)
        self._max_han = max((len(a) for a in self.han), default=0)
        self._latin_keys = sorted(self.latin)
        self._stop = lex.stop_en

    def _add(self, alias: str, brand: int) -> None:
        parts = runs(alias)
        if all(p.han for p in parts):
            text = "".join(p.text for p in parts)
            if len(text) >= 2:
                self.han[text].add(brand)
                self.pinyin[pinyin_key(text)].add(brand)
        elif not any(p.han for p in parts):
            self.latin[latin_key("".join(p.text for p in parts))].add(brand)
        else:
            self.mixed[" ".join(alias.split())].add(brand)

    @property
    def names(self) -> set[str]:
        return set(self.han) | set(self.latin)

    def find(self, norm: str) -> tuple[dict[int, float], str]:
        """Brands named in ``norm`` (index → strength), and ``norm`` with those names blanked out."""
        found: dict[int, float] = {}
        spans: list[tuple[int, int]] = []
        for alias, brands in self.mixed.items():
            start = norm.find(alias)
            if start >= 0:
                _note(found, brands, EXACT)
                spans.append((start, start + len(alias)))
        for run in HAN_RUN.finditer(norm):
            self._find_han(run.group(), run.start(), found, spans)
        self._find_latin(norm, found, spans)
        chars = list(norm)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return found, "".join(chars)

    def _find_han(self, text: str, offset: int, found: dict[int, float], spans: list[tuple[int, int]]) -> None:
        syllables = [pinyin_key(c) for c in text]
        for i in range(len(text)):
            for length in range(min(self._max_han, len(text) - i), 1, -1):
                piece = text[i : i + length]
                if piece in self.han:
                    _note(found, self.han[piece], EXACT)
                    spans.append((offset + i, offset + i + length))
                    continue
                brands = self.pinyin.get(" ".join(syllables[i : i + length]))
                if brands and self._half_same(piece, brands):
                    _note(found, brands, FUZZY)
                    spans.append((offset + i, offset + i + length))

    def _half_same(self, piece: str, brands: set[int]) -> bool:
        """A homophone counts as the brand only if at least half its characters are the real ones."""
        for alias in self._aliases_of(brands, len(piece)):
            if sum(a == b for a, b in zip(alias, piece)) * 2 >= len(piece):
                return True
        return False

    def _aliases_of(self, brands: set[int], length: int) -> Iterable[str]:
        return (a for a, owners in self.han.items() if len(a) == length and owners & brands)

    def _find_latin(self, norm: str, found: dict[int, float], spans: list[tuple[int, int]]) -> None:
        tokens = list(LATIN_TOKEN.finditer(norm))
        for i, first in enumerate(tokens):
            matched = False
            for j in range(i, min(i + 3, len(tokens))):
                if j > i and norm[tokens[j - 1].end() : tokens[j].start()].strip():
                    break
                key = latin_key("".join(t.group() for t in tokens[i : j + 1]))
                key = key if key in self.latin else stem(key)
                if key in self.latin:
                    _note(found, self.latin[key], EXACT)
                    spans.append((first.start(), tokens[j].end()))
                    matched = True
            word = first.group()
            if not matched and word not in self._stop:
                hit = self._fuzzy_latin(latin_key(word))
                if hit:
                    _note(found, self.latin[hit], FUZZY)
                    spans.append((first.start(), first.end()))

    def _fuzzy_latin(self, key: str) -> str | None:
        """A misspelt brand: a swapped pair in 4+ letters, one edit in 5+, two in 8+."""
        if len(key) < 4 or not key.isalpha():
            return None
        limit = 2 if len(key) >= 8 else 1
        hit = process.extractOne(key, self._latin_keys, scorer=OSA.distance, score_cutoff=limit)
        if not hit:
            return None
        alias = hit[0]
        if len(key) < 5 or len(alias) < 5:
            return alias if sorted(alias) == sorted(key) else None
        return alias


def _note(found: dict[int, float], brands: Iterable[int], strength: float) -> None:
    for b in brands:
        if strength > found.get(b, 0.0):
            found[b] = strength


class OtherBrands:
    """Brands we do not cover (``bot/data/other_brands.txt``), so the bot can say so.

    A listed name that is a partner's alias, or that the guides themselves use (iPhone in an
    AirPods guide), is not "another brand" and is dropped.
    """

    def __init__(self, lex: Lexicon, partner_names: Collection[str], vocabulary: Collection[str]):
        self._vocab = vocabulary
        listed = {v: c for n, c in lex.other_brands.items() for v in lex.name_variants(n)}
        self.names = {n: c for n, c in listed.items() if n not in partner_names and not self._used_by_guides(n)}
        self._latin = {n: c for n, c in self.names.items() if not HAN_RUN.search(n)}
        self._mixed = {n: c for n, c in self.names.items() if HAN_RUN.search(n) and LATIN_TOKEN.search(n)}
        self._max_len = max((len(n) for n in self.names), default=0)

    def _used_by_guides(self, name: str) -> bool:
        for part in runs(name):
            if part.han:
                bigrams = [part.text[i : i + 2] for i in range(len(part.text) - 1)]
                if not bigrams or any(b not in self._vocab for b in bigrams):
                    return False
            elif latin_word(part.text) not in self._vocab:
                return False
        return True

    def find(self, content: str) -> str | None:
        """The first brand of ours-not list named in ``content`` (normalised text)."""
        for run in HAN_RUN.finditer(content):
            text = run.group()
            for i in range(len(text)):
                for length in range(min(self._max_len, len(text) - i), 1, -1):
                    name = self.names.get(text[i : i + length])
                    if name:
                        return name
        padded = f" {' '.join(t.group() for t in LATIN_TOKEN.finditer(content))} "
        for name, canonical in self._latin.items():
            if f" {name} " in padded:
                return canonical
        compact = content.replace(" ", "")
        return next((c for n, c in self._mixed.items() if n.replace(" ", "") in compact), None)
