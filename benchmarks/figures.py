"""The matching figures README shows, for every labelled set in tests/data/eval.

    python benchmarks/figures.py            # all sets, as Markdown tables
    python benchmarks/figures.py dev        # some of them

Per set: top-1 tip accuracy, the right tip within one tap (answered, or among the alternatives
shown as buttons under the answer), brand accuracy, out-of-scope questions refused; the same per
kind of question; and the reliability table (answers by confidence band: how many were right).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.evaluation import Figures, evaluate, read_questions  # noqa: E402
from bot.core.guides import load_guides  # noqa: E402
from bot.core.library import build_matcher  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"
# name -> (guides, questions, what it is)
SETS = {
    "dev": (EVAL / "dev" / "guides", EVAL / "dev" / "questions.jsonl", "tuning"),
    "holdout_a": (ROOT / "brand_guides", EVAL / "holdout_a.jsonl", "tuning"),
    "blind_b": (EVAL / "blind_b" / "guides", EVAL / "blind_b" / "questions.jsonl", "tuning since its blind run"),
    "blind_c": (EVAL / "blind_c" / "guides", EVAL / "blind_c" / "questions.jsonl", "tuning since its blind run"),
    "blind_d": (EVAL / "blind_d" / "guides", EVAL / "blind_d" / "questions.jsonl", "blind"),
    "blind_e": (EVAL / "blind_e" / "guides", EVAL / "blind_e" / "questions.jsonl", "blind"),
}


def figures(name: str) -> Figures:
    guides, questions, _ = SETS[name]
    return evaluate(build_matcher(load_guides(guides).brands), read_questions(questions))


def _share(right: int, total: int) -> str:
    return f"{right / total:.1%} ({right}/{total})" if total else "–"


def main(names: list[str]) -> None:
    results = {name: figures(name) for name in names}
    print(
        "| set | brands | questions | top-1 tip | right tip within one tap | brand | out-of-scope refused | ≥ 0.9 confidence right |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, f in results.items():
        guides, _, role = SETS[name]
        brands = len(load_guides(guides).brands)
        count = sum(f.by_kind.values())
        print(
            f"| {name} ({role}) | {brands} | {count} | {_share(f.tip_right, f.tip_total)} | {_share(f.tip_in_reach, f.tip_total)} "
            f"| {_share(f.brand_right, f.brand_total)} | {_share(f.ood_rejected, f.ood_total)} | {_share(*f.right_share_at(0.9))} |"
        )
    kinds = sorted({k for f in results.values() for k in f.by_kind})
    print("\n| kind | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(_share(f.kind_right[kind], f.by_kind[kind]) for f in results.values()) + " |")
    bands = sorted({b for f in results.values() for b in f.bands})
    print("\n| confidence | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for low in bands:
        cells = [_share(*f.bands[low]) if low in f.bands else "–" for f in results.values()]
        print(f"| {low:.1f}–{low + 0.1:.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:] or list(SETS))
