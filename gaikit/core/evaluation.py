"""Greedy evaluation: play whole episodes with ``explore=False`` and report returns.

The evaluation env is reset with a fixed seed at the start of every
evaluation, so a result depends only on the agent, never on when or how
often evaluation ran; that keeps resumed runs identical to uninterrupted ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import gymnasium as gym
import numpy as np

from gaikit.core.actions import ActionAdapter
from gaikit.core.components import Agent
from gaikit.core.episodes import EpisodeTracker, reports_episode_statistics

#: Offset from the run seed of the evaluation env's seed.
EVAL_SEED_OFFSET = 10_000


@dataclass
class EvalResult:
    """Returns and lengths of the evaluated episodes, in the order they finished."""

    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)

    @property
    def mean(self) -> float:
        """Mean episode return."""
        return float(np.mean(self.returns))

    @property
    def std(self) -> float:
        """Standard deviation of the episode returns (population)."""
        return float(np.std(self.returns))

    def summary(self) -> dict[str, float | int]:
        """``episodes``, ``mean``, ``std``, ``min``, ``max`` and ``mean_length``."""
        return {
            "episodes": len(self.returns),
            "mean": self.mean,
            "std": self.std,
            "min": float(np.min(self.returns)),
            "max": float(np.max(self.returns)),
            "mean_length": float(np.mean(self.lengths)),
        }


def evaluate(
    agent: Agent,
    envs: gym.vector.VectorEnv,
    episodes: int,
    seed: int,
    step: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> EvalResult | None:
    """Play ``episodes`` greedy episodes on ``envs`` (reset with ``seed``).

    With several envs the first ``episodes`` episodes to finish count.
    ``step`` is passed to :meth:`Agent.act` (for schedules). Returns ``None``
    if ``should_stop()`` turned true before enough episodes finished.
    """
    adapt = ActionAdapter(envs.single_action_space, envs.num_envs)
    tracker = EpisodeTracker(envs.num_envs, reported=reports_episode_statistics(envs))
    result = EvalResult()
    obs, _ = envs.reset(seed=seed)
    while len(result.returns) < episodes:
        if should_stop is not None and should_stop():
            return None
        actions = adapt(agent.act(obs, step, explore=False))
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        for record in tracker.update(step, rewards, terminated, truncated, infos):
            if len(result.returns) < episodes:
                result.returns.append(record.ret)
                result.lengths.append(record.length)
    return result
