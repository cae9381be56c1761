"""Prioritized replay throughput: sample + priority update at capacity 1M, batch 32 and 256.

Three figures per batch size, in sampled transitions per second (one
"iteration" = one sample of ``batch`` transitions and one priority update of
the same ``batch`` indices):

* ``tree``    -- the sum/min tree alone: stratified queries, batched search,
  priorities, IS weights, batched update (:class:`SumMinTree`);
* ``indices`` -- the ``prioritized`` memory's own path without the data:
  ``sample_indices`` (indices + IS weights) + ``update_priorities``;
* ``full``    -- ``sample`` (indices, weights, n-step returns and the
  transition arrays gathered with stacks rebuilt from single frames) +
  ``update_priorities``, on an Atari-shaped memory (pixels 4x84x84 + RAM
  4x128, stacked) filled to capacity.

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_per.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_per.py --capacity 100000   # ~0.7 GB instead of ~7 GB
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_stream import AtariStream, atari_space, fill  # noqa: E402

import gymnasium as gym  # noqa: E402

from gaikit.plugins.memories.prioritized import PrioritizedMemoryConfig, make_prioritized_memory  # noqa: E402
from gaikit.plugins.memories.sum_tree import SumMinTree  # noqa: E402


def rate(step, batch: int, seconds: float, rounds: int = 5) -> tuple[float, float, float]:
    """Transitions/s: (best wall-clock round, median wall-clock round, whole run by CPU time).

    The CPU-time figure counts only the time this process ran, so it is what
    an otherwise idle core would give; wall-clock figures include the time
    other processes on the shared machine took the core away.
    """
    results, calls_total, cpu_start = [], 0, time.process_time()
    for _ in range(rounds):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / rounds:
            step()
            calls += 1
        results.append(calls * batch / (time.perf_counter() - start))
        calls_total += calls
    cpu_rate = calls_total * batch / (time.process_time() - cpu_start)
    return max(results), float(np.median(results)), cpu_rate


def tree_step(tree: SumMinTree, rng: np.random.Generator, batch: int):
    """One PER iteration on the bare tree."""

    def step() -> None:
        queries = (np.arange(batch) + rng.random(batch)) * (tree.total / batch)
        leaves, priorities = tree.find_with_priorities(queries)
        _weights = (priorities / tree.min) ** -0.4
        tree.update(leaves, rng.random(batch) ** 0.6)

    return step


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capacity", type=int, default=1_000_000, help="memory capacity (rows, summed over envs)")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--seconds", type=float, default=4.0, help="timed seconds per figure")
    parser.add_argument("--envs", type=int, default=16, help="envs feeding the memory while it fills")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"capacity {args.capacity:,}; cpu {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")

    tree = SumMinTree(args.capacity)
    tree.update(np.arange(args.capacity), rng.random(args.capacity) + 1e-3)
    space = atari_space(stack=4, ram=True)
    config = PrioritizedMemoryConfig(capacity=args.capacity, stacked=True, n_step=3)
    memory = make_prioritized_memory(space, gym.spaces.Discrete(9), config, num_envs=args.envs, gamma=0.99, seed=0)
    seconds = fill(memory, AtariStream(space, args.envs), memory.storage.rows + 10)
    memory.update_priorities(*memory.sample_indices(1))  # flush queued priorities
    print(f"filled {len(memory):,} sampleable transitions in {seconds:.0f} s")

    def indices_step(batch: int):
        def step() -> None:
            flat, _weights = memory.sample_indices(batch)
            memory.update_priorities(flat, rng.random(batch))

        return step

    def full_step(batch: int):
        def step() -> None:
            data = memory.sample(batch)
            memory.update_priorities(data.indices, rng.random(batch))

        return step

    print(f"\n{'batch':>5}  {'figure':<8} {'wall best/s':>12} {'wall median/s':>14} {'cpu-time/s':>12} {'cpu us/iter':>12}")
    for batch in args.batches:
        for name, step in (("tree", tree_step(tree, rng, batch)), ("indices", indices_step(batch)), ("full", full_step(batch))):
            best, median, cpu = rate(step, batch, args.seconds)
            print(f"{batch:>5}  {name:<8} {best:>12,.0f} {median:>14,.0f} {cpu:>12,.0f} {batch / cpu * 1e6:>12,.0f}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
