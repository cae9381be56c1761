"""Selector ``gaussian``: samples the tanh-squashed Gaussian a SAC learner describes.

In training each action is ``tanh(mean + std * eps) * scale + bias`` with
``eps ~ N(0, 1)`` from the selector's own seeded generator, so it lies inside
the Box bounds; with ``explore=False`` it is the squashed mean
``tanh(mean) * scale + bias``. For the first ``random_steps`` environment
steps it acts uniformly at random inside the bounds instead (the warm-up
Stable-Baselines3 and CleanRL use before learning starts).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import ActionSelector, Preferences, StateDict
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.hookspecs import Register


class GaussianConfig(BaseModel):
    """Options of the ``gaussian`` selector."""

    model_config = ConfigDict(extra="forbid")

    random_steps: int = Field(0, ge=0, description="Env steps acting uniformly at random before sampling the policy.")


class GaussianSelector(ActionSelector):
    """Squashed Gaussian sampling in training, squashed mean when greedy."""

    def __init__(self, action_space: gym.Space, config: GaussianConfig, *, seed: int = 0) -> None:
        if not isinstance(action_space, gym.spaces.Box):
            raise ConfigError(f"selector 'gaussian' needs a continuous Box action space, got {action_space}")
        low = np.asarray(action_space.low, dtype=np.float64)
        high = np.asarray(action_space.high, dtype=np.float64)
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ConfigError("selector 'gaussian' needs finite action bounds (low/high) to squash actions into")
        self.config = config
        self.shape = action_space.shape
        self.dtype = action_space.dtype
        self.low, self.high = low.reshape(-1), high.reshape(-1)
        self.scale = (self.high - self.low) / 2.0
        self.bias = (self.high + self.low) / 2.0
        self.rng = np.random.default_rng(seed)
        self._last: dict[str, Any] | None = None

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """One action per row of ``prefs.mean``, inside the Box bounds."""
        if prefs.mean is None or prefs.log_std is None:
            raise GaikitError("selector 'gaussian' needs a learner that gives a Gaussian (mean, log_std), e.g. 'sac'")
        mean = np.asarray(prefs.mean, dtype=np.float64).reshape(len(prefs.mean), -1)
        if explore and step < self.config.random_steps:
            actions = self.rng.uniform(self.low, self.high, size=mean.shape)
            how = "uniform warm-up"
        elif explore:
            std = np.exp(np.asarray(prefs.log_std, dtype=np.float64).reshape(mean.shape))
            actions = np.tanh(mean + std * self.rng.standard_normal(mean.shape)) * self.scale + self.bias
            how = "sampled"
        else:
            actions = np.tanh(mean) * self.scale + self.bias
            how = "squashed mean"
        # Rounding to float32 could step just past a bound; keep the contract exact.
        actions = np.clip(actions, self.low, self.high).astype(self.dtype)
        self._last = {"mode": how, "step": step}
        return actions.reshape((len(mean), *self.shape))

    def explain(self) -> dict[str, Any] | None:
        """How the last batch was chosen (warm-up, sampled or squashed mean)."""
        return self._last

    def state_dict(self) -> StateDict:
        """The generator's state, for exact resume."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.rng.bit_generator.state = state["rng"]


def make_gaussian(action_space: gym.Space, config: GaussianConfig, *, seed: int = 0) -> GaussianSelector:
    """Factory registered as selector ``gaussian``."""
    return GaussianSelector(action_space, config, seed=seed)


def register(register_fn: Register) -> None:
    """Register the ``gaussian`` selector."""
    register_fn(
        "gaussian",
        make_gaussian,
        config=GaussianConfig,
        description="Squashed Gaussian sampling for SAC (squashed mean when greedy)",
    )
