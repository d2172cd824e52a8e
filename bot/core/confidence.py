"""Honest confidence: the probability that an answer is right.

A logistic model over what the matcher saw (how strongly the brand was named or implied, how
much of the question the best tip's words explain, how far it leads the next tip in words and
in meaning). Its coefficients are fitted by ``benchmarks/fit_confidence.py`` on the tuning sets
(dev, hold-out A, and blind sets B and C after their one blind run), with the intercept lowered
by how much worse answers are on brands never seen, and checked on blind sets run once, where an
answer given with confidence 0.9 or more must be right at least 97% of the time (README).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    named: bool  # a partner brand was named (else implied by product words)
    strength: float  # named: 1.0 exact, 0.85 misspelt; implied: the brand-level score
    relevance: float  # the best tip's weighted words in common with the question
    word_lead: float  # its lead in words over the next tip, as a share of its own
    meaning: float | None  # its closeness in meaning (None: no semantic model loaded)
    meaning_lead: float | None  # its lead in meaning over the next tip
    score_lead: float  # its lead in the combined score

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
    "named": (-3.110, -0.186, 1.953, 3.270, 0.981),
    "named+meaning": (-1.579, -2.119, 0.779, 0.140, 7.589, 3.432, 1.037),
    "implied": (-3.641, -1.152, 2.279, 1.151, 0.345),
    "implied+meaning": (-1.059, -3.058, 2.507, -0.326, -0.121, 0.364, -2.115),
}


def probability(evidence: Evidence) -> float:
    coefficients = COEFFICIENTS[evidence.model]
    z = sum(c * f for c, f in zip(coefficients, evidence.features(), strict=True))
    return round(1 / (1 + math.exp(-max(min(z, 30.0), -30.0))), 6)
