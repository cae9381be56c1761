"""Turn an agent's actions into what a vector env's ``step`` accepts.

- ``Discrete``: ``int64`` array of shape ``(num_envs,)``.
- ``Box``: ``float32`` (or the space's float dtype) of shape ``(num_envs, *shape)``,
  clipped to the space's bounds. The *clipped* action is what the env executes
  and what the runner hands to :meth:`Agent.observe`, so memory holds the
  action that produced the stored reward.
- Any other space (``MultiDiscrete``, ``MultiBinary``, ...): cast to the
  space's dtype and shaped ``(num_envs, *shape)``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from gaikit.core.errors import GaikitError


class ActionAdapter:
    """Validates and converts action batches for one single-env action space."""

    def __init__(self, space: gym.Space, num_envs: int) -> None:
        self.space = space
        self.num_envs = num_envs
        self.dtype: np.dtype | None
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None
        if isinstance(space, gym.spaces.Discrete):
            self.shape: tuple[int, ...] = (num_envs,)
            self.dtype = np.dtype(np.int64)
        else:
            self.shape = (num_envs, *(space.shape or ()))
            self.dtype = np.dtype(space.dtype) if space.dtype is not None else None
            if isinstance(space, gym.spaces.Box):
                self.low = np.broadcast_to(space.low, self.shape).astype(self.dtype)
                self.high = np.broadcast_to(space.high, self.shape).astype(self.dtype)

    def __call__(self, actions: np.ndarray) -> np.ndarray:
        """``actions`` as the env expects them (see the module docstring)."""
        out = np.asarray(actions)
        if self.dtype is not None and out.dtype != self.dtype:
            out = out.astype(self.dtype)
        if out.shape != self.shape:
            if out.size != int(np.prod(self.shape)):
                raise GaikitError(
                    f"agent returned actions of shape {np.shape(actions)}; expected {self.shape} for {self.space}"
                )
            out = out.reshape(self.shape)
        if self.low is not None:
            out = np.clip(out, self.low, self.high)
        return out
