"""Game ``halfcheetah``: PyBullet's ``HalfCheetahBulletEnv-v0`` through ``pybullet-envs-gymnasium``.

The robot, rewards and time limit (1,000 steps, a *truncation*) are the
maintained Gymnasium port's; importing ``pybullet_envs_gymnasium`` registers
its ids, and the option ``env_id`` plays any other of them (``AntBulletEnv-v0``,
``HopperBulletEnv-v0``, ...). Observations are ``float32`` joint states,
actions a ``Box`` in ``[-1, 1]``.

Headless: every env connects to the physics server in ``DIRECT`` mode (no
GUI, no display needed); ``render_mode="rgb_array"`` renders frames with
PyBullet's software renderer for video. ``render_mode="human"`` would open a
GUI window and is refused.

Exact resume of an env mid-episode is not supported: the simulator's state
lives in the C++ physics server, not in Python objects we can serialise, so
:meth:`env_state` returns ``None`` and a resumed run starts fresh episodes
(memory, networks and RNGs still resume exactly).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import Game, StateDict, seeded_env
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register

DEFAULTS = Path(__file__).with_name("halfcheetah_defaults.yaml")
#: The module whose import registers the PyBullet ids with Gymnasium.
ENV_PACKAGE = "pybullet_envs_gymnasium"


class HalfCheetahConfig(BaseModel):
    """Options of the ``halfcheetah`` game."""

    model_config = ConfigDict(extra="forbid")

    env_id: str = Field("HalfCheetahBulletEnv-v0", description="Any id registered by pybullet-envs-gymnasium.")
    max_episode_steps: PositiveInt | None = Field(None, description="Override the id's time limit (null: keep 1000).")


def bullet_env_ids() -> list[str]:
    """Every Gymnasium id registered by ``pybullet_envs_gymnasium``."""
    import pybullet_envs_gymnasium  # noqa: F401  (registers the ids)

    return sorted(
        env_id for env_id, spec in gym.registry.items() if str(spec.entry_point).startswith(ENV_PACKAGE)
    )


class PyBulletGame(Game):
    """A headless PyBullet locomotion env; vector envs are ``SyncVectorEnv`` in ``SameStep`` mode."""

    def __init__(self, config: HalfCheetahConfig) -> None:
        self.config = config
        self.name = "halfcheetah" if config.env_id == "HalfCheetahBulletEnv-v0" else config.env_id

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """One env (``DIRECT`` physics connection); with ``seed`` its RNGs are seeded by a first reset."""
        if render_mode not in (None, "rgb_array"):
            raise ConfigError(
                f"game 'halfcheetah' renders headless only: render_mode must be 'rgb_array' or none, got {render_mode!r}"
            )
        env = gym.make(self.config.env_id, max_episode_steps=self.config.max_episode_steps, render_mode=render_mode)
        return seeded_env(env, seed)

    def default_config_path(self) -> Path:
        """The shipped SAC defaults (rl-baselines3-zoo's settings for HalfCheetahBulletEnv-v0)."""
        return DEFAULTS

    def env_state(self, env: gym.Env) -> StateDict | None:
        """Always ``None``: the physics state lives in PyBullet's C++ server (see the module docstring)."""
        return None


def make_halfcheetah(config: HalfCheetahConfig) -> PyBulletGame:
    """Factory registered as game ``halfcheetah``; checks ``env_id`` before any env is built."""
    known = bullet_env_ids()
    if config.env_id not in known:
        raise ConfigError(
            f"game.env_id {config.env_id!r} is not a pybullet-envs-gymnasium id; known: {', '.join(known)}"
        )
    return PyBulletGame(config)


def register(register_fn: Register) -> None:
    """Register the ``halfcheetah`` game."""
    register_fn(
        "halfcheetah",
        make_halfcheetah,
        config=HalfCheetahConfig,
        description="PyBullet HalfCheetahBulletEnv-v0 (headless; env_id: any pybullet-envs-gymnasium id), SAC defaults",
    )
