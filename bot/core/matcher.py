"""Find the brand and the tip a shopper's question is about.

How a question is matched:

1. It is normalised (:mod:`bot.core.text`): half-width, lower case, Simplified Chinese.
2. Brand names are looked for (:mod:`bot.core.names`): exact aliases, aliases typed with a
   pinyin homophone (毛台), misspelt Latin names (nkie, sk-ll). A named brand decides the brand.
3. The brand names and the words every question shares (怎么辨别真假) are taken out; what is
   left becomes *terms*: Chinese character bigrams and single characters, English words.
   A bigram the guides never use is corrected to one with the same pinyin (坚定 → 鉴定), a
   misspelt English word to a close one, and an English word also stands for its Chinese
   translations from the domain glossary, so English questions reach Chinese-only tips.
4. Terms are weighted by IDF over tips (rare words tell tips apart; the shared phrase does not),
   damped for everyday words, and by where the tip has them (keywords and title over
   questions over the answer).
5. The brand's tips are re-ranked by meaning (:mod:`bot.core.semantic`): a multilingual
   sentence encoder compares the question with each tip's phrasings and with the intents every
   brand shares, so "能退钱吗" finds the complaint tip and English finds Chinese-only tips.
6. A brand named: its best tip answers, or the brand's list of tips when no particular check
   is asked for. No brand named: a brand we do not cover named (香奈儿), or a brand-like name
   nothing explains, gets no answer; else the best tip answers only if it explains enough of
   the question *with words specific to its brand* (the brand implied by product words).
7. The confidence is a probability that the answer is right (:mod:`bot.core.confidence`),
   and the close runners-up, at most two, are the alternatives the shopper sees one tap away.

Ties are broken by the order of the guides (brand id, then tip order in the file), never by
set or dict order, so the same guides and question give the same answer in any process.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .confidence import Evidence, probability
from .guides import Brand, Tip
from .lexicon import Lexicon, lexicon
from .names import AliasIndex, OtherBrands
from .perf import paused_gc
from .pinyin import pinyin_key
from .semantic import Question, SemanticIndex
from .text import LATIN_TOKEN, latin_word, normalize, runs

# How much a term counts by where the tip has it.
_ANSWER_WEIGHT = 0.5
_QUESTION_WEIGHT = 1.0
_HEADLINE_WEIGHT = 1.2  # the title and the keywords
# Words from the same tip in other brands' files (every brand's "report-fake"), within a named brand.
_SHARED_WEIGHT = 0.5
# How much a term counts by how it was found in the question.
_EXACT, _CORRECTED, _TRANSLATED, _SINGLE_CHAR = 1.0, 0.8, 0.6, 0.3
_SYNONYM = 0.3
# Without a brand named, one word in common is never enough to guess the brand ("早上好").
_IMPLIED_MIN_WORDS = 2
# An unknown bigram still counts this much (in IDF units) in the question's total.
_UNKNOWN_WEIGHT = 0.15
# Features in more tips than this only re-rank tips that rarer words already found.
_COMMON_DF_SHARE, _COMMON_DF_MIN = 0.01, 10
# Only this many best tips are re-ranked by common words and scored for confidence.
_SHORTLIST = 50
_IDF_SAMPLE = 32
_MAX_QUERY_CHARS = 400


NAMED_TIP_MIN = 0.5  # relevance below which a named brand may get its list of tips
BRAND_ONLY_CONFIDENCE = 0.7
ANSWER_THRESHOLD = 0.5  # confidence below which there is no answer
CANDIDATE_FLOOR = 0.3  # brand-level confidence below which a tip is not worth offering
# Re-ranking a brand's tips: words (relevance relative to the best tip) and meaning (cosine).
_WORDS_WEIGHT, _MEANING_WEIGHT = 0.3, 2.0
# A named brand's question with no telling words still gets a tip if its meaning is this clear.
_MEANING_LEAD = 0.08
# Alternatives offered one tap away: within this much of the answer's score, at most two,
# and only while the answer is not already near certain.
ALTERNATIVE_GAP = 0.25
ALTERNATIVE_BELOW = 0.9
MAX_ALTERNATIVES = 2


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

    ``answer`` is None when nothing is confident enough; its ``score`` is the probability that
    it is right. ``candidates`` are exactly the tips the shopper is offered one tap away, best
    first: the close alternatives under an answer, or "did you mean" under a no-answer.
    ``brand_only``: a brand was named but no particular check (show the brand's tips).
    ``other_brand``: a brand we do not cover, named in the question.
    """

    query: str
    answer: Candidate | None
    candidates: tuple[Candidate, ...] = ()
    brand_only: bool = False
    other_brand: str | None = None
    evidence: Evidence | None = field(default=None, compare=False, repr=False)  # what the confidence rests on

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "answer": self.answer.as_dict() if self.answer else None,
            "candidates": [c.as_dict() for c in self.candidates],
        }


