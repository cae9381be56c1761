"""The ``catch`` game: its options model, the env factory, strategy-agent features and exact resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gaikit.core.components import Game, StateDict, seeded_env
from gaikit.core.errors import CheckpointError, ConfigError
from gaikit_game_example.env import CatchEnv

#: The game's default run config, shipped as package data (pyproject.toml's package-data).
DEFAULTS = Path(__file__).with_name("catch_defaults.yaml")
#: What :meth:`CatchGame.features` returns, in order (strategy triggers may read these).
FEATURES = ("basket", "lives", "rows_left", "offset", "is_bomb", "fruit_here", "fruit_left", "fruit_right",
            "bomb_here", "bomb_left", "bomb_right", "at_left_wall", "at_right_wall")
#: The env attributes that make up its state (with the RNG), for :meth:`CatchGame.env_state`.
_STATE = ("basket", "column", "row", "bomb", "lives", "t")


class CatchConfig(BaseModel):
    """Options of the ``catch`` game (``--set game.OPTION=VALUE``)."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(5, ge=2, le=16, description="Columns of the grid.")
    height: int = Field(8, ge=3, le=32, description="Rows of the grid; an object falls height - 1 steps.")
    bomb_prob: float = Field(0.3, ge=0.0, le=1.0, description="Probability that a new object is a bomb.")
    lives: int = Field(3, ge=1, le=99, description="Bombs the basket may catch before the episode ends.")
    max_steps: int = Field(200, ge=1, description="Steps before the episode is truncated.")

    @model_validator(mode="after")
    def _reachable(self) -> "CatchConfig":
        """Every column must be reachable while an object falls, or catching is luck."""
        if self.width - 1 > self.height - 1:
            raise ValueError(f"width {self.width} needs height >= {self.width} so that the basket can reach "
                             "any column while an object falls")
        return self


class CatchGame(Game):
    """Catch fruit, dodge bombs; vector envs are gaikit's default ``SyncVectorEnv`` in ``SameStep`` mode."""

    name = "catch"

    def __init__(self, config: CatchConfig) -> None:
        self.config = config

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """One env; with ``seed`` it is reset once so its RNG is seeded."""
        if render_mode not in (None, "rgb_array"):
            raise ConfigError(f"game 'catch' renders rgb_array only, got render_mode {render_mode!r}")
        c = self.config
        env = CatchEnv(c.width, c.height, c.bomb_prob, c.lives, c.max_steps, render_mode=render_mode)
        return seeded_env(env, seed)

    def default_config_path(self) -> Path:
        """``catch_defaults.yaml``: DDQN with a small MLP, tuned to learn within a minute on a CPU."""
        return DEFAULTS

    def feature_names(self) -> list[str]:
        """The names :meth:`features` returns."""
        return list(FEATURES)

    def features(self, env: gym.Env | None, obs: Any) -> dict[str, float]:
        """Features of one observation (``env`` is not needed: everything is in ``obs``).

        ``offset`` is the object's column minus the basket's; ``rows_left`` the
        basket moves left before the object lands.
        """
        basket, column, row, bomb, lives = (float(x) for x in np.asarray(obs, dtype=np.float64).reshape(-1)[:5])
        offset, fruit = column - basket, 1.0 - bomb
        return {
            "basket": basket, "lives": lives, "rows_left": self.config.height - 1 - row, "offset": offset,
            "is_bomb": bomb,
            "fruit_here": fruit * (offset == 0), "fruit_left": fruit * (offset < 0), "fruit_right": fruit * (offset > 0),
            "bomb_here": bomb * (offset == 0), "bomb_left": bomb * (offset < 0), "bomb_right": bomb * (offset > 0),
            "at_left_wall": float(basket <= 0), "at_right_wall": float(basket >= self.config.width - 1),
        }

    def env_state(self, env: gym.Env) -> StateDict:
        """The env's positions, lives, step count and RNG state: enough to continue it exactly."""
        inner = env.unwrapped
        if not isinstance(inner, CatchEnv):
            raise CheckpointError(f"game 'catch' cannot snapshot a {type(inner).__name__}")
        state: StateDict = {name: int(getattr(inner, name)) for name in _STATE}
        state["rng"] = inner.np_random.bit_generator.state
        return state

    def load_env_state(self, env: gym.Env, state: StateDict) -> None:
        """Restore what :meth:`env_state` returned into an env built with the same options."""
        inner = env.unwrapped
        missing = [name for name in (*_STATE, "rng") if name not in state]
        if not isinstance(inner, CatchEnv) or missing:
            raise CheckpointError(f"game 'catch': env state is missing {missing}" if missing
                                  else f"game 'catch' cannot restore into a {type(inner).__name__}")
        for name in _STATE:
            setattr(inner, name, int(state[name]))
        generator = np.random.Generator(np.random.PCG64())
        generator.bit_generator.state = state["rng"]
        inner.np_random = generator


def make_catch(config: CatchConfig) -> CatchGame:
    """The registered factory: ``factory(config) -> Game``."""
    return CatchGame(config)
