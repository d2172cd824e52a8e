"""Find the brand and the tip a shopper's question is about.

How a question is matched:

1. It is normalised (:mod:`bot.core.text`): half-width, lower case, Simplified Chinese.
2. Brand names are looked for: exact aliases, aliases typed with a pinyin homophone (毛台),
   and misspelt Latin names (nkie, sk-ll). A named brand decides the brand.
3. The brand names and the words every question shares (怎么辨别真假) are taken out; what is
   left is split into *terms*: Chinese character bigrams and single characters, English words.
   A bigram the guides never use is corrected to one with the same pinyin (坚定 → 鉴定); a
   misspelt English word to a close one; an English word also stands for its Chinese
   translations from the domain glossary, so English questions reach Chinese tips.
4. Each tip is scored by how much of the question it explains: the sum of its matched terms'
   IDF weights (rare words tell tips apart, shared words do not) over the question's total.
5. No brand named: a question naming a brand we do not cover (香奈儿) gets no answer; otherwise
   the best tip answers only when it explains enough of the question (the brand implied by
   product words). Scores map to a confidence; close runners-up become candidates.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .guides import Brand, Tip
from .lexicon import Lexicon, lexicon
from .text import Run, latin_key, latin_word, normalize, pinyin_key, runs, stem

# How much a term found in each part of a tip counts.
_QUESTION_WEIGHT = 1.0
_ANSWER_WEIGHT = 0.35
# How much a term counts by how it was found in the question.
_EXACT, _CORRECTED, _TRANSLATED, _SINGLE_CHAR = 1.0, 0.8, 0.6, 0.3
_ALIAS_EXACT, _ALIAS_FUZZY = 1.0, 0.85
_MAX_QUERY_CHARS = 400


@dataclass(frozen=True, slots=True)
class Candidate:
    brand: str
    tip: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"brand": self.brand, "tip": self.tip, "score": round(self.score, 3)}


@dataclass(frozen=True, slots=True)
class Match:
    """What the matcher concluded about one question.

    ``answer`` is None when nothing is confident enough. ``candidates`` are the next best
    tips (for "did you mean" buttons). ``brand_only`` means the shopper named a brand but no
    particular check: show the brand's tips. ``other_brand`` is a brand we do not cover that
    the question names.
    """

    query: str
    answer: Candidate | None
    candidates: tuple[Candidate, ...] = ()
    brand_only: bool = False
    other_brand: str | None = None

    @property
    def ambiguous(self) -> bool:
        """True when a runner-up is too close to the answer to pick for the shopper."""
        if self.answer is None or self.brand_only or not self.candidates:
            return False
        return self.candidates[0].score >= self.answer.score - AMBIGUITY_MARGIN

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "answer": self.answer.as_dict() if self.answer else None,
            "candidates": [c.as_dict() for c in self.candidates],
        }


AMBIGUITY_MARGIN = 0.05


@dataclass(slots=True)
class _TipDoc:
    brand: Brand
    tip: Tip
    weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Term:
    """One piece of the question; it counts once, through the best of its alternatives."""

    alternatives: tuple[tuple[str, float], ...]

    def weight(self, idf: dict[str, float]) -> float:
        return max(idf[f] * q for f, q in self.alternatives)


@dataclass(slots=True)
class _Score:
    relevance: float = 0.0  # IDF-weighted question terms the tip contains
    specific: float = 0.0   # the same, counting only what is specific to the tip's brand


class Matcher:
    """An immutable index over a set of brands; build a new one to change the guides."""

    def __init__(self, brands: Sequence[Brand], lex: Lexicon | None = None):
        self.brands: tuple[Brand, ...] = tuple(brands)
        self._lex = lex or lexicon()
        self._docs: list[_TipDoc] = []
        self._brand_docs: list[list[int]] = []
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        for brand in self.brands:
            self._brand_docs.append([])
            for tip in brand.tips:
                self._brand_docs[-1].append(len(self._docs))
                self._docs.append(self._index_tip(brand, tip))
        self._postings = dict(self._postings)
        n = max(len(self._docs), 1)
        scale = math.log(1 + n)
        common = self._lex.common_zh
        self._idf = {f: common.get(f, 1.0) * math.log(1 + n / len(p)) / scale for f, p in self._postings.items()}
        self._brand_specificity = {
            f: 1 / len({self._docs[d].brand.id for d in p}) for f, p in self._postings.items()
        }
        self._corrections = self._build_corrections()
        self._english = sorted(f for f in self._postings if f.isascii() and len(f) >= 5)
        self._aliases = _AliasIndex(self.brands, self._lex)
        self._others = _OtherBrands(self._lex, self._aliases, self._postings)

    # --- building ------------------------------------------------------------------------

    def _index_tip(self, brand: Brand, tip: Tip) -> _TipDoc:
        doc = _TipDoc(brand, tip)
        strong = [tip.title, *tip.questions, *tip.keywords]
        weak = [tip.answer, tip.answer_en or "", brand.name, *brand.aliases]
        for texts, weight in ((weak, _ANSWER_WEIGHT), (strong, _QUESTION_WEIGHT)):
            for text in texts:
                for feature in _features(normalize(text), self._lex):
                    if doc.weights.get(feature, 0.0) < weight:
                        doc.weights[feature] = weight
        index = len(self._docs)
        for feature, weight in doc.weights.items():
            self._postings[feature][index] = weight
        return doc

    def _build_corrections(self) -> dict[str, str]:
        """Pinyin of each bigram shoppers' questions and keywords use → that bigram (most used wins)."""
        by_key: dict[str, str] = {}
        best_df: dict[str, int] = {}
        for feature, posting in self._postings.items():
            if len(feature) != 2 or feature.isascii():
                continue
            strong = sum(1 for w in posting.values() if w >= _QUESTION_WEIGHT)
            if not strong:
                continue
            key = pinyin_key(feature)
            if strong > best_df.get(key, 0):
                by_key[key], best_df[key] = feature, strong
        return by_key

    # --- matching ------------------------------------------------------------------------

    def match(self, question: str, top: int = 3) -> Match:
        norm = normalize(question)[:_MAX_QUERY_CHARS]
        named, content = self._aliases.find(norm)
        content = _remove(content, self._lex.generic_zh)
        if named:
            return self._named(question, named, self._terms(content)[0], top)
        other = self._others.find(content)
        if other:
            return Match(question, None, (), other_brand=other)
        terms, unknown = self._terms(_remove(content, self._lex.service_zh))
        return self._implied(question, terms, unknown, top)

    def _named(self, question: str, named: dict[int, float], terms: list[_Term], top: int) -> Match:
        """A brand is named: it decides the brand; the question's other words pick the tip."""
        strength = max(named.values())
        brand_ids = [b for b, s in named.items() if s == strength]
        docs = [d for b in brand_ids for d in self._brand_docs[b]]
        ranked = self._rank(terms, docs)
        best = ranked[0][1].relevance if ranked else 0.0
        if best < NAMED_TIP_MIN:
            firsts = [self._candidate(self._brand_docs[b][0], strength * BRAND_ONLY_CONFIDENCE) for b in brand_ids]
            if len(brand_ids) == 1 and best > 0:
                firsts = [self._candidate(ranked[0][0], strength * BRAND_ONLY_CONFIDENCE)]
            return Match(question, firsts[0], tuple(firsts[1 : top + 1]), brand_only=True)
        scored = [(d, strength * _named_confidence(s.relevance, best)) for d, s in ranked]
        answer = self._candidate(*scored[0])
        rest = tuple(self._candidate(d, c) for d, c in scored[1 : top + 1] if c >= CANDIDATE_FLOOR)
        return Match(question, answer, rest)

    def _implied(self, question: str, terms: list[_Term], unknown: int, top: int) -> Match:
        """No brand named: answer only when the question's product words point to one brand."""
        ranked = self._rank(terms, None)
        mass = sum(t.weight(self._idf) for t in terms) + unknown * _UNKNOWN_WEIGHT
        scored = [(d, _implied_confidence(s, mass)) for d, s in ranked]
        scored.sort(key=lambda x: -x[1])
        candidates = tuple(self._candidate(d, c) for d, c in scored[: top + 1] if c >= CANDIDATE_FLOOR)
        if not candidates or candidates[0].score < ANSWER_THRESHOLD:
            return Match(question, None, candidates[:top])
        return Match(question, candidates[0], candidates[1:])

    def _candidate(self, doc_index: int, score: float) -> Candidate:
        doc = self._docs[doc_index]
        return Candidate(doc.brand.id, doc.tip.id, min(max(score, 0.0), 1.0))

    def _rank(self, terms: list[_Term], docs: list[int] | None) -> list[tuple[int, _Score]]:
        """Tips scored against the question's terms, best first (only ``docs`` when given)."""
        allowed = set(docs) if docs is not None else None
        scores: dict[int, _Score] = {}
        for term in terms:
            best: dict[int, tuple[float, float]] = {}
            for feature, quality in term.alternatives:
                weight = self._idf[feature] * quality
                specific = weight * self._brand_specificity[feature]
                for doc, tip_weight in self._postings[feature].items():
                    if allowed is not None and doc not in allowed:
                        continue
                    if weight * tip_weight > best.get(doc, (0.0, 0.0))[0]:
                        best[doc] = (weight * tip_weight, specific * tip_weight)
            for doc, (relevance, specific) in best.items():
                score = scores.setdefault(doc, _Score())
                score.relevance += relevance
                score.specific += specific
        ranked = sorted(scores.items(), key=lambda x: -x[1].relevance)
        if docs is not None:
            ranked.extend((d, _Score()) for d in docs if d not in scores)
        return ranked

    def _terms(self, content: str) -> tuple[list[_Term], int]:
        """The question's terms, and how many of its bigrams the guides do not know at all."""
        terms: list[_Term] = []
        unknown = 0
        for run in runs(content):
            if run.han:
                unknown += self._han_terms(run.text, terms)
            else:
                unknown += self._latin_terms(run.text, terms)
        return terms, unknown

    def _han_terms(self, text: str, terms: list[_Term]) -> int:
        unknown = 0
        particles = self._lex.particles
        for i in range(len(text) - 1):
            bigram = text[i : i + 2]
            if bigram[0] in particles or bigram[1] in particles:
                continue
            if bigram in self._idf:
                terms.append(_Term(((bigram, _EXACT),)))
                continue
            corrected = self._corrections.get(pinyin_key(bigram))
            if corrected:
                terms.append(_Term(((corrected, _CORRECTED),)))
            else:
                unknown += 1
        for char in text:
            if char not in self._lex.stop_zh and char in self._idf:
                terms.append(_Term(((char, _SINGLE_CHAR),)))
        return unknown

    def _latin_terms(self, token: str, terms: list[_Term]) -> int:
        word = latin_word(token)
        if len(word) < 2 or word in self._lex.stop_en:
            return 0
        alternatives: list[tuple[str, float]] = []
        if word in self._idf:
            alternatives.append((word, _EXACT))
        elif len(word) >= 5 and word.isalpha():
            hit = process.extractOne(word, self._english, scorer=OSA.distance, score_cutoff=1)
            if hit:
                alternatives.append((hit[0], _CORRECTED))
        for term in self._lex.glossary.get(word, ()):
            for feature in _features(term, self._lex):
                if feature in self._idf:
                    alternatives.append((feature, _TRANSLATED if len(feature) > 1 else _TRANSLATED * _SINGLE_CHAR))
        if not alternatives:
            return 1
        terms.append(_Term(tuple(alternatives)))
        return 0


