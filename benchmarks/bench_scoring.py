"""Benchmark semi-random scoring: batched option draws per second and single-decision latency.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_scoring.py`` (``--quick`` for a smoke run).

Prints, for both draw distributions:

* batched throughput of :func:`gaikit.core.scoring.choose_fast` (no tiers) and
  :func:`gaikit.core.scoring.choose` (with tier ranks and a mask), in option
  draws per second over a ``(decisions, 16)`` batch;
* latency of one 16-option decision through ``choose`` and through a full
  strategy-engine decision (weights, modifiers, considerations, tiers);
* time of the exact 16-option win probabilities (``gaikit odds``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from gaikit.core.scoring import choose, choose_fast, win_probabilities
from gaikit.strategies.engine import Option, StrategyEngine
from gaikit.strategies.loader import load_strategies

OPTIONS = 16
ENGINE_YAML = """\
features: [danger, gold]
defines: {randomness: 0.5}
strategies:
  default:
    values: {greed: {value: 1, modifiers: [{if: "gold > 50", add: 1, desc: rich}]}}
decisions:
  build:
    option_features: [yield_, risk]
    options:
      site:
        tier: {value: wants-to-have, modifiers: [{if: "risk > 0.9", tier: must-not-have, desc: risky}]}
        score: {value: 10, modifiers: [{if: "danger > 0.5", factor: 0.5, desc: unsafe}, {add: greed, desc: greed}]}
        considerations:
          - {input: yield_, curve: {type: logistic, m: 8}}
          - {input: risk, curve: {type: linear, m: -1, b: 1}}
"""


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Fastest of ``repeats`` timed calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Mean seconds per call over ``calls`` calls (after a warm-up)."""
    for _ in range(min(100, calls)):
        fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=250_000, help="Decisions per batch (x16 options).")
    parser.add_argument("--quick", action="store_true", help="Small sizes, for a smoke run.")
    args = parser.parse_args()
    decisions = 10_000 if args.quick else args.decisions
    calls = 200 if args.quick else 20_000
    rng = np.random.default_rng(0)
    base = rng.uniform(1.0, 100.0, size=(decisions, OPTIONS))
    ranks = rng.integers(1, 5, size=(decisions, OPTIONS), dtype=np.int8)  # tier ranks are -1..4
    mask = rng.random((decisions, OPTIONS)) > 0.1
    draws = decisions * OPTIONS
    print(f"semi-random scoring benchmark: {decisions:,} decisions x {OPTIONS} options = {draws:,} option draws per batch")
    for dist in ("uniform", "log-uniform"):
        fast = best_time(lambda: choose_fast(base, 1.0, rng, dist), 5)
        full = best_time(lambda: choose(base, 1.0, rng, distribution=dist, ranks=ranks, mask=mask), 5)
        print(f"  {dist:<12} batched, no tiers:        {draws / fast / 1e6:8.1f} M option draws/s")
        print(f"  {dist:<12} batched, tiers + mask:    {draws / full / 1e6:8.1f} M option draws/s")
    one = base[:1]
    latency = per_call(lambda: choose(one, 1.0, rng, ranks=ranks[:1], mask=mask[:1]), calls)
    print(f"  single decision, {OPTIONS} options, choose():          {latency * 1e6:8.1f} us")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(ENGINE_YAML)
        engine = StrategyEngine(load_strategies(path), seed=0)
        options = [Option("site", f"site{i}", {"yield_": rng.random(), "risk": rng.random()}) for i in range(OPTIONS)]
        ctx = engine.context({"danger": 0.7, "gold": 80.0})
        latency = per_call(lambda: engine.decide("build", ctx, options), max(calls // 10, 100))
    print(f"  single decision, {OPTIONS} options, strategy engine:   {latency * 1e6:8.1f} us")
    exact = per_call(lambda: win_probabilities(base[0], 1.0), max(calls // 100, 20))
    print(f"  exact win probabilities, {OPTIONS} options (odds):      {exact * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
