"""DDQN update and action on the Asterix RAM network, one process.

The benchmark's RAM agent (MLP 128x128 on 4 x 128 RAM bytes, batch 32, uniform
replay filled with random Asterix play). Reports CPU time of the thread per
update and per ``predict`` on one observation (medians over the blocks).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ddqn_update.py [--blocks 15] [--updates 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable

import numpy as np
import torch

from bench_atari_loop import gaikit_config
from gaikit.core.build import build_run
from gaikit.core.components import Transition
from gaikit.core.registry import get_registry
from gaikit.core.runner import true_next_obs


def filled_agent(steps: int) -> tuple[Any, Any]:
    """The benchmark's RAM agent with ``steps`` random transitions stored; returns (agent, last observation)."""
    built = build_run(gaikit_config("ram", "uniform", 10_000, 1_000), get_registry(), num_envs=1)
    agent, envs = built.agent, built.envs
    rng = np.random.default_rng(0)
    obs, _ = envs.reset(seed=0)
    for _ in range(steps):
        actions = rng.integers(0, 9, size=1)
        nxt, rewards, terminated, truncated, infos = envs.step(actions)
        agent.observe(Transition(obs, actions, rewards, true_next_obs(nxt, infos), terminated, truncated, infos))
        obs = nxt
    envs.close()
    return agent, obs


def cpu_us(fn: Callable[[], Any], repeats: int) -> float:
    """CPU microseconds of the thread per call of ``fn``."""
    start = time.thread_time()
    for _ in range(repeats):
        fn()
    return (time.thread_time() - start) / repeats * 1e6


def main() -> None:
    """Time updates and single-observation predictions and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=15, help="timed blocks")
    parser.add_argument("--updates", type=int, default=20, help="updates (distinct batches) per block")
    args = parser.parse_args()
    torch.set_num_threads(1)
    agent, obs = filled_agent(1_500)
    learner = agent.learner
    batches = [agent.memory.sample(32) for _ in range(args.updates)]

    def updates() -> None:
        for batch in batches:
            learner.update(batch)

    for _ in range(2):  # warm-up
        updates()
    update_us, predict_us = [], []
    for _ in range(args.blocks):
        update_us.append(cpu_us(updates, 1) / len(batches))
        predict_us.append(cpu_us(lambda: learner.predict(obs), 200))
    print(f"torch {torch.__version__}, 1 thread; RAM MLP 128x128, batch 32; CPU µs, median of {args.blocks} blocks")
    print(f"  update  {statistics.median(update_us):8.1f}")
    print(f"  predict {statistics.median(predict_us):8.1f}")


if __name__ == "__main__":
    main()
