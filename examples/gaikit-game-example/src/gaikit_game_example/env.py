"""``CatchEnv``: fruit and bombs fall down a small grid; a basket at the bottom catches them.

The grid is ``width`` columns by ``height`` rows. One object falls at a time,
one row per step, from a random column of the top row; it is a bomb with
probability ``bomb_prob``, else a fruit. The basket sits in the bottom row and
moves one column per step (actions: 0 stay, 1 left, 2 right; it stops at the
walls). When the object reaches the bottom row it is resolved against the
basket's column: a caught fruit scores +1, a caught bomb scores -1 and costs a
life; a missed object scores nothing. Then the next object appears. The
episode terminates when the last life is lost and is truncated after
``max_steps`` steps.

Observation (``float32``): ``[basket column, object column, object row,
object is a bomb (0/1), lives]``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

#: Actions: what each index does to the basket's column.
MOVES = {0: 0, 1: -1, 2: +1}
#: Colours of the rendered grid (RGB).
_BASKET, _FRUIT, _BOMB = (60, 110, 230), (40, 190, 70), (220, 50, 50)


class CatchEnv(gym.Env[np.ndarray, np.int64]):
    """The catch game as a Gymnasium env (see the module docstring for the rules)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}

    def __init__(self, width: int = 5, height: int = 8, bomb_prob: float = 0.3, lives: int = 3,
                 max_steps: int = 200, render_mode: str | None = None, cell: int = 12) -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"CatchEnv renders rgb_array only, got render_mode={render_mode!r}")
        self.width, self.height, self.bomb_prob, self.start_lives = width, height, bomb_prob, lives
        self.max_steps, self.render_mode, self.cell = max_steps, render_mode, cell
        high = np.array([width - 1, width - 1, height - 1, 1, lives], dtype=np.float32)
        self.observation_space = gym.spaces.Box(np.zeros(5, np.float32), high, dtype=np.float32)
        self.action_space = gym.spaces.Discrete(3)
        self.basket, self.column, self.row, self.bomb, self.lives, self.t = width // 2, 0, 0, 0, lives, 0

    def _spawn(self) -> None:
        """A new object in a random column of the top row."""
        self.column = int(self.np_random.integers(self.width))
        self.row = 0
        self.bomb = int(self.np_random.random() < self.bomb_prob)

    def _obs(self) -> np.ndarray:
        return np.array([self.basket, self.column, self.row, self.bomb, self.lives], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Start an episode: the basket in the middle, all lives, a fresh object at the top."""
        super().reset(seed=seed)
        self.basket, self.lives, self.t = self.width // 2, self.start_lives, 0
        self._spawn()
        return self._obs(), {"lives": self.lives}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move the basket, let the object fall one row, resolve it if it landed."""
        if not self.action_space.contains(action):
            raise ValueError(f"CatchEnv: action {action!r} is not in {self.action_space}")
        self.basket = int(np.clip(self.basket + MOVES[int(action)], 0, self.width - 1))
        self.row += 1
        reward = 0.0
        if self.row >= self.height - 1:
            if self.column == self.basket:
                reward = -1.0 if self.bomb else 1.0
                self.lives -= self.bomb
            self._spawn()
        self.t += 1
        return self._obs(), reward, self.lives <= 0, self.t >= self.max_steps, {"lives": self.lives}

    def render(self) -> np.ndarray | None:
        """The grid as an RGB image (``render_mode="rgb_array"``), ``cell`` pixels per square."""
        if self.render_mode != "rgb_array":
            return None
        frame = np.full((self.height, self.width, 3), 20, dtype=np.uint8)
        frame[self.row, self.column] = _BOMB if self.bomb else _FRUIT
        frame[self.height - 1, self.basket] = _BASKET
        return np.repeat(np.repeat(frame, self.cell, axis=0), self.cell, axis=1)
