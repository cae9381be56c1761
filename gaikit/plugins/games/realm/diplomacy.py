"""Strategic desires and relations.

Each country holds one desire — befriend, reconcile, protect, antagonize,
conquer or dominate — toward every *relevant* country (neighbours, the two
largest economies, the player). A desire is rolled semi-randomly with the
``desire`` decision of the strategy file, whose scores are the desire
weights (strategy values that strategies and game rules change) times
modifiers on the target's features. Like a strategy, every desire has a
change-point counter: a year adds ``desire_points_year``, a war with the
target ``desire_points_war``, the target's bankruptcy
``desire_points_bankrupt``; at the threshold the desire is re-rolled (it may
stay the same).

Relations (-100..100, symmetric) drift each week toward what both sides'
desires imply (the mean of both sides' ``attitude_<desire>`` values, closing
the mean of their ``relations_drift`` share of the gap a week) and jump on
plays, wars, sways and bankruptcies.
"""

from __future__ import annotations

import numpy as np

from gaikit.plugins.games.realm.features import strength_of
from gaikit.plugins.games.realm.scopes import target_scope
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import DESIRES, HOSTILE, Country, Desire
from gaikit.strategies.engine import Option

#: The strategy value that says where each desire pulls relations (the mean of both sides' pulls is the target).
ATTITUDE_VALUES: dict[str, str] = {kind: f"attitude_{kind}" for kind in DESIRES}


def relevant(realm: WorldState, i: int) -> list[int]:
    """Countries ``i`` can interact with: neighbours, the two largest economies, the player."""
    alive = [c.index for c in realm.countries if not c.eliminated and c.index != i]
    out = set(realm.neighbours(i))
    top = sorted(alive, key=lambda j: (-realm.economy.gdp[j], j))[:2]
    out.update(top)
    if realm.player is not None and realm.player != i and not realm.countries[realm.player].eliminated:
        out.add(realm.player)
    return sorted(j for j in out if j in alive)


def target_features(realm: WorldState, i: int, t: int) -> dict[str, float]:
    """Option features of the ``desire`` decision for ``i`` looking at ``t``."""
    m, econ = realm.map, realm.economy
    target = realm.countries[t]
    return {
        "t_relations": float(realm.relations[i, t]),
        "t_strength": strength_of(realm, t) / strength_of(realm, i),
        "t_gdp_ratio": float(econ.gdp[t] / max(econ.gdp[i], 1e-9)),
        "t_bankrupt": float(realm.week < target.bankrupt_until),
        "t_neighbour": float(t in realm.neighbours(i)),
        "t_is_player": float(target.is_player),
        "t_infamy": target.infamy,
        "t_claim": float(((m.core == i) & (m.owner == t)).any()),
        "t_foreign_land": float(((m.owner == t) & (m.core != t)).any()),
        **target_scope(realm, realm.countries[i], t),
    }


def roll_desire(realm: WorldState, c: Country, t: int, cause: str) -> str:
    """Roll ``c``'s desire toward ``t`` (semi-randomly, from the ``desire`` decision); returns it."""
    ctx = realm.context(c)
    feats = target_features(realm, c.index, t)
    d = c.engine.decide("desire", ctx, [Option(kind, f"{kind} {realm.countries[t].name}", feats) for kind in DESIRES])
    realm.record(c, "desire", d)
    old = c.desires.get(t)
    kind = d.winner.kind if d.winner is not None else "reconcile"
    c.desires[t] = Desire(kind, 0.0, realm.week)
    if kind in HOSTILE and (old is None or old.kind != kind):
        realm.chronicle.add(realm.week, "desire", f"{c.name} now wants to {kind} {realm.countries[t].name} ({cause})", c.index)
    elif old is not None and old.kind in HOSTILE and kind not in HOSTILE:
        realm.chronicle.add(realm.week, "desire", f"{c.name} gives up wanting to {old.kind} {realm.countries[t].name}, now {kind} ({cause})", c.index)
    return kind


def update_desires(realm: WorldState, c: Country, cause: str = "newly relevant") -> None:
    """Roll desires toward newly relevant countries and drop those no longer relevant."""
    now = relevant(realm, c.index)
    for t in list(c.desires):
        if t not in now:
            del c.desires[t]
    for t in now:
        if t not in c.desires:
            roll_desire(realm, c, t, cause)


def add_desire_points(realm: WorldState, c: Country, t: int, points: float, cause: str) -> str | None:
    """Add change points to ``c``'s desire toward ``t``; re-roll at the threshold (returns the new desire)."""
    desire = c.desires.get(t)
    if desire is None or points <= 0:
        return None
    desire.points += points
    if desire.points >= realm.strategies.defines.change_point_threshold:
        return roll_desire(realm, c, t, cause)
    return None


def on_bankruptcy(realm: WorldState, bankrupt: Country) -> None:
    """Everyone's desire toward a bankrupt country gains ``desire_points_bankrupt`` change points."""
    for c in realm.active_countries():
        if c.index == bankrupt.index:
            continue
        if bankrupt.index not in c.desires and bankrupt.index in relevant(realm, c.index):
            roll_desire(realm, c, bankrupt.index, f"bankruptcy of {bankrupt.name}")
            continue
        points = realm.context(c).values["desire_points_bankrupt"]
        add_desire_points(realm, c, bankrupt.index, points, f"bankruptcy of {bankrupt.name}")
        realm.shift_relations(c.index, bankrupt.index, realm.last_values(c)["relations_bankrupt"])


def yearly_desires(realm: WorldState) -> None:
    """A year's change points to every desire (re-rolls at the threshold) and relevance updates."""
    for c in realm.active_countries():
        update_desires(realm, c)
        points = realm.context(c).values["desire_points_year"]
        for t in list(c.desires):
            add_desire_points(realm, c, t, points, "time")


def drift_relations(realm: WorldState) -> None:
    """One week of relations drifting toward the mean pull of both sides' desires."""
    n = len(realm.countries)
    pull = np.zeros((n, n))
    drift = np.zeros(n)
    for c in realm.countries:
        values = realm.last_values(c)
        drift[c.index] = values["relations_drift"]
        for t, desire in c.desires.items():
            pull[c.index, t] = values[ATTITUDE_VALUES[desire.kind]]
    target = (pull + pull.T) / 2.0
    realm.relations += (target - realm.relations) * ((drift[:, None] + drift[None, :]) / 2.0)
    np.fill_diagonal(realm.relations, 0.0)
