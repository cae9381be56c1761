"""Does DDQN with the shipped defaults learn CartPole-v1 on every seed?

Runs ``gaikit run CartPole-v1 --learner ddqn --seed S`` (the shipped
``gymnasium`` defaults: 30k env steps, greedy evaluation of 20 episodes every
10k steps) for each seed and prints the evaluations, the final mean greedy
return and the CPU time of each run. The target is a final mean >= 195.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ddqn_cartpole_learning.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 195.0


def run_seed(seed: int, extra: list[str], root: Path) -> dict[str, object]:
    """Train one seed through the CLI; return its evaluations, wall and CPU seconds."""
    run_dir = root / f"seed{seed}"
    gaikit = Path(sys.executable).with_name("gaikit")
    command = [str(gaikit), "run", "CartPole-v1", "--learner", "ddqn", "--seed", str(seed), "--run-dir", str(run_dir)]
    for override in extra:
        command += ["--set", override]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    evals = [(row["step"], row["mean"]) for row in map(json.loads, lines) if row.get("kind") == "eval"]
    return {"seed": seed, "evals": evals, "wall": wall, "cpu": cpu}


def main() -> None:
    """Parse arguments, run every seed, print one line per seed and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="extra --set for gaikit run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gaikit-ddqn-cartpole-") as tmp:
        results = [run_seed(seed, args.overrides, Path(tmp)) for seed in args.seeds]
    for r in results:
        evals = "  ".join(f"{step // 1000}k:{mean:.1f}" for step, mean in r["evals"])
        print(f"seed {r['seed']}: {evals}   wall {r['wall']:.0f}s cpu {r['cpu']:.0f}s")
    finals = [r["evals"][-1][1] for r in results]
    solved = sum(final >= TARGET for final in finals)
    print(f"final mean greedy return >= {TARGET:.0f} on {solved}/{len(finals)} seeds (min {min(finals):.1f})")


if __name__ == "__main__":
    main()
