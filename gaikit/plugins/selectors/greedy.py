"""Selector ``greedy``: the action with the highest value, for discrete action spaces."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict

from gaikit.core.components import ActionSelector, Preferences
from gaikit.core.hookspecs import Register
from gaikit.core.errors import GaikitError


class GreedyConfig(BaseModel):
    """The ``greedy`` selector takes no options."""

    model_config = ConfigDict(extra="forbid")


def discrete_action_space(action_space: gym.Space, selector: str) -> gym.spaces.Discrete:
    """``action_space`` if it is ``Discrete``; otherwise a clear error naming ``selector``."""
    if not isinstance(action_space, gym.spaces.Discrete):
        raise GaikitError(
            f"selector {selector!r} needs a Discrete action space, got {type(action_space).__name__}; "
            "use a selector for continuous actions such as 'gaussian'"
        )
    return action_space


def greedy_actions(prefs: Preferences, action_space: gym.spaces.Discrete, selector: str) -> np.ndarray:
    """``argmax`` of ``prefs.values`` per row (first index on ties), as env actions."""
    if prefs.values is None:
        raise GaikitError(f"selector {selector!r} needs action values, but the learner gave a continuous policy")
    values = np.asarray(prefs.values)
    if values.ndim != 2 or values.shape[1] != action_space.n:
        raise GaikitError(
            f"selector {selector!r}: expected values of shape (batch, {action_space.n}), got {values.shape}"
        )
    return values.argmax(axis=1).astype(np.int64) + int(action_space.start)


class GreedySelector(ActionSelector):
    """Always the highest-valued action; no schedule, no randomness."""

    def __init__(self, action_space: gym.spaces.Discrete) -> None:
        self.action_space = action_space

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """``argmax_a values[i, a]`` for every row ``i`` (``explore`` changes nothing)."""
        return greedy_actions(prefs, self.action_space, "greedy")


def make_greedy(action_space: gym.Space, config: GreedyConfig, *, seed: int) -> GreedySelector:
    """Factory for the ``greedy`` selector (``seed`` is unused: it draws nothing)."""
    return GreedySelector(discrete_action_space(action_space, "greedy"))


def register(register_fn: Register) -> None:
    """Register the ``greedy`` selector."""
    register_fn("greedy", make_greedy, config=GreedyConfig, description="Highest-valued action (discrete actions).")
