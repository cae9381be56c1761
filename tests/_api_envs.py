"""A tiny Gymnasium env registered on import, for ``gaikit.train("_api_envs:Corridor-v0")`` (``module:EnvId``).

``Corridor``: start in cell 0 of a 6-cell corridor; action 1 steps right,
action 0 steps left (not past 0); reaching the last cell pays 1 and ends the
episode; every step costs 0.01; 30 steps at most.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

ENV_ID = "Corridor-v0"
LENGTH = 6


class Corridor(gym.Env):
    """Walk right to the end of a corridor; the observation is the one-hot position."""

    metadata = {"render_modes": []}

    def __init__(self, length: int = LENGTH) -> None:
        self.length = length
        self.observation_space = gym.spaces.Box(0.0, 1.0, (length,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.position = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.length, dtype=np.float32)
        obs[self.position] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Back to cell 0."""
        super().reset(seed=seed)
        self.position = 0
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Move one cell; the last cell pays 1 and terminates."""
        self.position = min(self.length - 1, max(0, self.position + (1 if int(action) == 1 else -1)))
        done = self.position == self.length - 1
        return self._obs(), (1.0 if done else -0.01), done, False, {}


if ENV_ID not in gym.registry:
    gym.register(ENV_ID, entry_point=Corridor, max_episode_steps=30)
