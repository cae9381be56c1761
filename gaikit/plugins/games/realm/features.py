"""A country's named features: what its strategy engine (and the player's observation) reads.

Features that depend on construction read the spending variables
(:mod:`~gaikit.plugins.games.realm.forecast`): queued barracks count toward
``army_ratio``, queued administration toward ``bureaucracy``, queued
industry toward the ``shortage_*`` forecasts. The observation of the
single-country environment is this vector, scaled by :data:`OBS_SCALE`.
"""

from __future__ import annotations

import numpy as np

from gaikit.plugins.games.realm.economy import GRAIN, IRON, TOOLS
from gaikit.plugins.games.realm.forecast import SpendingVariables, forecast
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import HOSTILE, Country

#: Feature names, in observation order.
FEATURES: tuple[str, ...] = (
    "gdp_share", "gdp_growth", "army_share", "army_weight", "army_ratio", "weakest_ratio", "threat", "debt_ratio", "in_debt",
    "surplus", "reserves", "bankrupt", "at_war", "in_play", "states_ratio", "lost_states", "neighbours",
    "hostile_neighbours", "minerals", "arable", "bureaucracy", "taxation", "conscription", "is_player", "infamy",
    "shortage_grain", "shortage_iron", "shortage_tools", "queue_free", "year",
)
#: Observation = feature / scale (then clipped to [-OBS_CLIP, OBS_CLIP]).
OBS_SCALE: dict[str, float] = {"infamy": 10.0, "year": 10.0, "neighbours": 4.0, "lost_states": 4.0, "hostile_neighbours": 4.0}
OBS_CLIP = 10.0
MAX_SLOTS = 5
GDP_PER_SLOT = 400.0


def construction_slots(gdp: float) -> int:
    """Projects a country can build at once: 1 + one per ``GDP_PER_SLOT`` of weekly GDP, at most ``MAX_SLOTS``."""
    return int(min(MAX_SLOTS, 1 + gdp // GDP_PER_SLOT))


def strength_of(realm: WorldState, i: int) -> float:
    """Military strength of country ``i`` (battalions in the field)."""
    return max(realm.countries[i].army, 0.1)


def country_features(
    realm: WorldState, c: Country, sv: SpendingVariables | None = None, planned: float = 0.0
) -> dict[str, float]:
    """Every feature of country ``c``; ``planned`` is weekly spending decided but not yet paid."""
    econ, i = realm.economy, c.index
    if sv is None:
        sv = forecast(econ, c, enabled=realm.forecast_enabled)
    income = max(float(econ.income[i]), 1e-6)
    total_gdp, total_army = realm.totals()
    land = realm.land(i)
    feats = {
        "gdp_share": float(econ.gdp[i]) / total_gdp,
        "gdp_growth": econ.gdp_growth(i),
        "army_share": c.army / total_army,
        "debt_ratio": max(0.0, -c.treasury) / (income * 52),
        "in_debt": float(c.treasury < 0),
        "reserves": min(5.0, max(-5.0, c.treasury / (income * 52))),
        "bankrupt": float(realm.week < c.bankrupt_until),
        "at_war": float(c.at_war),
        "in_play": float(c.play is not None),
        "states_ratio": land["states"] / max(c.initial_states, 1),
        "lost_states": land["lost_states"],
        "neighbours": float(len(realm.neighbours(i))),
        "minerals": land["minerals"],
        "arable": land["arable"],
        "taxation": float(c.taxation),
        "conscription": float(c.conscription),
        "is_player": float(c.is_player),
        "infamy": c.infamy,
        "year": realm.week / 52.0,
    }
    feats.update(spending_features(realm, c, sv, planned))
    return feats


def _army_weight(realm: WorldState, c: Country, strength: float) -> float:
    """Our (forecast) share of the world's armies over our share of the world's GDP."""
    total_gdp, total_army = realm.totals()
    gdp_share = max(float(realm.economy.gdp[c.index]) / total_gdp, 1e-6)
    return strength / total_army / gdp_share


def spending_features(realm: WorldState, c: Country, sv: SpendingVariables, planned: float = 0.0) -> dict[str, float]:
    """The features that depend on the spending variables (recomputed after each spending change)."""
    econ, i = realm.economy, c.index
    neighbours = realm.neighbours(i)
    strength = max(c.army, sv.army_capacity, 0.1)
    n_str = [strength_of(realm, j) for j in neighbours]
    hostile = [j for j in neighbours if (c.desires.get(j) and c.desires[j].kind in HOSTILE) or realm.relations[i, j] < -25]
    income = max(float(econ.income[i]), 1e-6)
    return {
        "army_weight": _army_weight(realm, c, strength),
        "army_ratio": strength * len(n_str) / sum(n_str) if n_str else 2.0,
        "weakest_ratio": strength / min(n_str) if n_str else 0.0,
        "threat": max((strength_of(realm, j) for j in hostile), default=0.0) / strength,
        "hostile_neighbours": float(len(hostile)),
        "surplus": min(5.0, max(-5.0, (float(econ.balance[i]) - planned) / income)),
        "bureaucracy": min(5.0, max(-5.0, sv.bureaucracy)),
        "shortage_grain": float(sv.shortage[GRAIN]),
        "shortage_iron": float(sv.shortage[IRON]),
        "shortage_tools": float(sv.shortage[TOOLS]),
        "queue_free": float(construction_slots(float(econ.gdp[i])) - sv.queued),
    }


def observation(features: dict[str, float]) -> np.ndarray:
    """The observation vector of a feature dict (scaled, clipped, float32)."""
    vec = np.array([features[name] / OBS_SCALE.get(name, 1.0) for name in FEATURES], dtype=np.float32)
    return np.clip(vec, -OBS_CLIP, OBS_CLIP)


def features_from_observation(obs: np.ndarray) -> dict[str, float]:
    """Invert :func:`observation` (up to clipping): the features a strategy agent reads from an observation."""
    return {name: float(obs[k]) * OBS_SCALE.get(name, 1.0) for k, name in enumerate(FEATURES)}
