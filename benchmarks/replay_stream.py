"""Shared by the replay benchmarks: an Atari-shaped observation stream and a memory filler.

The stream mimics the mixed Asterix observation (``pixels`` 4x84x84 and
``ram`` 4x128 uint8 stacks) without running the emulator, so a 1M-row memory
fills in about a minute: frames come from a pool of random frames, episodes
end at random, half of the ends continue the same stack (life loss), half
reset it to ``[0, 0, 0, f]`` (ale-py's zero padding).
"""

from __future__ import annotations

import time
from pathlib import Path

import gymnasium as gym
import numpy as np

from gaikit.core.components import Transition


def atari_space(stack: int = 4, size: int = 84, ram: bool = True) -> gym.spaces.Space:
    """The observation space of the ``mixed`` (or, without ``ram``, ``pixels``) Asterix form."""
    pixels = gym.spaces.Box(0, 255, (stack, size, size), np.uint8)
    if not ram:
        return pixels
    return gym.spaces.Dict({"pixels": pixels, "ram": gym.spaces.Box(0, 255, (stack, 128), np.uint8)})


class AtariStream:
    """``num_envs`` synthetic Atari envs producing stacked observations (see module doc)."""

    def __init__(self, space: gym.spaces.Space, num_envs: int, p_end: float = 0.01, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.is_dict = isinstance(space, gym.spaces.Dict)
        spaces = dict(space.spaces) if self.is_dict else {None: space}
        self.pools = {k: self.rng.integers(0, 256, (257, *s.shape[1:]), dtype=np.uint8) for k, s in spaces.items()}
        for pool in self.pools.values():
            pool[0] = 0  # frame id 0 is the zero padding frame
        stack = next(iter(spaces.values())).shape[0]
        self.num_envs, self.p_end = num_envs, p_end
        self.ids = np.zeros((num_envs, stack), dtype=np.int64)
        self.ids[:, -1] = self.rng.integers(1, 257, num_envs)

    def _observation(self, ids: np.ndarray):
        parts = {key: pool[ids] for key, pool in self.pools.items()}
        return parts if self.is_dict else parts[None]

    def step(self) -> Transition:
        """One vector step of every env."""
        n = self.num_envs
        obs = self._observation(self.ids)
        new = 1 + (self.ids[:, -1] + self.rng.integers(1, 9, n)) % 256
        next_ids = np.concatenate([self.ids[:, 1:], new[:, None]], axis=1)
        next_obs = self._observation(next_ids)
        ends = self.rng.random(n) < self.p_end
        reset = ends & (self.rng.random(n) < 0.5)
        self.ids = next_ids
        if reset.any():
            self.ids[reset] = 0
            self.ids[reset, -1] = self.rng.integers(1, 257, int(reset.sum()))
        actions = self.rng.integers(0, 9, n)
        rewards = self.rng.integers(0, 2, n).astype(np.float32)
        return Transition(obs, actions, rewards, next_obs, ends, np.zeros(n, dtype=bool))


def fill(memory, stream: AtariStream, rows_per_env: int, report_every: float = 15.0) -> float:
    """Add steps until every env wrote ``rows_per_env`` rows (or steps, for array storage); returns seconds."""
    start = last = time.perf_counter()
    steps = 0
    while True:
        memory.add(stream.step())
        steps += 1
        head = getattr(memory.storage, "head", None)
        written = int(head.min()) + 1 if head is not None else steps
        if written >= rows_per_env:
            return time.perf_counter() - start
        if time.perf_counter() - last > report_every:
            last = time.perf_counter()
            print(f"  filling: {written:,} / {rows_per_env:,} rows per env", flush=True)


def rss_bytes() -> int:
    """Resident set size of this process (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")
