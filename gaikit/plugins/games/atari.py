"""The ``atari`` game family: any ``ALE/*-v5`` id with the standard Atari preprocessing.

:class:`AtariConfig` and :class:`AtariGame` are the shared pieces every Atari
game is built on (``asterix`` adds its RAM map, features and strategy on top).
Observation forms and their layout are documented in
:mod:`gaikit.plugins.games.atari_envs`: ``uint8`` ``(stack, size, size)``
pixels, ``(stack, 128)`` RAM, or a ``Dict`` ``{"pixels", "ram"}`` of both
from one emulator step. ``game.observation: auto`` gives each encoder what it
reads (``image`` -> pixels, ``ram`` -> ram, ``mixed`` -> both).

The family game ``atari`` takes the id as ``game.env_id``; ``gaikit run
ALE/Breakout-v5`` resolves to it (:mod:`gaikit.resolve`). Its defaults,
``atari_defaults.yaml``, are the field's DQN settings (Nature DQN, Dopamine).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gaikit.core.components import Game, StateDict, seeded_env
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register
from gaikit.plugins.games.atari_envs import (
    FORM_KEYS,
    AtariSpec,
    ObservationForm,
    load_single_env_state,
    make_single_env,
    make_vector_env,
    single_env_state,
)

#: Defaults of the ``atari`` family game.
FAMILY_DEFAULTS = Path(__file__).with_name("atari_defaults.yaml")
#: The ids the family plays: ``ALE/<Game>-v5``.
ALE_ID = re.compile(r"^ALE/([A-Za-z0-9]+)-v5$")


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
    """An ALE game offered as pixels, RAM or both; the standard Atari preprocessing by default."""

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
        return seeded_env(env, seed)

    def make_vector_env(self, num_envs: int, seed: int) -> gym.vector.VectorEnv:
        """Training envs (``AtariVectorEnv`` for pixels, ``SyncVectorEnv`` for RAM/mixed)."""
        return make_vector_env(self.spec(), num_envs, seed)

    def default_config_path(self) -> Path | None:
        """The family defaults (``atari_defaults.yaml``); named games may ship their own."""
        return FAMILY_DEFAULTS

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


def rom_name(env_id: str) -> str:
    """ale-py's ROM name for an ``ALE/<Game>-v5`` id, e.g. ``ALE/MontezumaRevenge-v5`` -> ``montezuma_revenge``."""
    match = ALE_ID.match(env_id)
    if match is None:
        raise ConfigError(f"game.env_id: {env_id!r} is not an ALE id of the form 'ALE/<Game>-v5', e.g. 'ALE/Breakout-v5'")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", match.group(1)).lower()


class AtariFamilyConfig(AtariConfig):
    """The ``game:`` section of the ``atari`` family: the preprocessing options plus the ALE id."""

    env_id: str = Field("ALE/Breakout-v5", description="The ALE id to play, 'ALE/<Game>-v5' (e.g. ALE/Pong-v5).")

    @field_validator("env_id")
    @classmethod
    def _ale_id(cls, value: str) -> str:
        if ALE_ID.match(value) is None:
            raise ValueError(f"{value!r} is not an ALE id of the form 'ALE/<Game>-v5', e.g. 'ALE/Breakout-v5'")
        return value


class AtariFamilyGame(AtariGame):
    """Any ``ALE/*-v5`` game with the standard preprocessing and the field's DQN defaults."""

    name = "atari"

    def __init__(self, config: AtariFamilyConfig) -> None:
        """Build from the validated ``game:`` section (its ``env_id`` names the ALE game)."""
        super().__init__(config)
        self.env_id = config.env_id
        self.rom = rom_name(config.env_id)

    @property
    def title(self) -> str:
        """The ALE id played, e.g. ``ALE/Breakout-v5`` (the family's name is ``atari``)."""
        return self.env_id


def _build_atari(config: AtariFamilyConfig) -> AtariFamilyGame:
    return AtariFamilyGame(config)


def register(register_fn: Register) -> None:
    """Register the ``atari`` game family."""
    register_fn(
        "atari",
        _build_atari,
        config=AtariFamilyConfig,
        description="Any ALE/<Game>-v5 id (game.env_id) with Atari preprocessing; pixels, RAM or both.",
    )
