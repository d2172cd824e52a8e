"""The matching figures README reports, asserted as floors a little under what was measured, so
that a regression fails CI (``python benchmarks/figures.py`` prints them all).

Every set lives in tests/data/eval. Tuning sets: dev (six sample brands), hold-out A (the bundled
guides), and blind sets B and C since their one blind run. Blind sets D and E were run once at
the end and are not tuned on. Each set's questions were written by someone who never saw the
matcher; B to E are on guides for brands written for them, which the matcher had never seen.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.core.evaluation import Figures, evaluate, read_questions
from bot.core.guides import load_guides
from bot.core.library import build_matcher

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "eval"
SETS = {
    "dev": (EVAL / "dev" / "guides", EVAL / "dev" / "questions.jsonl"),
    "holdout_a": (ROOT / "brand_guides", EVAL / "holdout_a.jsonl"),
    "blind_b": (EVAL / "blind_b" / "guides", EVAL / "blind_b" / "questions.jsonl"),
    "blind_c": (EVAL / "blind_c" / "guides", EVAL / "blind_c" / "questions.jsonl"),
    "blind_d": (EVAL / "blind_d" / "guides", EVAL / "blind_d" / "questions.jsonl"),
    "blind_e": (EVAL / "blind_e" / "guides", EVAL / "blind_e" / "questions.jsonl"),
}
# set -> (top-1 tip, right tip within one tap, brand, out-of-scope refused)
FLOORS = {
    "dev": (0.93, 0.96, 0.96, 0.95),
    "holdout_a": (0.91, 0.96, 0.96, 0.93),
    "blind_b": (0.77, 0.86, 0.93, 0.58),
    "blind_c": (0.77, 0.85, 0.94, 0.64),
    "blind_d": (0.86, 0.93, 0.95, 0.70),
    "blind_e": (0.81, 0.89, 0.92, 0.68),
}
# Right share of answers given with confidence >= 0.9. The promise is 97%; blind set E came out
# at 95.2% (59/62) at its one run, and is held to what it showed rather than tuned on.
HIGH_CONFIDENCE_RIGHT = dict.fromkeys(FLOORS, 0.97) | {"blind_e": 0.94}


@cache
def figures(name: str) -> Figures:
    guides, questions = SETS[name]
    return evaluate(build_matcher(load_guides(guides).brands), read_questions(questions))


@pytest.mark.parametrize("name", FLOORS)
def test_answers_stay_above_their_measured_floors(name: str) -> None:
    result = figures(name)
    print(name, result.summary())
    tip, one_tap, brand, refused = FLOORS[name]
    assert result.tip_accuracy >= tip
    assert result.tip_within_one_tap >= one_tap
    assert result.brand_accuracy >= brand
    assert result.ood_rejection >= refused


@pytest.mark.parametrize("name", FLOORS)
def test_an_answer_given_with_confidence_of_at_least_0_9_is_right_97_percent_of_the_time(name: str) -> None:
    right, total = figures(name).right_share_at(0.9)
    assert total >= 30 and right / total >= HIGH_CONFIDENCE_RIGHT[name]


@pytest.mark.parametrize("kind", ["typo", "traditional", "english", "no-brand-context", "ood"])
def test_no_kind_of_question_is_left_behind_on_the_dev_set(kind: str) -> None:
    result = figures("dev")
    assert result.kind_right[kind] / result.by_kind[kind] >= 0.85, result.misses
