"""Game ``realm``: a compact grand-strategy world where every country is a strategy agent.

Two ways to play (docs/realm.md):

* ``gaikit run realm --learner ddqn`` trains an agent for one player
  country through :class:`~gaikit.plugins.games.realm.env.RealmEnv` (this
  game, run by the runner like any other); the other countries stay
  strategy agents. A strategy agent through the env plays the file's
  ``player_action`` decision.
* ``gaikit run realm --agent strategy --years 50 --seed 7`` simulates the
  whole world with strategy engines (nothing learns) and prints the
  chronicle: that is realm's *world*
  (:class:`~gaikit.plugins.games.realm.simulate.RealmWorld`, registered
  through ``gaikit_register_worlds``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym

from gaikit.core.components import Game, seeded_env
from gaikit.core.hookspecs import Register
from gaikit.plugins.games.realm.config import RealmConfig, check_player
from gaikit.plugins.games.realm.env import RealmEnv
from gaikit.plugins.games.realm.features import FEATURES, country_features, features_from_observation
from gaikit.plugins.games.realm.offers import OFFERED
from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.strategies.compiled import StrategySet

DEFAULTS = Path(__file__).with_name("realm_defaults.yaml")

__all__ = ["RealmConfig", "RealmGame", "make_realm", "register"]


class RealmGame(Game):
    """The ``realm`` game: the env of a player country in a world of strategy-agent countries."""

    name = "realm"

    def __init__(self, config: RealmConfig) -> None:
        self.config = check_player(config)
        self._strategies: StrategySet | None = None

    def strategies(self) -> StrategySet:
        """The AI countries' strategies (shipped file + ``game.mods``), loaded once."""
        if self._strategies is None:
            self._strategies = load_realm_strategies(None, self.config.mods)
        return self._strategies

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """The single-country env of the player (``game.player``, default 0)."""
        cfg = self.config
        env = RealmEnv(
            self.strategies(), countries=cfg.countries, states_per_country=cfg.states_per_country,
            player=cfg.player or 0, years=cfg.env_years, step_weeks=cfg.step_weeks, rules=cfg.rules,
            forecast=cfg.forecast, render_mode=render_mode, history=cfg.history,
        )
        return seeded_env(env, seed)

    def default_config_path(self) -> Path:
        """DDQN defaults for the player country."""
        return DEFAULTS

    def feature_names(self) -> list[str]:
        """The country features strategy files may read."""
        return list(FEATURES)

    def offered_options(self) -> dict[str, tuple[str, ...] | None]:
        """Decision -> the option kinds realm offers it (``None``: the file's own, played by action id)."""
        return dict(OFFERED)

    def features(self, env: gym.Env | None, obs: Any) -> dict[str, float]:
        """The player's features: exact from the env's world when given, else decoded from the observation."""
        unwrapped = env.unwrapped if env is not None else None
        if isinstance(unwrapped, RealmEnv) and unwrapped.world is not None:
            world = unwrapped.world
            return country_features(world, world.countries[unwrapped.player])
        return features_from_observation(obs)


def make_realm(config: RealmConfig) -> RealmGame:
    """Factory registered as game ``realm``."""
    return RealmGame(config)


def register(register_fn: Register) -> None:
    """Register the ``realm`` game."""
    register_fn(
        "realm", make_realm, config=RealmConfig,
        description="small grand-strategy world of strategy-agent countries; a player country for learners",
    )
