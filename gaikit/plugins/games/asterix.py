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
from typing import Any

import gymnasium as gym

from gaikit.core.hookspecs import Register
from gaikit.plugins.games.asterix_features import ASTERIX_FEATURE_NAMES, asterix_features, ram_from
from gaikit.plugins.games.atari import AtariConfig, AtariGame

__all__ = ["AsterixGame", "AtariConfig", "AtariGame", "register"]

DEFAULTS = Path(__file__).with_name("asterix_defaults.yaml")


class AsterixGame(AtariGame):
    """Atari Asterix: collect items, dodge the lyres; three lives."""

    def default_config_path(self) -> Path | None:
        """The shipped defaults (components and the study's hyperparameters)."""
        return DEFAULTS

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
