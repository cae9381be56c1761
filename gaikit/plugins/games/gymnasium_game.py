"""Game ``gymnasium``: any registered Gymnasium environment id.

``env_id`` may use Gymnasium's ``module:EnvId`` form to import the module that
registers the id first, e.g. ``ale_py:ALE/Pong-v5``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import Game, StateDict
from gaikit.core.hookspecs import Register
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.games.env_state import capture_env_state, restore_env_state

DEFAULTS_FILE = Path(__file__).with_name("gymnasium_defaults.yaml")


class GymnasiumGameConfig(BaseModel):
    """Options of the ``gymnasium`` game."""

    model_config = ConfigDict(extra="forbid")

    env_id: str = Field("CartPole-v1", description="Gymnasium environment id, optionally 'module:EnvId'.")
    max_episode_steps: PositiveInt | None = Field(None, description="Override the id's time limit (null: keep it).")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra keyword arguments for gymnasium.make.")


class GymnasiumGame(Game):
    """Plays one Gymnasium id; vector envs are ``SyncVectorEnv`` with ``SameStep`` autoreset.

    :meth:`env_state` supports envs whose state is plain Python/numpy data
    (classic control); see :mod:`gaikit.plugins.games.env_state` for the rule.
    """

    def __init__(self, config: GymnasiumGameConfig) -> None:
        self.config = config
        self.name = config.env_id

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """One environment; with ``seed`` its RNGs are seeded by a first ``reset(seed=seed)``."""
        options: dict[str, Any] = dict(self.config.kwargs)
        if self.config.max_episode_steps is not None:
            options["max_episode_steps"] = self.config.max_episode_steps
        try:
            env = gym.make(self.config.env_id, render_mode=render_mode, **options)
        except (gym.error.Error, ModuleNotFoundError, TypeError) as exc:
            raise GaikitError(f"game.env_id {self.config.env_id!r}: gymnasium.make failed: {exc}") from None
        if seed is not None:
            env.reset(seed=seed)
            env.action_space.seed(seed)
        return env

    def default_config_path(self) -> Path:
        """The shipped DDQN defaults (tuned on CartPole-v1)."""
        return DEFAULTS_FILE

    def env_state(self, env: gym.Env) -> StateDict | None:
        """Snapshot of a classic-control style env; ``None`` if it holds state we cannot capture."""
        state = capture_env_state(env)
        if state is not None:
            state["env_id"] = self.config.env_id
        return state

    def load_env_state(self, env: gym.Env, state: StateDict) -> None:
        """Restore what :meth:`env_state` returned into an env made by :meth:`make_env`."""
        if state.get("env_id") != self.config.env_id:
            raise CheckpointError(f"env state is for {state.get('env_id')!r}, not {self.config.env_id!r}")
        restore_env_state(env, state)


def make_gymnasium_game(config: GymnasiumGameConfig) -> GymnasiumGame:
    """Factory: checks that ``env_id`` is registered before any env is built."""
    try:
        gym.spec(config.env_id)
    except (gym.error.Error, ModuleNotFoundError) as exc:
        raise GaikitError(f"game.env_id {config.env_id!r} is not a registered Gymnasium id: {exc}") from None
    return GymnasiumGame(config)


def register(register_fn: Register) -> None:
    """Register the ``gymnasium`` game."""
    register_fn(
        "gymnasium",
        make_gymnasium_game,
        config=GymnasiumGameConfig,
        description="Any Gymnasium id (config env_id, default CartPole-v1); DDQN defaults for CartPole-like tasks.",
    )
