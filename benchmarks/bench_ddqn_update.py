"""DDQN update and action on the Asterix RAM network: written-out path against autograd, one process.

The benchmark's RAM agent (MLP 128x128 on 4 x 128 RAM bytes, batch 32, uniform
replay filled with random Asterix play). Two learners with the same weights
take the same batches in alternating blocks: one on the written-out path
(``ddqn_fused.py``, ``LinearReluQ``), one forced onto the autograd path
(``learner.stacks = None``; both use ``FusedAdam`` and ``clip_grad_norm``).
Reports CPU time of the thread per update and per ``predict`` on one
observation (medians over the blocks) and their ratios.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ddqn_update.py [--blocks 15] [--updates 20]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from typing import Any, Callable

import numpy as np
import torch

from bench_atari_loop import gaikit_config
from gaikit.cli.agents import AGENT_BUILDERS
from gaikit.core.build import build_run
from gaikit.core.registry import get_registry
from gaikit.core.runner import true_next_obs


def filled_agent(steps: int) -> tuple[Any, Any]:
    """The benchmark's RAM agent with ``steps`` random transitions stored; returns (agent, last observation)."""
    built = build_run(gaikit_config("ram", "uniform", 10_000, 1_000), get_registry(), AGENT_BUILDERS, num_envs=1)
    agent, envs = built.agent, built.envs
    rng = np.random.default_rng(0)
    obs, _ = envs.reset(seed=0)
    for _ in range(steps):
        actions = rng.integers(0, 9, size=1)
        nxt, rewards, terminated, truncated, infos = envs.step(actions)
        agent.memory.add(obs, actions, rewards, true_next_obs(nxt, infos), terminated, truncated)
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
    """Time both paths and print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=15, help="alternating blocks per path")
    parser.add_argument("--updates", type=int, default=20, help="updates (distinct batches) per block")
    args = parser.parse_args()
    torch.set_num_threads(1)
    agent, obs = filled_agent(1_500)
    fast = agent.learner
    slow = copy.deepcopy(fast)
    slow.stacks = None
    batches = [agent.memory.sample(32) for _ in range(args.updates)]

    def updates(learner: Any) -> Callable[[], None]:
        return lambda: [learner.update(batch) for batch in batches]

    timings: dict[str, list[float]] = {"update fast": [], "update autograd": [], "predict fast": [],
                                       "predict autograd": []}
    for _ in range(2):  # warm-up
        updates(fast)(), updates(slow)()
    for _ in range(args.blocks):
        timings["update autograd"].append(cpu_us(updates(slow), 1) / len(batches))
        timings["update fast"].append(cpu_us(updates(fast), 1) / len(batches))
        timings["predict autograd"].append(cpu_us(lambda: slow.predict(obs), 200))
        timings["predict fast"].append(cpu_us(lambda: fast.predict(obs), 200))
    med = {key: statistics.median(values) for key, values in timings.items()}
    print(f"torch {torch.__version__}, 1 thread; RAM MLP 128x128, batch 32; CPU µs, median of {args.blocks} blocks")
    for what in ("update", "predict"):
        slow_us, fast_us = med[f"{what} autograd"], med[f"{what} fast"]
        print(f"  {what:8s} autograd {slow_us:8.1f}   written out {fast_us:8.1f}   {slow_us / fast_us:.2f}x")


if __name__ == "__main__":
    main()