@dataclass(frozen=True, slots=True)
class _Term:
    """One piece of the question; it counts once, through the best of its alternatives.

    A ``bonus`` term (a synonym of a word in the question) adds to a tip's score when found
    but is not part of the question's total: the question did not use that word.
    """

    alternatives: tuple[tuple[str, float], ...]
    bonus: bool = False


@dataclass(frozen=True, slots=True)
class _Ranked:
    """One tip of the brand in question: its words, its meaning, and the two combined."""

    index: int
    relevance: float
    meaning: float
    score: float


class _Meaning:
    """The question's vector, computed at most once and only if a brand's tips need it."""

    def __init__(self, semantic: SemanticIndex | None, normalized: str):
        self._semantic = semantic
        self._text = normalized
        self._question: Question | None = None

    @property
    def available(self) -> bool:
        return self._semantic is not None

    def similarities(self, tips: list[int]) -> list[float]:
        if self._semantic is None:
            return [0.0] * len(tips)
        return self._semantic.similarities(self._embedded(self._semantic), tips)

    def elsewhere(self, tips: list[int]) -> bool:
        """The question is about something other than these tips (False without the model)."""
        return self._semantic is not None and self._semantic.elsewhere(self._embedded(self._semantic), tips)

    def _embedded(self, semantic: SemanticIndex) -> Question:
        if self._question is None:
            self._question = semantic.embed(self._text)
        return self._question


def _evidence(ranked: list[_Ranked], named: bool, strength: float, semantic: bool) -> Evidence:
    """What the confidence model looks at: how clearly the best tip beats the next."""
    top = ranked[0]
    second = ranked[1] if len(ranked) > 1 else _Ranked(-1, 0.0, 0.0, 0.0)
    return Evidence(
        named=named,
        strength=strength,
        relevance=top.relevance,
        word_lead=(top.relevance - second.relevance) / top.relevance if top.relevance > 0 else 0.0,
        meaning=top.meaning if semantic else None,
        meaning_lead=top.meaning - second.meaning if semantic else None,
        score_lead=top.score - second.score,
    )


@dataclass(slots=True)
class _Score:
    relevance: float = 0.0  # weighted question terms the tip has
    specific: float = 0.0  # the same, counting each term by how specific it is to one brand
    words: int = 0  # how many of the question's own words (not characters, not synonyms) it has


