"""The ``asterix`` game: Atari Asterix (``ALE/Asterix-v5``) with its RAM map, features and strategy.

The preprocessing, observation forms (pixels, RAM or both) and options are
the Atari family's (:mod:`gaikit.plugins.games.atari`). Asterix adds its own
defaults (``asterix_defaults.yaml``: the study's hyperparameters, RAM
encoder), the strategy-agent features read from the RAM
(:mod:`gaikit.plugins.games.asterix_features`, ``docs/asterix_ram.md``) and
the heuristic strategy file ``asterix.yaml``.
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

    def features(self, env: gym.Env | None, obs: Any) -> dict[str, float]:
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
