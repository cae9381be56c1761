"""The full CartPole DDQN learning run, recorded in docs/results/cartpole/.

Trains ``gaikit run CartPole-v1 --learner ddqn`` with the shipped defaults
(or ``--config FILE``), then plays 20 greedy episodes of the final agent with
``gaikit eval`` and writes into ``docs/results/cartpole/``:
``config.yaml`` (the resolved run config), ``learning_curve.png`` and
``results.json`` (the evaluation numbers, wall time and exact command).

    .venv/bin/python scripts/cartpole_ddqn.py [--seed 0] [--config FILE] [--run-dir DIR] [--set k=v ...]
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
OUT = ROOT / "docs" / "results" / "cartpole"
EPISODES = 20
#: Seed of the evaluation env: fresh start states, not the ones seen by in-training evaluations.
EVAL_SEED = 2024


def main() -> int:
    """Train, evaluate, record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--config", type=Path, default=None, help="YAML layered over the game defaults")
    parser.add_argument("--run-dir", type=Path, default=Path("runs") / "cartpole-ddqn-full")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.field=value")
    parser.add_argument("--out", type=Path, default=OUT, help="where to record the results")
    args = parser.parse_args()
    torch.set_num_threads(1)
    argv = ["run", "CartPole-v1", "--learner", "ddqn", "--seed", str(args.seed), "--run-dir", str(args.run_dir)]
    if args.config is not None:
        argv += ["--config", str(args.config)]
    for override in ["train.threads=1", *args.overrides]:
        argv += ["--set", override]
    start = time.perf_counter()
    code = gaikit(argv)
    wall = time.perf_counter() - start
    if code != 0:
        return code
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = gaikit(["eval", str(args.run_dir), "--episodes", str(EPISODES), "--seed", str(EVAL_SEED)])
    print(captured.getvalue(), end="")
    if code != 0:
        return code
    numbers = dict(re.findall(r"(mean|std|min|max) ([-\d.]+)", captured.getvalue()))
    rows = [json.loads(line) for line in (args.run_dir / "metrics.jsonl").read_text().splitlines()]
    evals = [(row["step"], row["mean"]) for row in rows if row["kind"] == "eval"]
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(args.run_dir / "config.yaml", args.out / "config.yaml")
    shutil.copy(args.run_dir / "plots" / "learning_curve.png", args.out / "learning_curve.png")
    result = {
        "command": "OMP_NUM_THREADS=1 .venv/bin/python scripts/cartpole_ddqn.py " + " ".join(sys.argv[1:]),
        "gaikit_argv": argv,
        "final_greedy_eval": {key: float(value) for key, value in numbers.items()} | {"episodes": EPISODES, "seed": EVAL_SEED},
        "evals_during_training": evals,
        "train_wall_seconds": round(wall, 1),
        "torch": torch.__version__,
    }
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"recorded in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
