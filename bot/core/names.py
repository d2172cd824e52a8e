"""Brand names in a shopper's question: ours (however misspelt) and other brands we do not cover."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .guides import Brand
from .lexicon import Lexicon
from .pinyin import pinyin_key
from .text import HAN_RUN, LATIN_TOKEN, latin_key, latin_word, normalize, runs, stem

EXACT = 1.0
FUZZY = 0.85


class AliasIndex:
    """Partner brands' names as shoppers type them: exact, pinyin homophones, misspelt Latin.

    An alias that shares nothing with the brand's name (小黑瓶 for 兰蔻, 椰子 for adidas) is a
    *nickname*: other brands may use it too, so a question that also names another brand
    explicitly is about that brand (see :meth:`OtherBrands.overrules`).
    """

    def __init__(self, brands: Sequence[Brand], lex: Lexicon):
        self.han: dict[str, set[int]] = defaultdict(set)
        self.pinyin: dict[str, set[int]] = defaultdict(set)
        self.latin: dict[str, set[int]] = defaultdict(set)
        self.mixed: dict[str, set[int]] = defaultdict(set)
        self._nicknames: set[tuple[str, int]] = set()
        claimed = claimed_names(brands, lex)
        for b, brand in enumerate(brands):
            name_parts = _name_parts(normalize(brand.name))
            for alias in (brand.name, *brand.aliases, *claimed.get(b, ())):
                norm = normalize(alias)
                nickname = not (_name_parts(norm) & name_parts) and alias not in claimed.get(b, ())
                for variant in lex.name_variants(norm):
                    self._add(variant, b, nickname)
        self._han_lengths = _lengths_by_first_syllable(self.han)
        self._latin_keys = sorted(self.latin)
        self._stop = lex.stop_en

    def _add(self, alias: str, brand: int, nickname: bool) -> None:
        parts = runs(alias)
        if all(p.han for p in parts):
            key = "".join(p.text for p in parts)
            if len(key) < 2:
                return
            self.han[key].add(brand)
            self.pinyin[pinyin_key(key)].add(brand)
        elif not any(p.han for p in parts):
            key = latin_key("".join(p.text for p in parts))
            self.latin[key].add(brand)
        else:
            key = " ".join(alias.split())
            self.mixed[key].add(brand)
        if nickname:
            self._nicknames.add((key, brand))

    def by_nickname_only(self, norm: str) -> set[int]:
        """Brands ``norm`` names through nicknames only, never through their own names."""
        proper: set[int] = set()
        nick: set[int] = set()
        for key, brands in self._exact_hits(norm):
            for b in brands:
                (nick if (key, b) in self._nicknames else proper).add(b)
        return nick - proper

    def _exact_hits(self, norm: str) -> Iterable[tuple[str, set[int]]]:
        for alias, brands in self.mixed.items():
            if alias in norm:
                yield alias, brands
        for run in HAN_RUN.finditer(norm):
            text = run.group()
            for i in range(len(text)):
                for length in self._lengths_at(pinyin_key(text[i]), len(text) - i):
                    if text[i : i + length] in self.han:
                        yield text[i : i + length], self.han[text[i : i + length]]
        tokens = [latin_key(t.group()) for t in LATIN_TOKEN.finditer(norm)]
        for i in range(len(tokens)):
            for j in range(i + 1, min(i + 3, len(tokens)) + 1):
                key = "".join(tokens[i:j])
                if key in self.latin:
                    yield key, self.latin[key]

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
            for length in self._lengths_at(syllables[i], len(text) - i):
                piece = text[i : i + length]
                if piece in self.han:
                    _note(found, self.han[piece], EXACT)
                    spans.append((offset + i, offset + i + length))
                    continue
                brands = self.pinyin.get(" ".join(syllables[i : i + length]))
                if brands and self._half_same(piece, brands):
                    _note(found, brands, FUZZY)
                    spans.append((offset + i, offset + i + length))

    def _lengths_at(self, syllable: str, room: int) -> Iterable[int]:
        """Lengths, longest first, of the names (or their homophones) that may start with a
        character read ``syllable`` and fit in ``room``: only these are worth looking up."""
        return (length for length in self._han_lengths.get(syllable, ()) if length <= room)

    def _half_same(self, piece: str, brands: set[int]) -> bool:
        """A homophone counts as the brand only if at least half its characters are the real ones."""
        return any(
            sum(a == b for a, b in zip(alias, piece, strict=True)) * 2 >= len(piece)
            for alias in self._aliases_of(brands, len(piece))
        )

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


def name_key(name: str) -> str:
    """How two brands' names are compared for a clash: normalised, Latin joiners and look-alike
    letters folded (SK-II = sk-ll = SKII), spaces dropped."""
    return "".join(latin_key(p.text) if not p.han else p.text for p in runs(normalize(name)))


def name_clashes(brand: Brand, others: Sequence[Brand]) -> list[tuple[str, Brand]]:
    """Names or aliases of ``brand`` that another loaded brand already uses, with that brand.

    A brand must not take another's name: staff of brand A uploading a file with brand B's name
    and aliases would put A's "official verification" link beside B's for B's shoppers.
    """
    claimed: dict[str, Brand] = {}
    for other in others:
        if other.id != brand.id:
            for name in (other.name, *other.aliases):
                claimed.setdefault(name_key(name), other)
    clashes = []
    for name in dict.fromkeys((brand.name, *brand.aliases)):
        owner = claimed.get(name_key(name))
        if owner is not None and name_key(name):
            clashes.append((name, owner))
    return clashes


def _name_parts(norm: str) -> set[str]:
    """Han bigrams and Latin words of a name, to tell a brand's own names from its nicknames."""
    out: set[str] = set()
    for part in runs(norm):
        if part.han:
            out.update(part.text[i : i + 2] for i in range(len(part.text) - 1))
        else:
            out.add(latin_key(part.text))
    return out


