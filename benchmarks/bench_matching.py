"""Matching speed: index build time (YAML files → ready index) and per-question latency.

Measured on the bundled guides and on 1,000 generated brands (8,000+ tips) written to a temporary
directory as real YAML files, so the build time includes reading and validating every file.
Run: ``python benchmarks/bench_matching.py`` (``--brands N`` to change the generated count).
Latency is single-threaded wall time per ``Matcher.match`` call, one core, with the semantic
layer on (the question embedded, the brand's tips re-ranked by meaning). The index fills its
per-word brand lists on first use, so the first pass over the questions (right after a build or a
reload) is reported apart from the steady state (two more passes).

The semantic layer's own costs are reported apart: the model's load time, building the tip
vectors with an empty cache (every phrasing embedded) and with a warm on-disk cache (a restart:
vectors read by content hash), and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core import semantic  # noqa: E402
from bot.core.guides import load_guides  # noqa: E402
from bot.core.matcher import Matcher  # noqa: E402
from bot.core.semantic import SemanticIndex, VectorCache  # noqa: E402

DEV_QUESTIONS = ROOT / "tests" / "data" / "eval" / "dev" / "questions.jsonl"
HAN = "安百宝贝彩晨辰春丹德东朵芳飞丰福富冠光广国海汉浩和恒红鸿华欢辉惠吉佳嘉金锦京晶九君康乐蓝澜雷黎丽联良林玲龙隆美明铭宁欧鹏品齐琪庆全泉荣瑞润森尚圣盛诗世帅顺思泰天通万威维文祥星兴雅亚扬阳怡意颖永优悠宇雨玉源远悦云泽展臻正之中卓紫"


def generate(bundled: Path, out: Path, count: int, seed: int = 7) -> int:
    """Write ``count`` brands derived from the bundled ones, each with its own made-up names."""
    rng = random.Random(seed)
    sources = [yaml.safe_load(p.read_text("utf-8")) for p in sorted(bundled.glob("*.yaml"))]
    tips = 0
    for i in range(count):
        data = json.loads(json.dumps(sources[i % len(sources)]))  # deep copy
        old_names = sorted({data["brand"]["name"], *data["brand"]["aliases"]}, key=len, reverse=True)
        han_name = "".join(rng.choice(HAN) for _ in range(rng.choice((2, 3))))
        latin = f"brand{i:04d}"
        data["brand"].update(id=f"gen-{i:04d}", name=han_name, aliases=[han_name, f"{han_name}牌", latin])
        for tip in data["tips"]:
            tip["questions"] = [_rename(q, old_names, han_name) for q in tip["questions"]]
            tip["answer"] = _rename(tip["answer"], old_names, han_name)
        tips += len(data["tips"])
        (out / f"gen-{i:04d}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return tips


def _rename(text: str, old: list[str], new: str) -> str:
    for name in old:
        text = text.replace(name, new)
    return text


def questions(directory: Path, sample: int = 300) -> list[str]:
    """Questions to time: the dev set, and a fixed sample of the guides' own questions (which
    name the guides' brands, so the semantic layer re-ranks a brand's tips for each)."""
    dev = [json.loads(line)["q"] for line in DEV_QUESTIONS.read_text("utf-8").splitlines() if line.strip()]
    own = [q for b in load_guides(directory).brands for t in b.tips for q in t.questions]
    return dev + random.Random(11).sample(own, min(sample, len(own)))


def measure(directory: Path, qs: list[str], label: str, builds: int = 3) -> dict[str, float]:
    """Best of ``builds`` index builds (this VM's timings are noisy), then latency on the last one."""
    encoder = semantic.default_encoder()
    assert encoder is not None, "the semantic model did not load"
    loads, totals, lexical = [], [], []
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        SemanticIndex(load_guides(directory).brands, encoder, VectorCache(Path(cache_dir)))
        cold_vectors = time.perf_counter() - start
        warm_vectors = []
        for _ in range(builds):
            start = time.perf_counter()
            result = load_guides(directory)
            loaded = time.perf_counter()
            index = Matcher(result.brands)
            indexed = time.perf_counter()
            index.semantic = meaning = SemanticIndex(result.brands, encoder, VectorCache(Path(cache_dir)))
            done = time.perf_counter()
            loads.append(loaded - start)
            lexical.append(indexed - loaded)
            warm_vectors.append(done - indexed)
            totals.append(done - start)
            matcher = index
    cold: list[float] = []
    warm: list[float] = []
    for round_number in range(3):
        for q in qs:
            t0 = time.perf_counter()
            matcher.match(q)
            (cold if round_number == 0 else warm).append((time.perf_counter() - t0) * 1000)
    cold.sort()
    warm.sort()
    return {
        "label": label,
        "vectors_mib": meaning.nbytes / 2**20,
        "brands": len(result.brands),
        "tips": sum(len(b.tips) for b in result.brands),
        "load_s": min(loads),
        "lexical_s": min(lexical),
        "vectors_cold_s": cold_vectors,
        "vectors_warm_s": min(warm_vectors),
        "build_s": min(totals),
        "build_median_s": statistics.median(totals),
        "p50_ms": statistics.median(warm),
        "p99_ms": _p99(warm),
        "max_ms": warm[-1],
        "cold_p50_ms": statistics.median(cold),
        "cold_p99_ms": _p99(cold),
    }


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _p99(sorted_ms: list[float]) -> float:
    return sorted_ms[max(int(len(sorted_ms) * 0.99) - 1, 0)]


def one_build_peak_mib(directory: Path) -> float:
    """Peak resident memory of a fresh process that loads the model and builds one index.

    Read from /proc (VmHWM), which starts afresh at exec: getrusage's ru_maxrss would carry this
    benchmark's own peak over into the child.
    """
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from bot.core.guides import load_guides; from bot.core.library import build_matcher;"
        "m = build_matcher(load_guides(Path(sys.argv[2])).brands); m.match('茅台瓶盖怎么看');"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(directory)], capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=1000)
    parser.add_argument("--guides", type=Path, default=ROOT / "brand_guides")
    args = parser.parse_args()
    before = _peak_mib()
    start = time.perf_counter()
    semantic.default_encoder()
    model_load = time.perf_counter() - start
    model_mib = _peak_mib() - before
    rows = [measure(args.guides, questions(args.guides), "bundled guides")]
    rows[0]["peak_mib"] = one_build_peak_mib(args.guides)
    with tempfile.TemporaryDirectory() as tmp:
        tips = generate(args.guides, Path(tmp), args.brands)
        print(f"generated {args.brands} brands, {tips} tips", file=sys.stderr)
        rows.append(measure(Path(tmp), questions(Path(tmp)), f"{args.brands} generated brands"))
        rows[1]["peak_mib"] = one_build_peak_mib(Path(tmp))
    print(f"questions: the dev set + 300 of the guides' own, x 3 rounds; yaml C loader: {yaml.__with_libyaml__}")
    print(
        f"semantic model: load {model_load:.2f} s, {model_mib:.0f} MiB resident; "
        f"peak resident memory of this process (three builds of each) {_peak_mib():.0f} MiB"
    )
    print(
        "| guides | brands | tips | YAML load | words index | tip vectors, empty cache | tip vectors, warm cache "
        "| vectors in memory | peak memory, one build | whole build, best / median | p50 ms | p99 ms | max ms | first pass p50 / p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['label']} | {r['brands']:,} | {r['tips']:,} | {r['load_s']:.2f} s | {r['lexical_s']:.2f} s "
            f"| {r['vectors_cold_s']:.2f} s | {r['vectors_warm_s']:.2f} s | {r['vectors_mib']:.0f} MiB | {r['peak_mib']:.0f} MiB "
            f"| {r['build_s']:.2f} / {r['build_median_s']:.2f} s "
            f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} | {r['cold_p50_ms']:.2f} / {r['cold_p99_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
