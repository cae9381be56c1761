"""The player's country: the discrete actions another agent takes for it.

A player-controlled country makes its own spending, law and play decisions
through these actions (one per environment step); everything else — its
stance in others' plays, backing down, war — stays with its strategy
engine, as in Victoria 3, where the game resolves what the player does not
decide. Invalid actions (no free construction slot, nothing to cut, a law
at its limit, no target) do nothing.
"""

from __future__ import annotations

from gaikit.plugins.games.realm import conflict, plays, politics, spending
from gaikit.plugins.games.realm.features import strength_of
from gaikit.plugins.games.realm.forecast import forecast
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import Country

#: Action names, by action id.
ACTIONS: tuple[str, ...] = (
    "wait", "build_farm", "build_mine", "build_workshop", "build_barracks", "build_admin",
    "cut_barracks", "raise_taxes", "lower_taxes", "start_play",
)
_BUILD = {"build_farm": "farm", "build_mine": "mine", "build_workshop": "workshop", "build_barracks": "barracks", "build_admin": "admin"}


def _build(realm: WorldState, c: Country, kind: str) -> str:
    if spending.features_queue_free(realm, c) < 1:
        return f"no free construction slot for a {kind}"
    options = [o for o in spending.increase_options(realm, c, forecast(realm.economy, c, enabled=realm.forecast_enabled)) if o.kind == kind]
    if not options:
        return f"nowhere to build a {kind}"
    spending.apply_increase(realm, c, options[0])
    return f"builds {options[0].label}"


def _cut_barracks(realm: WorldState, c: Country) -> str:
    sv = forecast(realm.economy, c, enabled=realm.forecast_enabled)
    options = [o for o in spending.decrease_options(realm, c, sv) if o.kind == "barracks"]
    if not options:
        return "no barracks to cut"
    spending.apply_decrease(realm, c, options[0])
    return f"cuts {options[0].label}"


def _start_play(realm: WorldState, c: Country) -> str:
    if c.play is not None or c.at_war:
        return "already in a play or war"
    free = [j for j in realm.neighbours(c.index) if realm.countries[j].play is None and not realm.countries[j].at_war]
    if not free:
        return "no free neighbour to press"
    target = min(free, key=lambda j: (strength_of(realm, j), j))
    goals = [o for o in conflict.goal_options(realm, c, target) if o.kind == "conquer_state"]
    if not goals:
        return "no border state to claim"
    goal = max(goals, key=lambda o: (o.features["g_value"], o.label))
    state = realm.state_index(goal.label.split(" ", 1)[1])
    infamy = conflict.goal_infamy(realm.last_values(c), "conquer_state", float(realm.map.pop[state]))
    plays.open_play(realm, c, realm.countries[target], "conquer_state", state, infamy)
    return f"starts a play against {realm.countries[target].name}"


def apply_action(realm: WorldState, c: Country, action: int) -> str:
    """Carry out ``action`` for country ``c``; returns what happened."""
    name = ACTIONS[int(action)]
    if name in _BUILD:
        return _build(realm, c, _BUILD[name])
    if name == "cut_barracks":
        return _cut_barracks(realm, c)
    if name in ("raise_taxes", "lower_taxes"):
        return name.replace("_", " ") if politics.pass_law(realm, c, name) else f"taxes already at the limit for {name}"
    if name == "start_play":
        return _start_play(realm, c)
    return "waits"
