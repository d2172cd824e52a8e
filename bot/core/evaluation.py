"""Measure the matcher on labelled shopper questions (format: shared/eval/README.md).

One line a question: ``{"q": ..., "brand": id | null, "tip": id | null, "kind": ...}``.
``brand: null`` must get no answer; ``tip: null`` accepts any tip of the brand.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .matcher import Match, Matcher


@dataclass(frozen=True, slots=True)
class Labelled:
    q: str
    brand: str | None
    tip: str | None
    kind: str


@dataclass(slots=True)
class Figures:
    tip_total: int = 0
    tip_right: int = 0
    tip_in_reach: int = 0  # the right tip answered, or one tap away among the buttons offered
    brand_total: int = 0
    brand_right: int = 0
    ood_total: int = 0
    ood_rejected: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    kind_right: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Labelled, Match]] = field(default_factory=list)
    # Calibration: answers by confidence band (0.5-0.6, ..., 0.9-1.0) -> [right, total].
    bands: dict[float, list[int]] = field(default_factory=dict)

    @property
    def tip_accuracy(self) -> float:
        return self.tip_right / self.tip_total if self.tip_total else 1.0

    @property
    def tip_within_one_tap(self) -> float:
        return self.tip_in_reach / self.tip_total if self.tip_total else 1.0

    @property
    def brand_accuracy(self) -> float:
        return self.brand_right / self.brand_total if self.brand_total else 1.0

    @property
    def ood_rejection(self) -> float:
        return self.ood_rejected / self.ood_total if self.ood_total else 1.0

    def calibration(self) -> str:
        """How often an answer given with a confidence in each band is right."""
        rows = []
        for low in sorted(self.bands):
            right, total = self.bands[low]
            rows.append(f"  confidence {low:.1f}-{low + 0.1:.1f}: {right}/{total} right ({right / total:.0%})")
        return "\n".join(rows)

    def right_share_at(self, confidence: float) -> tuple[int, int]:
        """(right, total) of the answers given with at least ``confidence``."""
        picked = [v for low, v in self.bands.items() if low >= confidence - 1e-9]
        return sum(r for r, _ in picked), sum(t for _, t in picked)

    def summary(self) -> str:
        return (
            f"top-1 tip accuracy {self.tip_accuracy:.1%} ({self.tip_right}/{self.tip_total}), "
            f"within one tap {self.tip_within_one_tap:.1%} ({self.tip_in_reach}/{self.tip_total}), "
            f"brand accuracy {self.brand_accuracy:.1%} ({self.brand_right}/{self.brand_total}), "
            f"no-answer questions rejected {self.ood_rejection:.1%} ({self.ood_rejected}/{self.ood_total})"
        )


def read_questions(path: Path) -> list[Labelled]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Labelled(row["q"], row.get("brand"), row.get("tip"), row.get("kind", "")))
    return out


def evaluate(matcher: Matcher, questions: list[Labelled]) -> Figures:
    figures = Figures()
    for item in questions:
        result = matcher.match(item.q)
        right = _score(figures, item, result)
        if result.answer is not None:
            band = figures.bands.setdefault(min(int(round(result.answer.score, 6) * 10), 9) / 10, [0, 0])
            band[0] += right
            band[1] += 1
        figures.by_kind[item.kind] += 1
        figures.kind_right[item.kind] += right
        if not right:
            figures.misses.append((item, result))
    return figures


def _score(figures: Figures, item: Labelled, result: Match) -> bool:
    answer = result.answer
    if item.brand is None:
        figures.ood_total += 1
        figures.ood_rejected += answer is None
        return answer is None
    figures.brand_total += 1
    brand_right = answer is not None and answer.brand == item.brand
    figures.brand_right += brand_right
    if item.tip is None:
        return brand_right
    figures.tip_total += 1
    tip_right = brand_right and answer is not None and answer.tip == item.tip
    figures.tip_right += tip_right
    offered = {(c.brand, c.tip) for c in result.candidates}  # buttons under an answer or a no-answer
    figures.tip_in_reach += tip_right or (item.brand, item.tip) in offered
    return tip_right
