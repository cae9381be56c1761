"""The target scope of realm's targeted decisions (``desire``, ``war_goal``, ``play_stance``).

A decision declared ``target: true`` may read, in its option triggers and
weights, the target country's features as ``target.NAME`` (e.g.
``target.at_war``), ``target.strength`` (the target's army over ours),
``target.relations`` (ours with it), and the conditions ``target.country =
TAG``, ``target.has_strategy = ID`` and ``attitude = NAME`` (our named
attitude toward the target, :mod:`.attitudes`). :func:`target_scope` builds
these for one target; the game adds them to each option's own features.

The target's features are computed afresh (not from the world's cached
contexts), so reading them never changes what a country decides otherwise.
"""

from __future__ import annotations

from gaikit.plugins.games.realm.attitudes import attitude
from gaikit.plugins.games.realm.features import strength_of
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import Country
from gaikit.strategies.triggers import TARGET, flag_key


def target_scope(realm: WorldState, c: Country, t: int) -> dict[str, float]:
    """What ``c``'s targeted decisions read about country ``t``: ``target.*`` names and target flags.

    Empty when no trigger of the strategies reads the target scope (nothing to build).
    """
    if not realm.strategies.uses_target:
        return {}
    target = realm.countries[t]
    out = {TARGET + name: value for name, value in realm.features(realm, target).items()}
    out[TARGET + "strength"] = strength_of(realm, t) / strength_of(realm, c.index)
    out[TARGET + "relations"] = float(realm.relations[c.index, t])
    out[flag_key(TARGET + "country", target.tag)] = 1.0
    for sid in target.engine.active.values():
        out[flag_key(TARGET + "has_strategy", sid)] = 1.0
    out[flag_key("attitude", attitude(realm, c, t))] = 1.0
    return out
