"""A module that registers a tiny Gymnasium env when imported, for ``gaikit run module:EnvId``.

Nothing else registers ``GaikitToyCorridor-v0``: only importing this module
(as Gymnasium's ``module:EnvId`` form does) makes the id known.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

ENV_ID = "GaikitToyCorridor-v0"


class Corridor(gym.Env):
    """Walk right along a corridor of ``length`` cells: +1 at the end, which ends the episode."""

    metadata = {"render_modes": []}

    def __init__(self, length: int = 5, render_mode: str | None = None) -> None:
        self.length = length
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.position = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Back to the first cell."""
        super().reset(seed=seed)
        self.position = 0
        return self._obs(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Action 1 moves right, 0 left (not past the first cell)."""
        self.position = max(0, self.position + (1 if int(action) == 1 else -1))
        done = self.position >= self.length - 1
        return self._obs(), float(done), done, False, {}

    def _obs(self) -> np.ndarray:
        return np.array([self.position / (self.length - 1)], dtype=np.float32)


if ENV_ID not in gym.registry:
    gym.register(ENV_ID, entry_point=Corridor, max_episode_steps=20)
