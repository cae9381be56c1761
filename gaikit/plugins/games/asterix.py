"""The ``asterix`` game: Atari Asterix (``ALE/Asterix-v5``) from pixels, RAM, or both.

Observation forms and their layout (keys, shapes, dtypes, stack axis) are
documented in :mod:`gaikit.plugins.games.atari_envs`; in short, one env gives
``uint8`` ``(stack, size, size)`` pixels, ``(stack, 128)`` RAM, or a ``Dict``
``{"pixels", "ram"}`` of both from one emulator step, stack axis 0, newest
frame last.

Which form a run uses: the game option ``observation`` (default ``auto``).
``auto`` takes the form the chosen encoder declares through its
``observation_keys`` class attribute, which the runner hands to
:meth:`AtariGame.select_observation` before any env is made (``image`` ->
pixels, ``ram`` -> ram, ``mixed`` -> both). Encoders stay game-agnostic and
third-party encoders take part by declaring their keys; an explicit
``observation`` that cannot feed the encoder is a config error.

Episode statistics (``infos["episode"]``) always describe full games with
unclipped scores; see :mod:`gaikit.plugins.games.atari_episodes`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import Game, StateDict
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register
from gaikit.plugins.games.asterix_features import ASTERIX_FEATURE_NAMES, asterix_features, ram_from
from gaikit.plugins.games.atari_envs import (
    FORM_KEYS,
    AtariSpec,
    ObservationForm,
    load_single_env_state,
    make_single_env,
    make_vector_env,
    single_env_state,
)

DEFAULTS = Path(__file__).with_name("asterix_defaults.yaml")


class AtariConfig(BaseModel):
    """Preprocessing and observation options of an Atari game (the ``game:`` section)."""

    model_config = ConfigDict(extra="forbid")

    observation: Literal["auto", "pixels", "ram", "mixed"] = Field(
        "auto", description="pixels, ram, mixed (both from one emulator step), or auto: what the encoder reads."
    )
    frame_skip: int = Field(4, ge=1, description="Emulator frames per agent step (the action is repeated).")
    stack: int = Field(4, ge=1, description="Consecutive observations stacked along axis 0 (the study used 5).")
    grayscale: bool = Field(True, description="Grayscale pixels (False: RGB, one extra trailing axis of 3).")
    size: int = Field(84, ge=8, le=210, description="Pixel frames are resized to size x size.")
    noop_max: int = Field(30, ge=0, description="Up to this many no-op actions after each reset (0: off).")
    repeat_action_probability: float = Field(
        0.25, ge=0.0, le=1.0, description="Sticky actions: chance the previous action repeats each frame (0: off)."
    )
    terminal_on_life_loss: bool = Field(
        True, description="Report terminated on every life lost (the game goes on; statistics stay per game)."
    )
    clip_rewards: bool = Field(True, description="Train on sign(reward); scores are recorded unclipped.")
    max_frames: int = Field(108_000, ge=1, description="Emulator frames per game before truncation.")
    env_threads: int = Field(0, ge=0, description="Threads of ale-py's AtariVectorEnv (pixels only; 0: its default).")


class AtariGame(Game):
    """An ALE game offered as pixels, RAM or both; the study's preprocessing by default."""

    #: Gymnasium id, e.g. ``ALE/Asterix-v5``.
    env_id: str = ""
    #: ale-py ROM name, e.g. ``asterix``.
    rom: str = ""

    def __init__(self, config: AtariConfig) -> None:
        """Build from the validated ``game:`` section."""
        self.config = config
        self._form: ObservationForm | None = None if config.observation == "auto" else config.observation

    @property
    def observation_form(self) -> ObservationForm:
        """The form in use: the configured one, the encoder's (``auto``), or pixels."""
        return self._form or "pixels"

    def select_observation(self, keys: tuple[str, ...] | None) -> None:
        """Match the observation form to the keys the chosen encoder reads."""
        if keys is None:
            return
        wanted = tuple(sorted(keys))
        matching = [form for form, supplied in FORM_KEYS.items() if tuple(sorted(supplied)) == wanted]
        if not matching:
            raise ConfigError(
                f"game {self.name!r}: the encoder reads observation keys {list(keys)}; "
                f"this game supplies {', '.join(repr(list(v)) for v in FORM_KEYS.values())}"
            )
        if self.config.observation != "auto" and self.config.observation != matching[0]:
            raise ConfigError(
                f"game.observation: {self.config.observation!r} cannot feed an encoder that reads "
                f"{list(keys)}; use {matching[0]!r} or 'auto'"
            )
        self._form = matching[0]  # type: ignore[assignment]

    def spec(self) -> AtariSpec:
        """The resolved build settings."""
        c = self.config
        return AtariSpec(
            env_id=self.env_id,
            rom=self.rom,
            observation=self.observation_form,
            frame_skip=c.frame_skip,
            stack=c.stack,
            grayscale=c.grayscale,
            size=c.size,
            noop_max=c.noop_max,
            repeat_action_probability=c.repeat_action_probability,
            terminal_on_life_loss=c.terminal_on_life_loss,
            clip_rewards=c.clip_rewards,
            max_frames=c.max_frames,
            env_threads=c.env_threads,
        )

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """One env for evaluation or video: same preprocessing, whole games, unclipped rewards."""
        env = make_single_env(self.spec(), render_mode=render_mode)
        if seed is not None:
            env.reset(seed=seed)
            env.action_space.seed(seed)
        return env

    def make_vector_env(self, num_envs: int, seed: int) -> gym.vector.VectorEnv:
        """Training envs (``AtariVectorEnv`` for pixels, ``SyncVectorEnv`` for RAM/mixed)."""
        return make_vector_env(self.spec(), num_envs, seed)

    def default_config_path(self) -> Path | None:
        """The shipped defaults (components and the study's hyperparameters)."""
        return DEFAULTS

    def env_state(self, env: gym.Env) -> StateDict | None:
        """Exact state of one env: emulator with RNG (ALE ``cloneState``), frame stack, game counters.

        ``env`` is a single env (from :meth:`make_env`, or a sub-env of a RAM
        or mixed vector env). Pixel vector envs (ale-py's ``AtariVectorEnv``)
        expose no per-env emulator state: for anything else this returns ``None``.
        """
        if isinstance(env, gym.vector.VectorEnv) or not isinstance(env, gym.Wrapper):
            return None
        return single_env_state(env)

    def load_env_state(self, env: gym.Env, state: StateDict) -> None:
        """Restore what :meth:`env_state` returned into an env built the same way."""
        try:
            load_single_env_state(env, state)
        except (KeyError, TypeError, RuntimeError) as exc:
            raise ConfigError(f"game {self.name!r}: saved env state does not fit this env ({exc})") from None


class AsterixGame(AtariGame):
    """Atari Asterix: collect items, dodge the lyres; three lives."""

    name = "asterix"
    env_id = "ALE/Asterix-v5"
    rom = "asterix"

    def features(self, env: gym.Env, obs: Any) -> dict[str, float]:
        """Strategy-agent features from the RAM (:mod:`gaikit.plugins.games.asterix_features`)."""
        ram, previous = ram_from(env, obs)
        return asterix_features(ram, previous)

    def feature_names(self) -> list[str]:
        """Every name :meth:`features` returns."""
        return list(ASTERIX_FEATURE_NAMES)


def _build_asterix(config: AtariConfig) -> AsterixGame:
    return AsterixGame(config)


def register(register_fn: Register) -> None:
    """Register the ``asterix`` game."""
    register_fn(
        "asterix",
        _build_asterix,
        config=AtariConfig,
        description="Atari Asterix (ALE/Asterix-v5) from pixels, RAM or both of one emulator step.",
    )