def claimed_names(brands: Sequence[Brand], lex: Lexicon) -> dict[int, tuple[str, ...]]:
    """Names from the other-brands list that belong to a loaded partner, by brand index.

    A partner always wins over the list: when a guide names a listed brand (its first, proper
    name, or two of its spellings), every spelling on that line becomes the partner's, so a
    newly uploaded guide makes its brand's questions answerable at once, however they name it.
    """
    line_of = {name: normalize(canonical) for name, canonical in lex.other_brands.items()}
    lines: dict[str, list[str]] = defaultdict(list)
    for name, canonical in line_of.items():
        lines[canonical].append(name)
    out: dict[int, tuple[str, ...]] = {}
    for b, brand in enumerate(brands):
        own = {normalize(a) for a in (brand.name, *brand.aliases)}
        hits = Counter(line_of[n] for n in own if n in line_of)
        claimed = {n for line, count in hits.items() if line in own or count >= 2 for n in lines[line]}
        if claimed - own:
            out[b] = tuple(sorted(claimed - own))
    return out


def _note(found: dict[int, float], brands: Iterable[int], strength: float) -> None:
    for b in brands:
        if strength > found.get(b, 0.0):
            found[b] = strength


def _lengths_by_first_syllable(names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """Pinyin of a first character → the lengths of the names starting with that reading, longest
    first. A name, and any homophone of it, starts with a character of the same reading."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in names:
        lengths[pinyin_key(name[0])].add(len(name))
    return {syllable: tuple(sorted(found, reverse=True)) for syllable, found in lengths.items()}


class OtherBrands:
    """Brands we do not cover (``bot/data/other_brands.txt``), so the bot can say so.

    A listed name that is a partner's alias, or that the guides themselves use (iPhone in an
    AirPods guide), is not "another brand" and is dropped.
    """

    def __init__(self, lex: Lexicon, partner_names: Collection[str], vocabulary: Collection[str]):
        self._vocab = vocabulary
        self._known_latin = frozenset(lex.glossary) | lex.stop_en
        self._common = lex.common_zh
        self._particles = lex.particles
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

    def overrules(self, nicknamed: set[int], named: dict[int, float], content: str) -> bool:
        """A listed brand named outright beats partners named only by a shared nickname.

        "某品牌小白瓶" names that brand's 小白瓶, not our partner's; ``content`` is the question
        with the partners' names already blanked out.
        """
        return bool(named) and set(named) <= nicknamed and self.find(content) is not None

    def unexplained(self, question: str, content: str) -> str | None:
        """A brand-like name that no guide and no list explains: say we do not cover it.

        Latin: a capitalised word inside the sentence (Kiehl's, Patagonia) that the guides never
        use. Chinese: a name marked as one (X牌, X品牌, a quoted name) that the guides never use.
        """
        for match in _CAPITALISED.finditer(question):
            word = match.group(1) or match.group(2)
            if latin_word(normalize(word)) not in self._vocab and normalize(word) not in self._known_latin:
                return word
        for match in _MARKED_HAN.finditer(content):
            name = match.group(1)
            name = name[max((i + 1 for i, c in enumerate(name) if c in self._particles), default=0) :]
            if len(name) >= 2 and self._unknown_word(name) and name[-1] + "牌" not in _TAG_WORDS:
                return name
        return None

    def _unknown_word(self, word: str) -> bool:
        """Neither an everyday word nor one the guides use (吊牌, 大牌, 这个 are words)."""
        return word not in self._common and not all(b in self._vocab for b in _bigrams(word))

    def blank(self, text: str) -> str:
        """``text`` with every listed Chinese name blanked out: what is left of a partner's name
        inside a longer listed one (苹果 in 烟台苹果) is no longer there to be found."""
        chars = list(text)
        for run in HAN_RUN.finditer(text):
            run_text, i = run.group(), 0
            while i < len(run_text):
                length = next(
                    (n for n in range(min(self._max_len, len(run_text) - i), 1, -1) if run_text[i : i + n] in self.names), 0
                )
                if length:
                    chars[run.start() + i : run.start() + i + length] = " " * length
                i += length or 1
        return "".join(chars)

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


# A capitalised word after the first one of a sentence, with no capitals of its own around it.
_CAPITALISED = re.compile(r"(?<=[a-z,;:]\s)([A-Z][a-z]+(?:['’][a-z]+)?)\b|(?<=[\u4e00-\u9fff])([A-Z][a-z]{2,})\b")
# A Chinese name marked as a brand: X牌 / X品牌 / X牌子.
_MARKED_HAN = re.compile(r"([\u4e00-\u9fff]{2,4}?)(?:牌子|品牌|牌)")
# Words ending in 牌 that are not "brand X" (a big brand, a fake, the hang tag, a sign).
_TAG_WORDS = frozenset(
    [
        "大牌",
        "名牌",
        "杂牌",
        "冒牌",
        "老牌",
        "王牌",
        "吊牌",
        "招牌",
        "门牌",
        "车牌",
        "号牌",
        "标牌",
        "挂牌",
        "铭牌",
        "胸牌",
        "金牌",
        "奖牌",
        "品牌",
        "国牌",
        "外牌",
        "新牌",
        "正牌",
        "山寨牌",
    ]
)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}