class Matcher:
    """An immutable index over a set of brands; build a new one to change the guides."""

    def __init__(self, brands: Sequence[Brand], lex: Lexicon | None = None, semantic: SemanticIndex | None = None):
        """``semantic``: the meaning index over the same brands, in the same order (None: words only)."""
        with paused_gc():
            self._build(brands, lex)
        self.semantic = semantic

    def _build(self, brands: Sequence[Brand], lex: Lexicon | None) -> None:
        self.brands: tuple[Brand, ...] = tuple(brands)
        self._lex = lex or lexicon()
        self._tips: list[tuple[Brand, Tip]] = []
        self._weights: list[dict[str, float]] = []
        self._brand_tips: list[range] = []
        shared: dict[str, set[str]] = defaultdict(set)
        vocabularies: list[set[str]] = []
        for brand in self.brands:
            first = len(self._tips)
            for tip in brand.tips:
                weights, strong = self._index_tip(brand, tip)
                self._tips.append((brand, tip))
                self._weights.append(weights)
                shared[tip.id] |= strong
            vocabularies.append(set().union(*self._weights[first:]))
            self._brand_tips.append(range(first, len(self._tips)))
        self._vocabularies = vocabularies
        self._brand_starts = [r.start for r in self._brand_tips]
        self._vocabulary: set[str] = set().union(*vocabularies)
        self._postings: dict[str, list[int]] = {}
        self._idf = _LazyIdf(self)
        self._shared = self._shared_words(shared)
        self._corrections = _corrections(set().union(*shared.values()))
        self._english = sorted(f for f in self._vocabulary if f.isascii() and f.isalpha() and len(f) >= 5)
        self._synonyms = self._synonym_features()
        self._names = AliasIndex(self.brands, self._lex)
        self._others = OtherBrands(self._lex, self._names.names, self._vocabulary)

    # --- building ------------------------------------------------------------------------

    def _index_tip(self, brand: Brand, tip: Tip) -> tuple[dict[str, float], set[str]]:
        """The tip's features with the weight of the best field each is in, and its strong ones."""
        feats = self._lex.features
        answer = feats(normalize("\n".join([tip.answer, brand.name, *brand.aliases])), singles=False)
        if tip.answer_en:
            answer |= feats(normalize(tip.answer_en), singles=False)
        questions = feats(normalize("\n".join(tip.questions)))
        headline = feats(normalize("\n".join([tip.title, *tip.keywords])))
        weights = dict.fromkeys(answer, _ANSWER_WEIGHT)
        weights.update(dict.fromkeys(questions, _QUESTION_WEIGHT))
        weights.update(dict.fromkeys(headline, _HEADLINE_WEIGHT))
        return weights, questions | headline

    def _brands_with(self, feature: str) -> list[int]:
        """The brands whose guides use ``feature``, found on first use and remembered.

        Building this inverted list for every feature up front is the slowest part of an
        index build; a question needs it for a few dozen rare features only.
        """
        brands = self._postings.get(feature)
        if brands is None:
            brands = self._postings[feature] = [b for b, v in enumerate(self._vocabularies) if feature in v]
        return brands

    def _shared_words(self, shared: dict[str, set[str]]) -> dict[str, frozenset[str]]:
        """Tip ids used by several brands (buy-channel, report-fake) and all the words they use.

        Shoppers ask "怎么维权" of every brand, but each file lists only some ways to say it;
        within a named brand, the other brands' wording for the same tip counts too.
        """
        brands_per_tip = Counter(tip.id for _, tip in self._tips)
        return {tip_id: frozenset(words) for tip_id, words in shared.items() if brands_per_tip[tip_id] > 1}

    # --- matching ------------------------------------------------------------------------

    def match(self, question: str, top: int = 3) -> Match:
        """``top``: how many tips may be offered as "did you mean" when there is no answer."""
        norm = normalize(question)[:_MAX_QUERY_CHARS]
        named, content = self._names.find(norm)
        meaning = _Meaning(self.semantic, norm)
        if named and not self._names.find(self._others.blank(norm))[0]:  # 烟台苹果 is not 苹果
            return Match(question, None, other_brand=self._others.find(norm))
        if named and not self._others.overrules(self._names.by_nickname_only(norm), named, content):
            return self._about_named(question, named, content, meaning)
        content = _remove(content, self._lex.generic_zh)
        other = self._others.find(content) or self._others.unexplained(question, content)
        if other:
            return Match(question, None, other_brand=other)
        terms, unknown = self._terms(_remove(content, self._lex.service_zh))
        return self._implied(question, terms, unknown, meaning, top)

    def _about_named(self, question: str, named: dict[int, float], content: str, meaning: _Meaning) -> Match:
        """A partner is named; is the question about its goods, and which tip answers it?

        A word about real and fake goods (``authenticity_words.txt``) says it is. Without one, a
        question about the company (its shares, its founder, its jobs: ``off_topic.txt``) is not,
        and neither is one whose meaning is closer to the bot's off-topic phrasings than to any
        of the brand's tips: "小米粥怎么熬" names 小米 but is about porridge. A brand named with
        nothing else lists its tips.
        """
        asked = _remove(content, self._lex.generic_zh)
        about_goods = _mentions(content, self._lex.authenticity)
        if not about_goods and _mentions(asked, self._lex.off_topic):
            return Match(question, None)
        if not about_goods and runs(asked) and meaning.elsewhere([t for b in named for t in self._brand_tips[b]]):
            return Match(question, None)
        return self._named(question, named, self._terms(asked)[0], meaning, bool(runs(asked)))

    def named_brands(self, text: str) -> list[str]:
        """The partner brands ``text`` names (exactly or misspelt), best first."""
        found, _ = self._names.find(normalize(text)[:_MAX_QUERY_CHARS])
        return [self.brands[b].id for b, _ in sorted(found.items(), key=lambda x: (-x[1], x[0]))]

    def _named(self, question: str, named: dict[int, float], terms: list[_Term], meaning: _Meaning, asks: bool) -> Match:
        """A brand is named: it decides the brand; the question's words and meaning pick the tip.

        ``asks``: the question says something beyond the brand and the shared phrase; without
        that, its meaning is only "is my <brand> real?" and the brand's list of tips answers.
        """
        strength = max(named.values())
        brand_ids = sorted(b for b, s in named.items() if s == strength)
        ranked = self._rerank(self._rank_within([t for b in brand_ids for t in self._brand_tips[b]], terms), meaning)
        top = ranked[0]
        lead = top.meaning - ranked[1].meaning if len(ranked) > 1 else 1.0
        if top.relevance < NAMED_TIP_MIN and (len(brand_ids) > 1 or lead < _MEANING_LEAD or not meaning.available or not asks):
            firsts = [self._brand_tips[b][0] for b in brand_ids]
            if len(brand_ids) == 1 and top.relevance > 0:
                firsts = [top.index]
            options = [self._candidate(t, strength * BRAND_ONLY_CONFIDENCE) for t in firsts]
            return Match(question, options[0], tuple(options[1:]), brand_only=True)
        return self._answer(question, ranked, _evidence(ranked, named=True, strength=strength, semantic=meaning.available))

    def _rank_within(self, tips: list[int], terms: list[_Term]) -> list[tuple[int, float]]:
        """Relevance of a few tips (one brand's), looked up tip by tip, in the guides' order."""
        out = []
        for index in tips:
            weights = self._weights[index]
            shared = self._shared.get(self._tips[index][1].id, frozenset())
            relevance = 0.0
            for term in terms:
                relevance += max(
                    self._idf[f] * q * max(weights.get(f, 0.0), _SHARED_WEIGHT if f in shared else 0.0)
                    for f, q in term.alternatives
                )
            out.append((index, relevance))
        return out

    def _rerank(self, ranked: list[tuple[int, float]], meaning: _Meaning) -> list[_Ranked]:
        """Order tips by words and meaning together; ties go to the earlier tip in the guides."""
        best = max((r for _, r in ranked), default=0.0)
        sims = meaning.similarities([i for i, _ in ranked])
        rows = [
            _Ranked(i, r, m, round(_WORDS_WEIGHT * (r / best if best > 0 else 0.0) + _MEANING_WEIGHT * m, 6))
            for (i, r), m in zip(ranked, sims, strict=True)
        ]
        rows.sort(key=lambda x: (-x.score, -x.relevance, x.index))
        return rows

    def _answer(self, question: str, ranked: list[_Ranked], evidence: Evidence) -> Match:
        """The best tip with its probability, and the close runners-up offered one tap away."""
        top = ranked[0]
        confidence = probability(evidence)
        alternatives: list[Candidate] = []
        if confidence < ALTERNATIVE_BELOW:
            close = [r for r in ranked[1:] if r.score >= top.score - ALTERNATIVE_GAP][:MAX_ALTERNATIVES]
            weights = [math.exp(8 * (r.score - top.score)) for r in close]
            total = sum(weights) or 1.0
            alternatives = [self._candidate(r.index, (1 - confidence) * w / total) for r, w in zip(close, weights, strict=True)]
        return Match(question, self._candidate(top.index, confidence), tuple(alternatives), evidence=evidence)

    def _implied(self, question: str, terms: list[_Term], unknown: int, meaning: _Meaning, top: int) -> Match:
        """No brand named: answer only when the question's product words point to one brand."""
        mass = sum(max(self._idf[f] * q for f, q in t.alternatives) for t in terms if not t.bonus) + unknown * _UNKNOWN_WEIGHT
        if mass <= 0:
            return Match(question, None)
        scored = sorted(
            ((t, _implied_confidence(s, mass)) for t, s in self._rank_all(terms).items()), key=lambda x: (-x[1], x[0])
        )
        options = tuple(self._candidate(t, c) for t, c in scored[:top] if c >= CANDIDATE_FLOOR)
        if not options or options[0].score < ANSWER_THRESHOLD:
            return Match(question, None, options)
        brand = self._tip_brand(scored[0][0])
        ranked = self._rerank(self._rank_within(list(self._brand_tips[brand]), terms), meaning)
        return self._answer(question, ranked, _evidence(ranked, named=False, strength=scored[0][1], semantic=meaning.available))

    def _tip_brand(self, index: int) -> int:
        return bisect.bisect_right(self._brand_starts, index) - 1

    def _rank_all(self, terms: list[_Term]) -> dict[int, _Score]:
        """Scores of every tip that shares a word with the question, through the inverted index.

        Words found in very many tips are looked up only in tips rarer words already found:
        alone they cannot point to a brand, and walking their long posting lists is what would
        make matching slow with thousands of tips.
        """
        common_df = max(_COMMON_DF_MIN, int(len(self.brands) * _COMMON_DF_SHARE))
        scores: dict[int, _Score] = {}
        deferred: list[tuple[str, float]] = []
        for term in terms:
            best: dict[int, tuple[float, float]] = {}
            for feature, quality in term.alternatives:
                if len(self._brands_with(feature)) > common_df:
                    deferred.append((feature, quality))
                    continue
                brands = self._brands_with(feature)
                weight = self._idf[feature] * quality
                specific = weight / len(brands)
                for b in brands:
                    for index in self._brand_tips[b]:
                        tip_weight = self._weights[index].get(feature)
                        if tip_weight and weight * tip_weight > best.get(index, (0.0, 0.0))[0]:
                            best[index] = (weight * tip_weight, specific * tip_weight)
            for index, (relevance, specific) in best.items():
                score = scores.setdefault(index, _Score())
                score.relevance += relevance
                score.specific += specific
                score.words += not term.bonus and len(term.alternatives[0][0]) > 1
        shortlist = sorted(scores.items(), key=lambda x: (-(x[1].relevance + x[1].specific), x[0]))[:_SHORTLIST]
        for feature, quality in deferred:
            weight = self._idf[feature] * quality
            for index, score in shortlist:
                score.relevance += weight * self._weights[index].get(feature, 0.0)
        return dict(shortlist)

    def _candidate(self, index: int, score: float) -> Candidate:
        brand, tip = self._tips[index]
        return Candidate(brand.id, tip.id, min(max(score, 0.0), 1.0))

    # --- the question's terms ------------------------------------------------------------

    def _terms(self, content: str) -> tuple[list[_Term], int]:
        """The question's terms, and how many of its bigrams no guide knows at all."""
        terms: list[_Term] = []
        unknown = 0
        for run in runs(content):
            unknown += self._han_terms(run.text, terms) if run.han else self._latin_terms(run.text, terms)
        terms.extend(self._synonym_terms(content))
        return terms, unknown

    def _synonym_terms(self, content: str) -> list[_Term]:
        return [_Term(alternatives, bonus=True) for word, alternatives in self._synonyms if word in content]

    def _synonym_features(self) -> list[tuple[str, tuple[tuple[str, float], ...]]]:
        """For each word of a synonym group: the features of its synonyms that the guides use."""
        out = []
        for word, synonyms in self._lex.synonyms.items():
            alternatives = tuple(
                (f, _SYNONYM * (1.0 if len(f) > 1 else _SINGLE_CHAR))
                for synonym in synonyms
                for f in sorted(self._lex.features(synonym))
                if f in self._vocabulary and (len(f) > 1 or len(synonym) == 1)
            )
            if len(word) > 1 and alternatives:
                out.append((word, alternatives))
        return out

    def _han_terms(self, text: str, terms: list[_Term]) -> int:
        unknown = 0
        particles = self._lex.particles
        for a, b in itertools.pairwise(text):
            if a in particles or b in particles:
                continue
            bigram = a + b
            if bigram in self._vocabulary:
                terms.append(_Term(((bigram, _EXACT),)))
                continue
            corrected = self._corrections.get(pinyin_key(bigram))
            if corrected:
                terms.append(_Term(((corrected, _CORRECTED),)))
            else:
                unknown += 1
        terms.extend(_Term(((c, _SINGLE_CHAR),)) for c in text if c not in self._lex.stop_zh and c in self._vocabulary)
        return unknown

    def _latin_terms(self, token: str, terms: list[_Term]) -> int:
        word = latin_word(token)
        if len(word) < 2 or word in self._lex.stop_en:
            return 0
        alternatives: list[tuple[str, float]] = []
        if word in self._vocabulary:
            alternatives.append((word, _EXACT))
        elif len(word) >= 5 and word.isalpha():
            hit = process.extractOne(word, self._english, scorer=OSA.distance, score_cutoff=1)
            if hit:
                alternatives.append((hit[0], _CORRECTED))
        for translation in self._lex.glossary.get(word, ()):
            for feature in sorted(self._lex.features(translation)):
                if feature in self._vocabulary:
                    alternatives.append((feature, _TRANSLATED * (1.0 if len(feature) > 1 else _SINGLE_CHAR)))
        if not alternatives:
            return 1
        terms.append(_Term(tuple(alternatives)))
        return 0


