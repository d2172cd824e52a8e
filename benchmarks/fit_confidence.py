"""Fit the confidence model (bot/core/confidence.py) on the tuning sets, and check it.

    python benchmarks/fit_confidence.py

Collects, for every answered question of the tuning sets, what the matcher saw
(its ``Evidence``) and whether the answer was right, fits one L2-regularised logistic
regression per situation (brand named or implied, with or without the semantic model), and
prints the coefficients to paste into ``COEFFICIENTS``. It also fits on one set and scores
the other, so the figures show how much the model flatters itself on data it was fitted on.
Only tuning sets are used: a blind set is fitted on only after its one blind run is reported.
"""

from __future__ import annotations

import math
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core import semantic  # noqa: E402
from bot.core.confidence import COEFFICIENTS, Evidence  # noqa: E402
from bot.core.evaluation import Labelled, read_questions  # noqa: E402
from bot.core.guides import load_guides  # noqa: E402
from bot.core.library import build_matcher  # noqa: E402
from bot.core.matcher import Match  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"
TUNING = {
    "dev": (EVAL / "dev" / "guides", EVAL / "dev" / "questions.jsonl"),
    "holdout_a": (ROOT / "brand_guides", EVAL / "holdout_a.jsonl"),
    # Blind when first run (README), tuning sets since: they hold the hard negatives.
    "blind_b": (EVAL / "blind_b" / "guides", EVAL / "blind_b" / "questions.jsonl"),
    "blind_c": (EVAL / "blind_c" / "guides", EVAL / "blind_c" / "questions.jsonl"),
}
L2 = 0.1
# The tuning sets flatter the matcher: it was tuned on them (about 95% of answers right on dev
# and hold-out A) while blind sets on unseen brands measured about 85% at their first run. The
# intercept is lowered by that gap in log-odds, so that a confidence means the same on brands the
# matcher has never seen (FIT_OFFSET=... to try another; 0.5 left blind set B at 96.8% >= 0.9).
UNSEEN_OFFSET = float(os.environ.get("FIT_OFFSET", math.log(0.95 / 0.05) - math.log(0.85 / 0.15)))


def right(item: Labelled, match: Match) -> bool:
    answer = match.answer
    if answer is None or item.brand is None or answer.brand != item.brand:
        return False
    return item.tip is None or answer.tip == item.tip


def samples(semantic_on: bool) -> dict[str, dict[str, list[tuple[Evidence, bool]]]]:
    """set name -> model name -> [(evidence, right)] for every answered question."""
    os.environ[semantic.SWITCH] = "on" if semantic_on else "off"
    semantic.default_encoder.cache_clear()
    out: dict[str, dict[str, list[tuple[Evidence, bool]]]] = {}
    for name, (guides, questions) in TUNING.items():
        matcher = build_matcher(load_guides(guides).brands)
        rows: dict[str, list[tuple[Evidence, bool]]] = defaultdict(list)
        for item in read_questions(questions):
            match = matcher.match(item.q)
            if match.evidence is not None:
                rows[match.evidence.model].append((match.evidence, right(item, match)))
        out[name] = rows
    return out


def fit(rows: list[tuple[Evidence, bool]]) -> np.ndarray:
    x = np.array([e.features() for e, _ in rows], dtype=float)
    y = np.array([r for _, r in rows], dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * L2
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(50):  # Newton's method
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + penalty @ w
        hess = x.T @ (x * (p * (1 - p))[:, None]) + penalty + np.eye(len(w)) * 1e-9
        w -= np.linalg.solve(hess, grad)
    w[0] -= UNSEEN_OFFSET
    return w


def report(label: str, w: np.ndarray, rows: list[tuple[Evidence, bool]]) -> None:
    x = np.array([e.features() for e, _ in rows], dtype=float)
    p = 1 / (1 + np.exp(-x @ w))
    hit = np.array([r for _, r in rows])
    high = p >= 0.9
    share = f"{hit[high].mean():.1%} of {high.sum()}" if high.any() else "none"
    share += f"; mean confidence {p.mean():.1%}"
    print(f"  {label:34} answers {len(rows):3}, right {hit.mean():.1%}; at >=0.9: {share}")


def main() -> None:
    for semantic_on in (True, False):
        data = samples(semantic_on)
        models = sorted({m for rows in data.values() for m in rows})
        for model in models:
            pooled = [r for rows in data.values() for r in rows.get(model, [])]
            if len({r for _, r in pooled}) < 2:
                print(f"{model}: too few samples of both outcomes; keeping {COEFFICIENTS[model]}")
                continue
            w = fit(pooled)
            print(f'    "{model}": ({", ".join(f"{c:.3f}" for c in w)}),')
            for held in data:
                train = [r for name, rows in data.items() if name != held for r in rows.get(model, [])]
                test = data[held].get(model, [])
                if test and len({r for _, r in train}) == 2:
                    report(f"fitted without {held}, on {held}", fit(train), test)


if __name__ == "__main__":
    main()
