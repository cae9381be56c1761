"""Game ``realm``: a compact grand-strategy world where every country is a strategy agent.

Two ways to play (docs/realm.md):

* ``gaikit run realm --agent strategy --years 50 --seed 7`` simulates the
  whole world with strategy engines (nothing learns) and prints the
  chronicle; :meth:`RealmGame.simulate` is that path.
* ``gaikit run realm --learner ddqn`` trains an agent for one player
  country through :class:`~gaikit.plugins.games.realm.env.RealmEnv`; the
  other countries stay strategy agents. ``--agent strategy`` through the
  env plays the file's ``player_action`` decision instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import Game
from gaikit.core.config import RunConfig
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register
from gaikit.plugins.games.realm.env import RealmEnv
from gaikit.plugins.games.realm.features import FEATURES, country_features, features_from_observation
from gaikit.plugins.games.realm.simulate import WorldSpec, explain_at, load_realm_strategies, run_world

DEFAULTS = Path(__file__).with_name("realm_defaults.yaml")


class RealmConfig(BaseModel):
    """Options of the ``realm`` game (the ``game:`` section)."""

    model_config = ConfigDict(extra="forbid")

    countries: int = Field(8, ge=2, le=64, description="Countries on the map.")
    states_per_country: int = Field(6, ge=1, le=20, description="States each country starts with.")
    years: int = Field(50, ge=1, le=1000, description="Years a world simulation (--agent strategy) runs.")
    player: int | None = Field(
        None, ge=0, description="Player country: played through the env (default 0); in a world simulation it is "
        "flagged as the player (the 'behaviour_toward_players' rule applies) but run by its strategy engine.")
    env_years: int = Field(10, ge=1, le=200, description="Years per episode of the single-country env.")
    step_weeks: int = Field(4, ge=1, le=52, description="Weeks the world advances per env step.")
    rules: dict[str, str] = Field(default_factory=dict, description="Game rules of the AI countries (e.g. ai_aggression: high).")
    mods: list[str] = Field(default_factory=list, description="Strategy mod directories for the AI countries.")
    forecast: bool = Field(True, description="Spending variables (forecast of queued construction); false shows over-building.")


class RealmGame(Game):
    """The ``realm`` game: a player-country env for learners, a world simulation for strategy agents."""

    name = "realm"

    def __init__(self, config: RealmConfig) -> None:
        self.config = config
        if config.player is not None and config.player >= config.countries:
            raise ConfigError(f"game.player {config.player}: expected a country index below game.countries ({config.countries})")
        self._strategies = None

    def strategies(self) -> Any:
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
            forecast=cfg.forecast, render_mode=render_mode,
        )
        if seed is not None:
            env.reset(seed=seed)
            env.action_space.seed(seed)
        return env

    def default_config_path(self) -> Path:
        """DDQN defaults for the player country."""
        return DEFAULTS

    def feature_names(self) -> list[str]:
        """The country features strategy files may read."""
        return list(FEATURES)

    def features(self, env: gym.Env | None, obs: Any) -> dict[str, float]:
        """The player's features: exact from the env's world when given, else decoded from the observation."""
        realm = getattr(getattr(env, "unwrapped", None), "realm", None)
        if realm is not None:
            player = env.unwrapped.player  # type: ignore[union-attr]
            return country_features(realm, realm.countries[player])
        return features_from_observation(obs)

    def world_spec(self, config: RunConfig) -> WorldSpec:
        """The world a run config describes (game options, strategy file, mods and rules, train seed)."""
        cfg = self.config
        return WorldSpec(
            seed=config.train.seed, years=cfg.years, countries=cfg.countries, states_per_country=cfg.states_per_country,
            player=cfg.player, rules={**cfg.rules, **config.strategy.rules}, file=config.strategy.file,
            mods=[*cfg.mods, *config.strategy.mods], forecast=cfg.forecast,
        )

    def simulate(self, config: RunConfig, run_dir: Path, echo: Callable[[str], None]) -> int:
        """``gaikit run realm --agent strategy``: simulate the world, print the chronicle, write outputs."""
        run_world(self.world_spec(config), run_dir, echo, config_text=config.to_yaml())
        return 0

    def explain_decisions(self, config: RunConfig, country: str, date: str) -> list[dict[str, Any]]:
        """Explanations of ``country``'s decisions on ``date`` in the world of ``config``."""
        return explain_at(self.world_spec(config), country, date)


def make_realm(config: RealmConfig) -> RealmGame:
    """Factory registered as game ``realm``."""
    return RealmGame(config)


def register(register_fn: Register) -> None:
    """Register the ``realm`` game."""
    register_fn(
        "realm", make_realm, config=RealmConfig,
        description="small grand-strategy world of strategy-agent countries; a player country for learners",
    )
