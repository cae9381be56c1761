"""A tiny game with declared features and its strategy file, for the strategy tests.

``lanes``: the player stands in one of three lanes. Each step a coin and a
danger appear in random lanes; the player may stay, move up or move down.
Landing on the coin gives +1; landing on the danger costs a life (3 lives).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import gymnasium as gym
import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict

from gaikit.core.components import Game
from gaikit.core.hookspecs import hookimpl
from gaikit.core.registry import plugin_manager

LANES_YAML = """\
game: lanes
desc: Avoid the danger, take the coin.
act: move
defines:
  randomness: {default: 1.0, move: 0.2}
  explain_every: 1
rules:
  ai_aggression:
    default: standard
    presets:
      low: {greed: 0.5}
      standard: {}
      high: {greed: 2.0}
strategy_types:
  mood:
    change_points: {life_lost: 100}
strategies:
  default:
    values:
      greed: {value: 1.0, modifiers: [{if: "lives <= 1", factor: 0.5, desc: "last life: careful"}]}
  greedy:
    type: mood
    weight: 10
    values: {greed: {multiply: 2}}
  careful:
    type: mood
    weight: {value: 10, modifiers: [{if: "lives <= 1", factor: 5, desc: "last life"}]}
decisions:
  move:
    options:
      stay:
        action: 0
        tier: {value: wants-to-have, modifiers: [{if: "danger_here", tier: must-not-have, desc: "danger here"}]}
        score: {value: 1, modifiers: [{if: "coin_here", add: greed, desc: "coin here"}]}
      up:
        action: 1
        tier: {value: wants-to-have, modifiers: [{if: "danger_up or lane >= 2", tier: must-not-have, desc: "blocked"}]}
        score: {value: 1, modifiers: [{if: "coin_up", add: greed, desc: "coin above"}]}
      down:
        action: 2
        tier: {value: wants-to-have, modifiers: [{if: "danger_down or lane <= 0", tier: must-not-have, desc: "blocked"}]}
        score: {value: 1, modifiers: [{if: "coin_down", add: greed, desc: "coin below"}]}
"""

FEATURES = ["lane", "lives", "coin_here", "coin_up", "coin_down", "danger_here", "danger_up", "danger_down"]


class LanesEnv(gym.Env):
    """Observation ``[lane, coin_lane, danger_lane, lives]``; actions stay / up / down."""

    def __init__(self, max_steps: int = 50) -> None:
        self.observation_space = gym.spaces.Box(0.0, 3.0, shape=(4,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(3)
        self.max_steps = max_steps

    def _obs(self) -> np.ndarray:
        return np.array([self.lane, self.coin, self.danger, self.lives], dtype=np.float32)

    def _spawn(self) -> None:
        self.coin, self.danger = self.np_random.choice(3, size=2, replace=False)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.lane, self.lives, self.t = 1, 3, 0
        self._spawn()
        return self._obs(), {"lives": self.lives}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self.lane = int(np.clip(self.lane + (1 if action == 1 else -1 if action == 2 else 0), 0, 2))
        reward = 1.0 if self.lane == self.coin else 0.0
        if self.lane == self.danger:
            self.lives -= 1
        self.t += 1
        self._spawn()
        return self._obs(), reward, self.lives <= 0, self.t >= self.max_steps, {"lives": self.lives}


class LanesConfig(BaseModel):
    """Options of the toy game."""

    model_config = ConfigDict(extra="forbid")
    max_steps: int = 50


class LanesGame(Game):
    """The toy game with declared features."""

    name = "lanes"

    def __init__(self, config: LanesConfig) -> None:
        self.config = config

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        env = LanesEnv(self.config.max_steps)
        if seed is not None:
            env.reset(seed=seed)
        return env

    def feature_names(self) -> list[str]:
        return list(FEATURES)

    def features(self, env: gym.Env | None, obs: Any) -> dict[str, float]:
        lane, coin, danger, lives = (float(x) for x in obs)
        return {
            "lane": lane, "lives": lives,
            "coin_here": float(coin == lane), "coin_up": float(coin == lane + 1), "coin_down": float(coin == lane - 1),
            "danger_here": float(danger == lane), "danger_up": float(danger == lane + 1),
            "danger_down": float(danger == lane - 1),
        }


class LanesPlugin:
    """Registers the toy game and its strategy file (written to ``path``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def gaikit_register_games(self, register: Any) -> None:
        register("lanes", LanesGame, config=LanesConfig, description="toy lanes game (tests)")

    @hookimpl
    def gaikit_register_strategies(self, register: Any) -> None:
        register("lanes", lambda: self.path, description="toy lanes strategies (tests)")


@pytest.fixture
def lanes(tmp_path: Path) -> Iterator[Path]:
    """Register the ``lanes`` game and strategies for one test; yields the strategy file."""
    path = tmp_path / "lanes.yaml"
    path.write_text(LANES_YAML)
    pm = plugin_manager()
    pm.register(LanesPlugin(path), name="lanes-test")
    try:
        yield path
    finally:
        pm.unregister(name="lanes-test")
