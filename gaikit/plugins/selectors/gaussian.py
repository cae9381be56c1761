"""Selector ``gaussian``: samples the tanh-squashed Gaussian a SAC learner describes.

In training each action is ``tanh(mean + std * eps) * scale + bias`` with
``eps ~ N(0, 1)`` from the selector's own seeded generator, so it lies inside
the Box bounds; with ``explore=False`` it is the squashed mean
``tanh(mean) * scale + bias``. For the first ``random_steps`` environment
steps it acts uniformly at random inside the bounds instead (the warm-up
Stable-Baselines3 and CleanRL use before learning starts).

With a state-dependent exploration policy (SAC's ``use_sde``, whose
preferences carry ``sde_latent`` and ``sde_std``) the noise is
``sde_latent @ (sde_std * eps)`` with one standard normal ``eps`` matrix per
env, held for ``sde_sample_freq`` env steps and then redrawn: the exploration
is smooth in the state and correlated in time, as Stable-Baselines3's gSDE
(which redraws at the start of each rollout of ``train_freq`` steps).
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
    sde_sample_freq: int = Field(
        1, ge=1, description="With a gSDE policy: env steps between fresh exploration matrices (1: every step)."
    )


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
        self._sde_eps: np.ndarray | None = None  # (envs, latent_dim, action_dim), held between draws
        self._sde_drawn_at = 0

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """One action per row of ``prefs.mean``, inside the Box bounds."""
        if prefs.mean is None or prefs.log_std is None:
            raise GaikitError("selector 'gaussian' needs a learner that gives a Gaussian (mean, log_std), e.g. 'sac'")
        mean = np.asarray(prefs.mean, dtype=np.float64).reshape(len(prefs.mean), -1)
        if explore and step < self.config.random_steps:
            actions = self.rng.uniform(self.low, self.high, size=mean.shape)
            how = "uniform warm-up"
        elif explore and prefs.sde_latent is not None and prefs.sde_std is not None:
            noise = self._state_dependent_noise(prefs.sde_latent, prefs.sde_std, step)
            actions = np.tanh(mean + noise) * self.scale + self.bias
            how = "sampled, state-dependent noise"
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

    def _state_dependent_noise(self, latent: np.ndarray, std: np.ndarray, step: int) -> np.ndarray:
        """``latent @ (std * eps)`` per env, redrawing ``eps`` every ``sde_sample_freq`` steps."""
        latent = np.asarray(latent, dtype=np.float64)
        std = np.asarray(std, dtype=np.float64)
        shape = (len(latent), *std.shape)
        stale = step - self._sde_drawn_at >= self.config.sde_sample_freq or step < self._sde_drawn_at
        if self._sde_eps is None or self._sde_eps.shape != shape or stale:
            self._sde_eps = self.rng.standard_normal(shape)
            self._sde_drawn_at = step
        return np.einsum("bl,bla->ba", latent, std * self._sde_eps)

    def explain(self) -> dict[str, Any] | None:
        """How the last batch was chosen (warm-up, sampled or squashed mean)."""
        return self._last

    def state_dict(self) -> StateDict:
        """The generator's state and the held gSDE noise, for exact resume."""
        return {"rng": self.rng.bit_generator.state, "sde_eps": self._sde_eps, "sde_drawn_at": self._sde_drawn_at}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.rng.bit_generator.state = state["rng"]
        self._sde_eps = state.get("sde_eps")
        self._sde_drawn_at = int(state.get("sde_drawn_at", 0))


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