def _corrections(strong: set[str]) -> dict[str, str]:
    """Pinyin of every bigram the questions, titles and keywords use → such a bigram.

    Of homophones, the one that sorts first wins: any stable choice will do, since two real
    words with the same pinyin in one set of guides are rare.
    """
    by_key: dict[str, str] = {}
    for feature in sorted(strong):
        if len(feature) == 2 and not feature.isascii():
            by_key.setdefault(pinyin_key(feature), feature)
    return by_key


class _LazyIdf(dict[str, float]):
    """IDF over tips, damped for everyday words; computed for a feature on first use.

    The number of tips using a feature is counted exactly in up to ``_IDF_SAMPLE`` of the
    brands that use it, and extrapolated beyond: words in hundreds of brands weigh nearly
    nothing either way, and counting them exactly would cost a question milliseconds.
    """

    def __init__(self, matcher: Matcher):
        super().__init__()
        self._matcher = matcher
        count = max(len(matcher._tips), 1)
        self._n, self._scale = count, math.log(1 + count)

    def __missing__(self, feature: str) -> float:
        m = self._matcher
        brands = m._brands_with(feature)
        sample = brands[:_IDF_SAMPLE]
        counted = sum(1 for b in sample for t in m._brand_tips[b] if feature in m._weights[t])
        df = max(counted * len(brands) / max(len(sample), 1), 1.0)
        value = self[feature] = m._lex.common_zh.get(feature, 1.0) * math.log(1 + self._n / df) / self._scale
        return value


def _implied_confidence(score: _Score, mass: float) -> float:
    """No brand named: the share of the question the tip explains, and how brand-specific that is."""
    if score.words < _IMPLIED_MIN_WORDS:
        return 0.0
    coverage = score.relevance / mass
    return math.sqrt(_sigmoid(4 * (score.specific - 1.2)) * _sigmoid(12 * (coverage - 0.3)))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _mentions(text: str, words: Sequence[str]) -> bool:
    """Whether ``text`` has one of ``words`` (Latin words whole, Han words anywhere)."""
    latin = f" {' '.join(LATIN_TOKEN.findall(text))} "
    return any((f" {w} " in latin) if w.isascii() else (w in text) for w in words)


def _remove(text: str, phrases: Sequence[str]) -> str:
    for phrase in phrases:
        if phrase in text:
            text = text.replace(phrase, " ")
    return text
