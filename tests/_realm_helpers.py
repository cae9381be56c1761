"""Shared helpers for the realm tests: the shipped strategies, small worlds, budget set-ups."""

from __future__ import annotations

from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.plugins.games.realm.simulation import new_world
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import Country

_CACHE: dict[tuple[str, ...], object] = {}


def strategies(*mods: str):
    """The shipped realm strategies (with ``mods``), loaded once per test session."""
    if mods not in _CACHE:
        _CACHE[mods] = load_realm_strategies(None, list(mods))
    return _CACHE[mods]


def world(seed: int = 0, **kwargs) -> WorldState:
    """A freshly founded 8-country world of the shipped strategies."""
    return new_world(strategies(*kwargs.pop("mods", ())), seed=seed, **kwargs)


def set_budget(realm: WorldState, c: Country, *, income: float, balance: float, treasury: float, gdp: float | None = None) -> None:
    """Force a country's weekly budget (what its next spending review sees)."""
    e, i = realm.economy, c.index
    e.income[i], e.balance[i], e.construction[i] = income, balance, 0.0
    if gdp is not None:
        e.gdp[i] = gdp
    c.treasury = treasury
    c.idle_until = 0
    realm.invalidate()
