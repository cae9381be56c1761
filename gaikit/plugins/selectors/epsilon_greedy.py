"""Selector ``epsilon-greedy``: a random action with probability epsilon, else the best one.

Epsilon falls linearly from ``start_epsilon`` at step 0 to ``end_epsilon`` at
``decay_steps`` and stays there; ``step`` is the runner's environment-step
count (summed over parallel envs), so the schedule does not depend on ``--envs``.

In actor–learner runs (``--actors N``), ``actor_epsilon`` gives each
collector its own fixed epsilon instead, Ape-X's ladder
``actor_epsilon ** (1 + actor_alpha * i / (N - 1))`` for actor ``i``
(:mod:`.actor_ladder`); the learner's own greedy evaluation is unaffected.
"""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import ActionSelector, Preferences, StateDict
from gaikit.core.hookspecs import Register
from gaikit.plugins.selectors.actor_ladder import ladder_value
from gaikit.plugins.selectors.greedy import discrete_action_space, greedy_actions


class EpsilonGreedyConfig(BaseModel):
    """Options of the ``epsilon-greedy`` selector."""

    model_config = ConfigDict(extra="forbid")

    start_epsilon: float = Field(1.0, ge=0.0, le=1.0, description="Exploration rate at step 0.")
    end_epsilon: float = Field(0.05, ge=0.0, le=1.0, description="Exploration rate after decay_steps.")
    decay_steps: int = Field(10_000, ge=0, description="Env steps (summed over envs) of the linear decay.")
    actor_epsilon: Optional[float] = Field(
        None, ge=0.0, le=1.0,
        description="With --actors: Ape-X per-actor epsilon base (0.4 in the paper); actor i of N explores with "
        "actor_epsilon ** (1 + actor_alpha * i / (N - 1)) instead of the schedule. Unset: every actor follows the schedule.",
    )
    actor_alpha: float = Field(7.0, ge=0.0, description="Spread of the per-actor epsilon ladder (7 in Ape-X).")


def linear_epsilon(step: int, start: float, end: float, decay_steps: int) -> float:
    """``start`` at step 0, linearly to ``end`` at ``decay_steps``, then ``end``."""
    if decay_steps <= 0:
        return end
    fraction = min(max(step, 0) / decay_steps, 1.0)
    return start + fraction * (end - start)


class EpsilonGreedySelector(ActionSelector):
    """Each environment independently explores with probability ``epsilon(step)``.

    Every exploring call draws one uniform number and one random action per
    row, whatever epsilon is, so the generator advances the same way on every
    run with the same seed. ``explore=False`` is greedy and draws nothing.
    """

    def __init__(self, action_space: gym.spaces.Discrete, config: EpsilonGreedyConfig, seed: int) -> None:
        self.action_space = action_space
        self.config = config
        self.rng = np.random.default_rng(seed)
        self._last: dict[str, Any] | None = None
        #: This copy's fixed epsilon as one actor of several (``None``: the schedule).
        self.actor_epsilon: float | None = None

    def set_actor(self, index: int, count: int) -> None:
        """As actor ``index`` of ``count``, explore with the Ape-X ladder's epsilon when ``actor_epsilon`` is set."""
        c = self.config
        if c.actor_epsilon is not None:
            self.actor_epsilon = ladder_value(c.actor_epsilon, c.actor_alpha, index, count)

    def epsilon(self, step: int) -> float:
        """The exploration rate at ``step`` (an actor's fixed ladder value, if it has one)."""
        if self.actor_epsilon is not None:
            return self.actor_epsilon
        c = self.config
        return linear_epsilon(step, c.start_epsilon, c.end_epsilon, c.decay_steps)

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """Greedy actions, each replaced by a uniform random one with probability ``epsilon(step)``."""
        actions = greedy_actions(prefs, self.action_space, "epsilon-greedy")
        if not explore:
            self._last = {"epsilon": 0.0, "explored": [False] * len(actions)}
            return actions
        epsilon = self.epsilon(step)
        explored = self.rng.random(len(actions)) < epsilon
        random_actions = self.rng.integers(0, self.action_space.n, size=len(actions)) + int(self.action_space.start)
        actions = np.where(explored, random_actions, actions).astype(np.int64)
        self._last = {"epsilon": epsilon, "explored": explored.tolist()}
        return actions

    def explain(self) -> dict[str, Any] | None:
        """Epsilon of the last call and which rows took a random action."""
        return self._last

    def state_dict(self) -> StateDict:
        """The generator state (the schedule is a function of ``step``)."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.rng.bit_generator.state = state["rng"]


def make_epsilon_greedy(action_space: gym.Space, config: EpsilonGreedyConfig, *, seed: int) -> EpsilonGreedySelector:
    """Factory for the ``epsilon-greedy`` selector (discrete action spaces only)."""
    return EpsilonGreedySelector(discrete_action_space(action_space, "epsilon-greedy"), config, seed)


def register(register_fn: Register) -> None:
    """Register the ``epsilon-greedy`` selector."""
    register_fn(
        "epsilon-greedy",
        make_epsilon_greedy,
        config=EpsilonGreedyConfig,
        description="Random action with linearly decaying probability epsilon, else the highest-valued one.",
    )
