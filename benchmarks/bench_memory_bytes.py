"""Replay memory footprint for Atari: bytes per stored transition, and the total for 1M transitions.

Setting: the ``prioritized`` memory (``uniform`` stores the same arrays minus
the trees) with the mixed Asterix observation -- a stack of 4 grayscale 84x84
frames and a stack of 4 RAM snapshots of 128 bytes -- stored with
``stacked: true`` (every frame once, stacks rebuilt when sampling).

Three measurements:

1. **allocated bytes per row**: the ``nbytes`` of every array the memory
   allocates at the given capacity (frames, actions, rewards, flags, the
   sampleable mask, the sum and min trees), divided by the rows;
2. **rows per transition**: a row holds one frame; episode boundaries cost
   a few extra rows (a reset writes its whole zero-padded stack; a life-loss
   "terminal" continues the stack and costs none). Measured by playing real
   ``asterix`` envs (game defaults: life-loss terminals, no-op starts, sticky
   actions) with a random policy, whose short games make this pessimistic;
3. **resident bytes**: the process RSS growth while a memory of the given
   capacity is filled to the brim (synthetic Atari-shaped frames; every page
   touched), divided by its rows.

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_memory_bytes.py
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_memory_bytes.py --fill-capacity 100000  # ~0.7 GB
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_stream import AtariStream, atari_space, fill, rss_bytes  # noqa: E402

from gaikit.core.components import Transition  # noqa: E402
from gaikit.core.runner import true_next_obs  # noqa: E402
from gaikit.plugins.games.asterix import AsterixGame, AtariConfig  # noqa: E402
from gaikit.plugins.memories.frame_storage import FrameStorage  # noqa: E402
from gaikit.plugins.memories.prioritized import PrioritizedMemoryConfig, make_prioritized_memory  # noqa: E402

GiB = 1024**3


def make_memory(capacity: int, num_envs: int):
    """A prioritized memory for the mixed Asterix observation, frames stored once."""
    config = PrioritizedMemoryConfig(capacity=capacity, stacked=True)
    return make_prioritized_memory(atari_space(4), gym.spaces.Discrete(9), config, num_envs=num_envs, gamma=0.99, seed=0)


def allocated_bytes(memory) -> dict[str, int]:
    """``nbytes`` of every array the memory allocated, by name."""
    storage = memory.storage
    sizes = {f"frames[{name}]": array.nbytes for name, array in storage.frames.items()}
    for name in ("actions", "rewards", "terminated", "truncated", "valid"):
        sizes[name] = getattr(storage, name).nbytes
    sizes["sum tree"] = memory.tree.nodes("sum").nbytes
    sizes["min tree"] = memory.tree.nodes("min").nbytes
    return sizes


def rows_per_transition(envs_count: int, steps: int) -> tuple[float, int, int]:
    """(rows per transition, transitions, episode ends) from real ``asterix`` play, random actions."""
    game = AsterixGame(AtariConfig(observation="mixed"))
    envs = game.make_vector_env(envs_count, seed=0)
    storage = FrameStorage(envs.single_observation_space, envs.single_action_space, steps * 2, envs_count, n_step=1)
    rng = np.random.default_rng(0)
    obs, _ = envs.reset(seed=0)
    ends = 0
    try:
        for _ in range(steps):
            actions = rng.integers(0, envs.single_action_space.n, envs_count)
            next_obs, rewards, terminated, truncated, infos = envs.step(actions)
            storage.append(Transition(obs, actions, rewards, true_next_obs(next_obs, infos), terminated, truncated))
            ends += int((terminated | truncated).sum())
            obs = next_obs
    finally:
        envs.close()
    rows = int((storage.head + 1).sum())  # rows written, including each env's pending next frame
    return rows / (steps * envs_count), steps * envs_count, ends


def main() -> None:
    """Measure and print the three figures and the 1M-transition total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capacity", type=int, default=1_000_000, help="capacity for the allocation count")
    parser.add_argument("--fill-capacity", type=int, default=1_000_000, help="capacity filled for the RSS figure")
    parser.add_argument("--play-envs", type=int, default=4)
    parser.add_argument("--play-steps", type=int, default=2_500, help="steps per env of real asterix play")
    args = parser.parse_args()

    sizes = allocated_bytes(make_memory(args.capacity, 1))
    rows = args.capacity
    per_row = sum(sizes.values()) / rows
    print(f"1. allocated at capacity {args.capacity:,} rows:")
    for name, size in sizes.items():
        print(f"   {name:<16} {size / GiB:8.3f} GiB  {size / rows:9.1f} B/row")
    print(f"   {'total':<16} {sum(sizes.values()) / GiB:8.3f} GiB  {per_row:9.1f} B/row")

    ratio, transitions, ends = rows_per_transition(args.play_envs, args.play_steps)
    print(f"2. real asterix play: {transitions:,} transitions, {ends} episode ends "
          f"(life losses and game overs) -> {ratio:.4f} rows per transition")

    memory = make_memory(args.fill_capacity, 16)
    before = rss_bytes()
    seconds = fill(memory, AtariStream(atari_space(4), 16), memory.storage.rows + 10)
    memory.update_priorities(*memory.sample_indices(1))  # flush the queued tree updates
    grown = rss_bytes() - before
    measured_row = grown / (memory.storage.rows * 16)
    print(f"3. filled {args.fill_capacity:,} rows in {seconds:.0f} s: RSS grew {grown / GiB:.3f} GiB "
          f"-> {measured_row:.1f} B/row measured")

    for label, row_bytes in (("allocated", per_row), ("measured RSS", measured_row)):
        per_transition = row_bytes * ratio
        total = per_transition * 1_000_000 / GiB
        verdict = "meets" if total < 8 else "MISSES"
        print(f"=> {label}: {per_transition:,.0f} B per transition; 1M transitions = {total:.2f} GiB "
              f"({verdict} the < 8 GiB target)")


if __name__ == "__main__":
    main()
