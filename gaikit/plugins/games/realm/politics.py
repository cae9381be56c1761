"""Laws: the yearly ``politics`` decision and reforms that pass or fail.

Two laws with three levels each: taxation (rate 15/22/30% of GDP) and
conscription (+25% battalions per barracks per level). Once a year a country
picks a reform (or the status quo) semi-randomly; a reform passes with
probability ``reform_success``. A passed law fires ``law_passed``, which adds
change points to the political strategy.
"""

from __future__ import annotations

from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import Country

LEVELS = ("low", "medium", "high")
#: option -> (law attribute, change)
REFORMS = {
    "raise_taxes": ("taxation", 1),
    "lower_taxes": ("taxation", -1),
    "raise_conscription": ("conscription", 1),
    "lower_conscription": ("conscription", -1),
}


def pass_law(realm: WorldState, c: Country, reform: str) -> bool:
    """Apply ``reform`` (if within bounds), chronicle it and fire ``law_passed``; returns whether it changed."""
    law, change = REFORMS[reform]
    level = getattr(c, law) + change
    if not 0 <= level < len(LEVELS):
        return False
    setattr(c, law, level)
    realm.chronicle.add(realm.week, "law", f"{c.name} passes {reform.replace('_', ' ')} ({law} now {LEVELS[level]})", c.index)
    realm.fire(c, "law_passed")
    return True


def yearly_politics(realm: WorldState, c: Country) -> str | None:
    """Decide this year's reform; returns the reform passed, if any."""
    ctx = realm.context(c)
    d = c.engine.decide("politics", ctx)
    realm.record(c, "politics", d)
    if d.winner is None or d.winner.kind == "status_quo":
        return None
    if c.engine.rng.random() >= ctx.values["reform_success"]:
        return None
    return d.winner.kind if pass_law(realm, c, d.winner.kind) else None
