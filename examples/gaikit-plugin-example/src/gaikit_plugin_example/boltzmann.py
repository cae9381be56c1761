"""Selector ``boltzmann``: sample actions from a softmax over Q-values.

``P(a) = exp((Q(a) - max Q) / T) / sum_b exp((Q(b) - max Q) / T)``

A high temperature ``T`` explores almost uniformly; as ``T`` falls, the choice
approaches the greedy one. ``T`` anneals from ``start_temperature`` at step 0
to ``end_temperature`` at ``decay_steps`` (linearly, or geometrically with
``schedule: exponential``) and then stays there. ``step`` is the runner's
environment-step count. ``explore=False`` is greedy (argmax) and draws nothing.
"""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gaikit.core.components import ActionSelector, Preferences, StateDict
from gaikit.core.errors import GaikitError


class BoltzmannConfig(BaseModel):
    """Options of the ``boltzmann`` selector (``--set selector.end_temperature=0.01``)."""

    model_config = ConfigDict(extra="forbid")

    start_temperature: float = Field(1.0, gt=0.0, description="Temperature at step 0 (in Q-value units).")
    end_temperature: float = Field(0.05, gt=0.0, description="Temperature after decay_steps.")
    decay_steps: int = Field(10_000, ge=0, description="Env steps (summed over envs) of the annealing.")
    schedule: Literal["linear", "exponential"] = Field("linear", description="Shape of the annealing.")

    @model_validator(mode="after")
    def _cooling(self) -> "BoltzmannConfig":
        if self.end_temperature > self.start_temperature:
            raise ValueError("end_temperature must not exceed start_temperature")
        return self


def temperature(step: int, config: BoltzmannConfig) -> float:
    """The temperature at ``step`` under ``config``'s schedule."""
    if config.decay_steps <= 0:
        return config.end_temperature
    fraction = min(max(step, 0) / config.decay_steps, 1.0)
    start, end = config.start_temperature, config.end_temperature
    if config.schedule == "exponential":
        return float(start * (end / start) ** fraction)
    return start + fraction * (end - start)


def softmax_probabilities(values: np.ndarray, temp: float) -> np.ndarray:
    """Row-wise ``softmax(values / temp)``, stable for any scale of values."""
    logits = (values - values.max(axis=1, keepdims=True)) / temp
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


class BoltzmannSelector(ActionSelector):
    """Softmax exploration over a ``Discrete`` action space, seeded and resumable."""

    def __init__(self, action_space: gym.spaces.Discrete, config: BoltzmannConfig, seed: int) -> None:
        self.n = int(action_space.n)
        self.start = int(action_space.start)
        self.config = config
        self.rng = np.random.default_rng(seed)
        self._last: dict[str, Any] | None = None

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """One action per row: sampled from the softmax, or the argmax when not exploring."""
        if prefs.values is None:
            raise GaikitError("selector 'boltzmann' needs action values (a value-based learner such as ddqn)")
        values = np.asarray(prefs.values, dtype=np.float64)
        if not explore:
            actions = values.argmax(axis=1)
            self._last = {"temperature": 0.0, "chosen_probability": [1.0] * len(actions)}
            return (actions + self.start).astype(np.int64)
        temp = temperature(step, self.config)
        probs = softmax_probabilities(values, temp)
        # inverse-CDF sampling: one uniform draw per row, so the stream advances identically every run
        draws = self.rng.random(len(values))
        actions = np.minimum((probs.cumsum(axis=1) < draws[:, None]).sum(axis=1), self.n - 1)
        self._last = {
            "temperature": temp,
            "chosen_probability": probs[np.arange(len(actions)), actions].round(4).tolist(),
        }
        return (actions + self.start).astype(np.int64)

    def explain(self) -> dict[str, Any] | None:
        """Temperature of the last call and the probability each chosen action had."""
        return self._last

    def state_dict(self) -> StateDict:
        """The generator state (the temperature is a function of ``step``)."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.rng.bit_generator.state = state["rng"]


def make_boltzmann(action_space: gym.Space, config: BoltzmannConfig, *, seed: int) -> BoltzmannSelector:
    """Factory: a ``boltzmann`` selector for a ``Discrete`` action space."""
    if not isinstance(action_space, gym.spaces.Discrete):
        raise GaikitError(
            f"selector 'boltzmann' needs a Discrete action space, got {type(action_space).__name__}; "
            "for continuous actions use 'gaussian'"
        )
    return BoltzmannSelector(action_space, config, seed)
