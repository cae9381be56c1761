"""Options of the ``realm`` game (the run config's ``game:`` section), shared by its env and its world."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.errors import ConfigError


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
    history: str | None = Field(
        None, description="Per-country history: a YAML file or a directory of them setting countries' starting strategies, "
        "desires, laws and values by tag (docs/realm.md, 'Per-country script').")
    forecast: bool = Field(True, description="Spending variables (forecast of queued construction); false shows over-building.")


def check_player(config: RealmConfig) -> RealmConfig:
    """``config`` when its player is one of its countries; else a clear error naming both fields."""
    if config.player is not None and config.player >= config.countries:
        raise ConfigError(f"game.player {config.player}: expected a country index below game.countries ({config.countries})")
    return config