# Thresholds; relevance is in units of "one word found in a single tip".
NAMED_TIP_MIN = 0.5          # below: the shopper named a brand but no particular check
BRAND_ONLY_CONFIDENCE = 0.7
ANSWER_THRESHOLD = 0.5
CANDIDATE_FLOOR = 0.3
_UNKNOWN_WEIGHT = 0.15


def _named_confidence(relevance: float, best: float) -> float:
    """Brand is known; confidence in the tip grows with its evidence and its lead."""
    lead = relevance / best if best else 0.0
    return (0.6 + 0.4 * min(relevance / 2.0, 1.0)) * lead ** 2


def _implied_confidence(score: _Score, mass: float) -> float:
    """No brand named: how much of the question the tip explains, with brand-specific words."""
    if mass <= 0:
        return 0.0
    coverage = score.relevance / mass
    return math.sqrt(_sigmoid(4 * (score.specific - 1.2)) * _sigmoid(12 * (coverage - 0.3)))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _features(normalized: str, lex: Lexicon) -> Iterable[str]:
    """Index features of normalised text: Han bigrams and characters, English words."""
    for run in runs(normalized):
        if run.han:
            text = run.text
            for i in range(len(text) - 1):
                if text[i] not in lex.particles and text[i + 1] not in lex.particles:
                    yield text[i : i + 2]
            for char in text:
                if char not in lex.stop_zh:
                    yield char
        else:
            word = latin_word(run.text)
            if len(word) >= 2 and word not in lex.stop_en:
                yield word


