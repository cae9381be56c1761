"""Greedy evaluation: play whole episodes with ``explore=False`` and report returns.

The evaluation env is reset with a fixed seed at the start of every
evaluation, so a result depends only on the agent, never on when or how
often evaluation ran; that keeps resumed runs identical to uninterrupted ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, overload

import gymnasium as gym
import numpy as np

from gaikit.core.actions import ActionAdapter
from gaikit.core.components import Agent
from gaikit.core.episodes import EpisodeTracker, reports_episode_statistics
from gaikit.core.errors import GaikitError

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


@overload
def evaluate(
    agent: Agent, envs: gym.vector.VectorEnv, episodes: int, seed: int, step: int = 0, should_stop: None = None,
    epsilon: float = 0.0, on_episode: Callable[[int, int, float], None] | None = None,
) -> EvalResult: ...


@overload
def evaluate(
    agent: Agent, envs: gym.vector.VectorEnv, episodes: int, seed: int, step: int = 0,
    should_stop: Callable[[], bool] | None = None, epsilon: float = 0.0,
    on_episode: Callable[[int, int, float], None] | None = None,
) -> EvalResult | None: ...


def evaluate(
    agent: Agent,
    envs: gym.vector.VectorEnv,
    episodes: int,
    seed: int,
    step: int = 0,
    should_stop: Callable[[], bool] | None = None,
    epsilon: float = 0.0,
    on_episode: Callable[[int, int, float], None] | None = None,
) -> EvalResult | None:
    """Play ``episodes`` greedy episodes on ``envs`` (reset with ``seed``).

    With several envs the first ``episodes`` episodes to finish count.
    ``step`` is passed to :meth:`Agent.act` (for schedules). With ``epsilon``
    > 0 each env's action is replaced, with that chance, by a uniformly random
    one (discrete actions only), drawn from a generator seeded with ``seed`` so
    an evaluation stays reproducible. ``on_episode(done, episodes, return)``
    is called as each counted episode finishes (progress display). Returns
    ``None`` if ``should_stop()`` turned true before enough episodes finished.
    """
    adapt = ActionAdapter(envs.single_action_space, envs.num_envs)
    explore = _random_actions(envs.single_action_space, envs.num_envs, epsilon, seed)
    tracker = EpisodeTracker(envs.num_envs, reported=reports_episode_statistics(envs))
    result = EvalResult()
    obs, _ = envs.reset(seed=seed)
    while len(result.returns) < episodes:
        if should_stop is not None and should_stop():
            return None
        actions = explore(adapt(agent.act(obs, step, explore=False)))
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        for record in tracker.update(step, rewards, terminated, truncated, infos):
            if len(result.returns) < episodes:
                result.returns.append(record.ret)
                result.lengths.append(record.length)
                if on_episode is not None:
                    on_episode(len(result.returns), episodes, record.ret)
    return result


def _random_actions(space: gym.Space, num_envs: int, epsilon: float, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """A function that replaces each env's action by a uniform random one with chance ``epsilon``."""
    if epsilon == 0.0:
        return lambda actions: actions
    if not 0.0 < epsilon <= 1.0:
        raise GaikitError(f"train.eval_epsilon: {epsilon} is not in [0, 1]")
    if not isinstance(space, gym.spaces.Discrete):
        raise GaikitError(f"train.eval_epsilon: {epsilon} needs a Discrete action space, "
                          f"got {type(space).__name__}; use 0 for this game")
    rng = np.random.default_rng(seed)
    start, n = int(space.start), int(space.n)

    def replace(actions: np.ndarray) -> np.ndarray:
        chosen = rng.random(num_envs) < epsilon
        randoms = rng.integers(start, start + n, size=num_envs)
        return np.where(chosen, randoms, actions).astype(actions.dtype, copy=False)

    return replace
