"""The guides in service: an immutable catalog (brands + matcher) swapped whole on reload.

Readers take ``library.catalog`` once and use that snapshot; a reload builds the next catalog
off to the side and swaps the reference, so there is never a moment without answers and never
a half-loaded index.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .guides import Brand, GuideError, LoadResult, Tip, load_guides
from .matcher import Match, Matcher
from .semantic import SemanticIndex, VectorCache, default_encoder


def build_matcher(brands: tuple[Brand, ...], vectors: VectorCache | None = None) -> Matcher:
    """The matcher over ``brands``, with the semantic layer when the model loads."""
    encoder = default_encoder()
    semantic = SemanticIndex(brands, encoder, vectors) if encoder is not None else None
    return Matcher(brands, semantic=semantic)


@dataclass(frozen=True)
class Catalog:
    brands: tuple[Brand, ...]
    errors: tuple[GuideError, ...] = ()
    vectors: VectorCache | None = field(default=None, repr=False, compare=False)
    matcher: Matcher = field(init=False, repr=False)
    _by_id: dict[str, Brand] = field(init=False, repr=False)
    _by_ref: dict[str, tuple[Brand, Tip]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", build_matcher(self.brands, self.vectors))
        object.__setattr__(self, "_by_id", {b.id: b for b in self.brands})
        object.__setattr__(self, "_by_ref", {tip_ref(b.id, t.id): (b, t) for b in self.brands for t in b.tips})

    def brand(self, brand_id: str) -> Brand | None:
        return self._by_id.get(brand_id)

    def tip(self, brand_id: str, tip_id: str) -> tuple[Brand, Tip] | None:
        brand = self._by_id.get(brand_id)
        tip = brand.tip(tip_id) if brand else None
        return (brand, tip) if brand and tip else None

    def by_ref(self, ref: str) -> tuple[Brand, Tip] | None:
        return self._by_ref.get(ref)

    def ask(self, question: str, top: int = 3) -> Match:
        return self.matcher.match(question, top=top)

    def categories(self) -> dict[str, list[Brand]]:
        """Brands grouped by category, categories in order of first appearance."""
        out: dict[str, list[Brand]] = {}
        for brand in self.brands:
            out.setdefault(brand.category, []).append(brand)
        return out


def tip_ref(brand_id: str, tip_id: str) -> str:
    """A short, stable name for a tip (fits Telegram's 64-byte callback data with room to spare)."""
    return hashlib.blake2s(f"{brand_id}/{tip_id}".encode(), digest_size=6).hexdigest()


class GuideLibrary:
    """The guides directory and the catalog currently answering from it."""

    def __init__(self, directory: Path, catalog: Catalog):
        self.directory = directory
        self._catalog = catalog
        self._lock = threading.Lock()

    @classmethod
    def open(cls, directory: Path, vectors_dir: Path | None = None) -> GuideLibrary:
        """``vectors_dir``: where tip vectors are cached by content hash (under the data directory)."""
        return cls(directory, Catalog(*_read(directory), vectors=VectorCache(vectors_dir)))

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def publish(self, brand: Brand) -> Catalog:
        """Serve ``brand`` (new or replacing the one with its id) from now on."""
        with self._lock:
            others = [b for b in self._catalog.brands if b.id != brand.id]
            brands = tuple(sorted([*others, brand], key=lambda b: b.id))
            self._catalog = Catalog(brands, self._catalog.errors, self._catalog.vectors)
            return self._catalog


def _read(directory: Path) -> tuple[tuple[Brand, ...], tuple[GuideError, ...]]:
    result: LoadResult = load_guides(directory)
    return result.brands, result.errors
