"""Synthetic vectorised rollouts for testing memories, with a ledger of what was added.

Observations are random samples of the space, so every row is unique and
identifies its transition; the ledger maps each row back to the step that
produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

from gaikit.core.components import Transition
from gaikit.testing.data import sample_batch


def row_key(obs: Any, i: int) -> bytes:
    """Bytes identifying row ``i`` of an observation batch (array or dict of arrays)."""
    if isinstance(obs, dict):
        return b"|".join(np.ascontiguousarray(obs[k][i]).tobytes() for k in sorted(obs))
    return np.ascontiguousarray(obs[i]).tobytes()


@dataclass
class Stored:
    """What was added for one transition."""

    action: np.ndarray
    reward: float
    next_key: bytes
    terminated: bool
    truncated: bool


@dataclass
class Ledger:
    """Every transition added, by observation row; and every next observation."""

    by_obs: dict[bytes, Stored] = field(default_factory=dict)
    next_keys: set[bytes] = field(default_factory=set)

    def record(self, step: Transition) -> None:
        """Remember the transitions of one vectorised ``step``."""
        for i in range(len(step.rewards)):
            key = row_key(step.next_obs, i)
            self.by_obs[row_key(step.obs, i)] = Stored(
                np.asarray(step.actions[i]),
                float(step.rewards[i]),
                key,
                bool(step.terminated[i]),
                bool(step.truncated[i]),
            )
            self.next_keys.add(key)


def rollout(
    observation_space: spaces.Space, action_space: spaces.Space, num_envs: int, steps: int, seed: int
) -> list[Transition]:
    """``steps`` vectorised steps: successors chain, episodes end (terminate or truncate) now and then."""
    rng = np.random.default_rng(seed)
    obs = sample_batch(observation_space, num_envs, seed)
    out: list[Transition] = []
    for t in range(steps):
        next_obs = sample_batch(observation_space, num_envs, seed + 1000 + t)
        terminated = rng.random(num_envs) < 0.1
        truncated = ~terminated & (rng.random(num_envs) < 0.05)
        actions = np.asarray(sample_batch(action_space, num_envs, seed + 5000 + t))
        rewards = rng.normal(size=num_envs).astype(np.float32)
        out.append(Transition(obs, actions, rewards, next_obs, terminated, truncated))
        ended = terminated | truncated
        reset = sample_batch(observation_space, num_envs, seed + 9000 + t)
        obs = _where_rows(ended, reset, next_obs)
    return out


def _where_rows(mask: np.ndarray, a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        return {k: _where_rows(mask, a[k], b[k]) for k in a}
    shape = (len(mask),) + (1,) * (a.ndim - 1)
    return np.where(mask.reshape(shape), a, b)