def _remove(text: str, phrases: Sequence[str]) -> str:
    for phrase in phrases:
        if phrase in text:
            text = text.replace(phrase, " ")
    return text


_LATIN_RUN = re.compile(r"[a-z0-9]+(?:[-.'’&+][a-z0-9]+)*")


class _AliasIndex:
    """Brand names as shoppers type them: exact, pinyin homophones, misspelt Latin."""

    def __init__(self, brands: Sequence[Brand], lex: Lexicon):
        self.han: dict[str, set[int]] = defaultdict(set)
        self.pinyin: dict[str, set[int]] = defaultdict(set)
        self.latin: dict[str, set[int]] = defaultdict(set)
        self.mixed: dict[str, set[int]] = defaultdict(set)
        for b, brand in enumerate(brands):
            for alias in (brand.name, *brand.aliases):
                self._add(normalize(alias), b)
        self._max_han = max((len(a) for a in self.han), default=0)
        self._latin_keys = sorted(self.latin)
        self._stop = lex.stop_en

    def _add(self, alias: str, brand: int) -> None:
        parts = runs(alias)
        if not parts:
            return
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
    def known_names(self) -> set[str]:
        return set(self.han) | set(self.latin)

    def find(self, norm: str) -> tuple[dict[int, float], str]:
        """Brands named in ``norm`` with their strength, and ``norm`` with those names blanked."""
        found: dict[int, float] = {}
        spans: list[tuple[int, int]] = []
        for alias, brands in self.mixed.items():
            start = norm.find(alias)
            if start >= 0:
                _note(found, brands, _ALIAS_EXACT)
                spans.append((start, start + len(alias)))
        for run_match in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff]+", norm):
            self._find_han(run_match.group(), run_match.start(), found, spans)
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
                    _note(found, self.han[piece], _ALIAS_EXACT)
                    spans.append((offset + i, offset + i + length))
                    continue
                brands = self.pinyin.get(" ".join(syllables[i : i + length]))
                if brands and _half_same(piece, self.han, brands):
                    _note(found, brands, _ALIAS_FUZZY)
                    spans.append((offset + i, offset + i + length))

    def _find_latin(self, norm: str, found: dict[int, float], spans: list[tuple[int, int]]) -> None:
        tokens = list(_LATIN_RUN.finditer(norm))
        for i, first in enumerate(tokens):
            for j in range(i, min(i + 3, len(tokens))):
                if j > i and norm[tokens[j - 1].end() : tokens[j].start()].strip():
                    break
                key = latin_key("".join(t.group() for t in tokens[i : j + 1]))
                key = key if key in self.latin else stem(key)
                if key in self.latin:
                    _note(found, self.latin[key], _ALIAS_EXACT)
                    spans.append((first.start(), tokens[j].end()))
            word = first.group()
            if stem(latin_key(word)) not in self.latin and latin_key(word) not in self.latin and word not in self._stop:
                hit = self._fuzzy_latin(latin_key(word))
                if hit:
                    _note(found, self.latin[hit], _ALIAS_FUZZY)
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
            return alias if sorted(alias) == sorted(key) and len(alias) == len(key) else None
        return alias


