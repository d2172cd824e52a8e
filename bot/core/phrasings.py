"""Group what shoppers asked, worded slightly differently, so brand staff see each need once."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .store.records import Phrasing
from .text import normalize

SIMILAR = 80  # rapidfuzz ratio (0-100) above which two questions count as the same wording


@dataclass
class Cluster:
    question: str  # the first (newest) wording, shown to staff
    keys: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def key(self) -> str:
        """Stable while the cluster exists: the key of its first wording."""
        return self.keys[0]


def group_similar(phrasings: list[Phrasing]) -> list[Cluster]:
    """Clusters of similar wording, the most asked first (ties: the most recent first)."""
    clusters: list[tuple[str, Cluster]] = []
    for item in phrasings:
        key = _comparable(item.question)
        best = max(clusters, key=lambda c: fuzz.ratio(key, c[0]), default=None)
        if best is not None and fuzz.ratio(key, best[0]) >= SIMILAR:
            best[1].keys.append(item.key)
        else:
            clusters.append((key, Cluster(item.question, [item.key])))
    return sorted((c for _, c in clusters), key=lambda c: -c.count)


def _comparable(question: str) -> str:
    return "".join(ch for ch in normalize(question) if ch.isalnum())
