"""Honest confidence: the probability that an answer is right.

A logistic model over what the matcher saw (how strongly the brand was named or implied, how
much of the question the best tip's words explain, how far it leads the next tip in words and
in meaning). Its coefficients are fitted on the tuning sets (dev and hold-out A) by
``benchmarks/fit_confidence.py``, with the intercept lowered by how much worse answers were on
brands never seen, and checked on the blind sets, where an answer given with confidence 0.9 or
more must be right at least 97% of the time (README, "Figures").
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    named: bool                  # a partner brand was named (else implied by product words)
    strength: float              # named: 1.0 exact, 0.85 misspelt; implied: the brand-level score
    relevance: float             # the best tip's weighted words in common with the question
    word_lead: float             # its lead in words over the next tip, as a share of its own
    meaning: float | None        # its closeness in meaning (None: no semantic model loaded)
    meaning_lead: float | None   # its lead in meaning over the next tip
    score_lead: float            # its lead in the combined score

    def features(self) -> tuple[float, ...]:
        base = (1.0, self.strength, math.log1p(self.relevance), self.word_lead, self.score_lead)
        if self.meaning is None or self.meaning_lead is None:
            return base
        return (*base, self.meaning, self.meaning_lead)

    @property
    def model(self) -> str:
        return ("named" if self.named else "implied") + ("" if self.meaning is None else "+meaning")


# Fitted by benchmarks/fit_confidence.py; one model per situation (see Evidence.model).
COEFFICIENTS: dict[str, tuple[float, ...]] = {
    "named": (-3.283, 1.674, 0.721, 4.083, 1.225),
    "named+meaning": (-3.138, 0.162, -0.095, 1.592, 5.045, 4.932, 2.217),
    "implied": (-3.814, 3.219, 1.402, -0.220, -0.066),
    "implied+meaning": (-4.408, 1.744, 1.708, 1.908, -0.798, 1.753, -0.535),
}


def probability(evidence: Evidence) -> float:
    coefficients = COEFFICIENTS[evidence.model]
    z = sum(c * f for c, f in zip(coefficients, evidence.features()))
    return round(1 / (1 + math.exp(-max(min(z, 30.0), -30.0))), 6)