def _half_same(piece: str, han: dict[str, set[int]], brands: set[int]) -> bool:
    """A homophone counts as the brand only if at least half its characters are the real ones."""
    for alias, owners in han.items():
        if owners & brands and len(alias) == len(piece):
            if sum(a == b for a, b in zip(alias, piece)) * 2 >= len(piece):
                return True
    return False


def _note(found: dict[int, float], brands: Iterable[int], strength: float) -> None:
    for b in brands:
        if strength > found.get(b, 0.0):
            found[b] = strength


class _OtherBrands:
    """Names of brands we do not cover (the shipped list), for "we do not cover 香奈儿"."""

    def __init__(self, lex: Lexicon, aliases: _AliasIndex, postings: dict[str, dict[int, float]]):
        known = aliases.known_names
        self._vocab = postings
        self.names = {n: c for n, c in lex.other_brands.items() if n not in known and not self._in_guides(n)}
        self._max_len = max((len(n) for n in self.names), default=0)

    def _in_guides(self, name: str) -> bool:
        """A name the guides themselves use (iPhone in an AirPods guide) is not another brand."""
        parts = runs(name)
        if not parts:
            return True
        for part in parts:
            if part.han:
                if len(part.text) == 1 or any(part.text[i : i + 2] not in self._vocab for i in range(len(part.text) - 1)):
                    return False
            elif latin_word(part.text) not in self._vocab:
                return False
        return True

    def find(self, content: str) -> str | None:
        for part in runs(content):
            name = self._lookup(part)
            if name:
                return name
        return None

    def _lookup(self, part: Run) -> str | None:
        if not part.han:
            return self.names.get(part.text)
        text = part.text
        for i in range(len(text)):
            for length in range(min(self._max_len, len(text) - i), 1, -1):
                name = self.names.get(text[i : i + length])
                if name:
                    return name
        return None
