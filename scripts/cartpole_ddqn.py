"""CartPole DDQN learning runs, recorded under docs/results/cartpole/.

For each seed: ``gaikit run CartPole-v1 --learner ddqn`` with the shipped
defaults (or ``--config FILE`` layered on them), then 20 greedy episodes of
the final agent with ``gaikit eval`` on fresh seeds. Writes into ``--out``:
``config_seed<N>.yaml`` (the resolved run config), ``learning_curve_seed<N>.png``
and ``results.json`` (per seed: final greedy evaluation, the in-training
evaluations, wall time; plus the exact command).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/cartpole_ddqn.py --seeds 0 1 2 3 \\
        [--config FILE] [--set k=v ...] [--out docs/results/cartpole/NAME] [--runs-dir runs]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import sys
import time
from pathlib import Path

import torch

from gaikit.cli import main as gaikit

ROOT = Path(__file__).resolve().parent.parent
EPISODES = 20
#: Seed of the evaluation env: fresh start states, not the ones seen by in-training evaluations.
EVAL_SEED = 2024


def run_seed(seed: int, args: argparse.Namespace) -> dict:
    """Train and evaluate one seed; copy its config and curve into ``args.out``."""
    run_dir = args.runs_dir / f"cartpole-ddqn-{args.out.name}-seed{seed}"
    argv = ["run", "CartPole-v1", "--learner", "ddqn", "--seed", str(seed), "--run-dir", str(run_dir)]
    if args.config is not None:
        argv += ["--config", str(args.config)]
    for override in ["train.threads=1", *args.overrides]:
        argv += ["--set", override]
    start = time.perf_counter()
    if gaikit(argv) != 0:
        raise SystemExit(f"training seed {seed} failed")
    wall = time.perf_counter() - start
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = gaikit(["eval", str(run_dir), "--episodes", str(EPISODES), "--seed", str(EVAL_SEED)])
    print(captured.getvalue(), end="")
    if code != 0:
        raise SystemExit(f"evaluating seed {seed} failed")
    numbers = {k: float(v) for k, v in re.findall(r"(mean|std|min|max) ([-\d.]+)", captured.getvalue())}
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    shutil.copy(run_dir / "config.yaml", args.out / f"config_seed{seed}.yaml")
    shutil.copy(run_dir / "plots" / "learning_curve.png", args.out / f"learning_curve_seed{seed}.png")
    return {
        "seed": seed,
        "final_greedy_eval": numbers | {"episodes": EPISODES, "eval_seed": EVAL_SEED},
        "evals_during_training": [(r["step"], round(r["mean"], 2)) for r in rows if r["kind"] == "eval"],
        "train_wall_seconds": round(wall, 1),
        "gaikit_argv": argv,
    }


def main() -> int:
    """Train, evaluate and record every seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--config", type=Path, default=None, help="YAML layered over the game defaults")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.field=value")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "cartpole" / "defaults")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="where the run directories go")
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    results = [run_seed(seed, args) for seed in args.seeds]
    means = [r["final_greedy_eval"]["mean"] for r in results]
    summary = {
        "command": "OMP_NUM_THREADS=1 .venv/bin/python scripts/cartpole_ddqn.py " + " ".join(sys.argv[1:]),
        "solved_seeds": sum(m >= 195 for m in means),
        "seeds": results,
        "torch": torch.__version__,
    }
    (args.out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"final greedy means {means}; recorded in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
