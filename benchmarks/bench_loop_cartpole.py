"""Training-loop speed of DDQN on CartPole-v1, against pure collection, in one run.

Three measurements, same env count, same process, one torch thread each:

1. raw env: the vector env stepped with random actions (no agent at all);
2. collection: the full runner loop — agent.act (network forward + epsilon-greedy),
   env.step, memory.add, episode statistics, logs — with learning disabled;
3. training: the same loop with DDQN updates on its train schedule.

Prints steps/s for each and the ratios training/collection (what learning
costs) and collection/raw env (the runner's own overhead).

    .venv/bin/python benchmarks/bench_loop_cartpole.py [--steps 20000] [--envs 1] [--train-freq N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.build import build_run
from gaikit.core.config import RunConfig
from gaikit.core.registry import get_registry
from gaikit.core.runner import Runner


def make_config(steps: int, envs: int, train_freq: int | None, learn: bool) -> RunConfig:
    """CartPole DDQN from the shipped defaults, with learning on or off."""
    overrides = [
        "train.eval_every=0", "train.checkpoint_every=0", f"train.log_every={steps}", "train.threads=1",
        f"train.learning_starts={1000 if learn else steps + 1}",
    ]
    if train_freq is not None:
        overrides.append(f"train.train_freq={train_freq}")
    return resolve_cli_config(get_registry(), "CartPole-v1", config_file=None, choices={"learner": "ddqn"},
                              train_flags={"--steps": steps, "--envs": envs, "--seed": 0}, overrides=overrides)


def loop_speed(config: RunConfig) -> tuple[float, int]:
    """Env steps/s of the runner loop (from its own log row) and the number of updates."""
    built = build_run(config, get_registry())
    with tempfile.TemporaryDirectory() as tmp:
        runner = Runner(built.agent, built.game, config, Path(tmp) / "run", envs=built.envs,
                        progress=False, tensorboard=False)
        runner.run()
        rows = [json.loads(line) for line in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
    last = [row for row in rows if row["kind"] == "train"][-1]
    return last["steps_per_sec"], last["updates"]


def raw_env_speed(config: RunConfig) -> float:
    """Env steps/s of the bare vector env with random actions."""
    built = build_run(config, get_registry())
    envs = built.envs
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    n = envs.single_action_space.n
    iterations = config.train.steps // envs.num_envs
    start = time.perf_counter()
    for _ in range(iterations):
        envs.step(rng.integers(0, n, size=envs.num_envs))
    seconds = time.perf_counter() - start
    envs.close()
    return iterations * envs.num_envs / seconds


def main() -> None:
    """Measure and print the three speeds and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="env steps per measurement")
    parser.add_argument("--envs", type=int, default=1, help="parallel envs")
    parser.add_argument("--train-freq", type=int, default=None,
                        help="env steps between learning phases (default: the shipped CartPole defaults)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = make_config(args.steps, args.envs, args.train_freq, learn=True)
    raw = raw_env_speed(make_config(args.steps, args.envs, args.train_freq, learn=False))
    collect, _ = loop_speed(make_config(args.steps, args.envs, args.train_freq, learn=False))
    train, updates = loop_speed(config)
    t = config.train
    print(f"CartPole-v1 DDQN, {t.envs} env(s), {t.steps:,} env steps, learning from step {t.learning_starts:,}: "
          f"{t.gradient_steps} gradient step(s) of batch {t.batch_size} every {t.train_freq} env steps, "
          f"MLP {config.encoder.options['hidden']}, torch {torch.__version__}, 1 thread")
    print(f"raw env (random actions):       {raw:10,.0f} steps/s")
    print(f"collection (act+store, no learning): {collect:10,.0f} steps/s   ({collect / raw:.2f} x raw env)")
    print(f"training loop ({updates:,} updates):   {train:10,.0f} steps/s   ({train / collect:.3f} x collection)")


if __name__ == "__main__":
    main()
