"""The life of a play: who starts one and for what, sway rounds, back-downs, war.

Monthly, a country free of plays and wars that wants to conquer or dominate
someone presses that desire with probability ``play_chance`` (a strategy
value the ``ai_aggression`` rule multiplies). Its war goal is the
``war_goal`` decision over the target's border states (``conquer_state``)
and ``tribute``; an option is a must-not-have when the country is not
strong enough (``min_strength``) or the infamy would pass
``infamy_tolerance``. A goal's infamy is ``conquest_infamy`` +
``infamy_per_pop`` x the state's population, or ``tribute_infamy``; infamy
falls by ``infamy_decay`` a year. Plays last the attacker's ``play_weeks``;
leaders sway neutrals in weeks ``sway_week_first`` and ``sway_week_second``;
at the end, back down or war (all strategy values, :mod:`.plays`).
"""

from __future__ import annotations

from typing import Mapping

from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, Play
from gaikit.plugins.games.realm.features import strength_of
from gaikit.plugins.games.realm.scopes import target_scope
from gaikit.plugins.games.realm.plays import (
    close,
    lose_backers,
    offer_sways,
    open_play,
    resolve,
    side_strength,
)
from gaikit.plugins.games.realm.war import end_war, enforce_goal, start_war, tick_war
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import Country
from gaikit.strategies.engine import Option

def goal_infamy(values: Mapping[str, float], goal: str, pop: float = 0.0) -> float:
    """Infamy of a war goal: ``conquest_infamy + infamy_per_pop x pop`` for a state, ``tribute_infamy`` for tribute."""
    if goal == "conquer_state":
        return values["conquest_infamy"] + values["infamy_per_pop"] * pop
    return values["tribute_infamy"]


def goal_options(realm: WorldState, c: Country, t: int) -> list[Option]:
    """War goals ``c`` could press against ``t``: each border state, and tribute."""
    m, econ = realm.map, realm.economy
    values = realm.last_values(c)
    target = realm.countries[t]
    ratio = strength_of(realm, c.index) / strength_of(realm, t)
    base = {"strength_ratio": ratio, "t_is_player": float(target.is_player), **target_scope(realm, c, t)}
    t_states = int((m.owner == t).sum())
    mean_pop = max(float(econ.pop[t]) / max(t_states, 1), 1e-9)
    options = []
    for s in realm.map.border_states(c.index, t):
        infamy = goal_infamy(values, "conquer_state", float(m.pop[s]))
        options.append(Option("conquer_state", f"conquer {realm.state_name(s)}", {
            **base,
            "g_value": 10.0 * (float(m.pop[s]) / mean_pop + float(m.levels[s, :3].sum()) / 10.0),
            "g_port": float(m.port[s]),
            "g_claim": float(m.core[s] == c.index),
            "g_homeland": float(m.core[s] == t),
            "g_capital": float(s == target.capital),
            "g_last_state": float(t_states <= 1),
            "infamy_after": c.infamy + infamy,
        }))
    options.append(Option("tribute", f"tribute from {target.name}", {
        **base, "g_value": 0.0, "g_port": 0.0, "g_claim": 0.0, "g_capital": 0.0, "g_last_state": 0.0, "g_homeland": 0.0,
        "infamy_after": c.infamy + goal_infamy(values, "tribute"),
    }))
    return options


def press_goal(realm: WorldState, c: Country, t: int) -> Play | None:
    """``c`` picks a war goal against ``t`` and starts a play (``None`` if no goal is acceptable)."""
    d = c.engine.decide("war_goal", realm.context(c), goal_options(realm, c, t))
    realm.record(c, "war_goal", d)
    if d.winner is None:
        return None
    values = realm.last_values(c)
    if d.winner.kind == "conquer_state":
        state = realm.state_index(d.winner.label.split(" ", 1)[1])
        infamy = goal_infamy(values, "conquer_state", float(realm.map.pop[state]))
        return open_play(realm, c, realm.countries[t], "conquer_state", state, infamy)
    return open_play(realm, c, realm.countries[t], "tribute", -1, goal_infamy(values, "tribute"))


def add_war_goal(realm: WorldState, play: Play) -> tuple[str, int, float] | None:
    """At a sway round the attacker may add a war goal (chance ``extra_goal_chance``, at most ``max_war_goals``).

    The ``war_goal`` decision picks among the goals not yet held (with the
    infamy so far); the attacker gains its infamy, and every neutral's
    sympathy for the defender rises by its ``sympathy_war_goal`` x that
    infamy. Returns the goal added, if any.
    """
    attacker = realm.countries[play.attacker]
    values = realm.context(attacker).values
    if len(play.goals()) >= int(values["max_war_goals"]) or attacker.engine.rng.random() >= values["extra_goal_chance"]:
        return None
    held = {(goal, state) for goal, state, _ in play.goals()}
    options = [o for o in goal_options(realm, attacker, play.defender) if (o.kind, _goal_state(realm, o)) not in held]
    if not options:
        return None
    d = attacker.engine.decide("war_goal", realm.context(attacker), options)
    realm.record(attacker, "war_goal", d)
    if d.winner is None:
        return None
    state = _goal_state(realm, d.winner)
    infamy = goal_infamy(values, d.winner.kind, float(realm.map.pop[state]) if state >= 0 else 0.0)
    goal = (d.winner.kind, state, infamy)
    play.extra_goals.append(goal)
    attacker.infamy += infamy
    for q in play.neutral:
        rate = realm.last_values(realm.countries[q])["sympathy_war_goal"]
        play.sympathy[(q, DEFENDER)] = play.sympathy.get((q, DEFENDER), 0.0) + rate * infamy
    what = f"state {realm.state_name(state)}" if state >= 0 else "tribute"
    realm.chronicle.add(realm.week, "play", f"{attacker.name} adds a war goal to play #{play.id}: {what} (infamy +{infamy:.0f})", attacker.index)
    return goal


def _goal_state(realm: WorldState, option: Option) -> int:
    return realm.state_index(option.label.split(" ", 1)[1]) if option.kind == "conquer_state" else -1


def consider_play(realm: WorldState, c: Country) -> Play | None:
    """The monthly chance to press a conquer/dominate desire with a play."""
    if c.play is not None or c.at_war:
        return None
    targets = [t for t, d in sorted(c.desires.items()) if d.kind in ("conquer", "dominate")]
    targets = [t for t in targets if realm.countries[t].play is None and not realm.countries[t].at_war
               and not realm.countries[t].eliminated and t in realm.neighbours(c.index)]
    if not targets:
        return None
    chance = realm.context(c).values["play_chance"]
    draw = float(c.engine.rng.random())
    roll = {"decision": "play_chance", "chance": chance, "draw": draw, "pressed": draw < chance,
            "targets": [realm.countries[t].name for t in targets], "target": None}
    if draw >= chance:
        realm.record(c, "play_chance", roll)
        return None
    pick = int(c.engine.rng.integers(len(targets)))
    realm.record(c, "play_chance", {**roll, "target": realm.countries[targets[pick]].name, "target_draw": pick})
    return press_goal(realm, c, targets[pick])


def tick_plays(realm: WorldState) -> None:
    """One week of every open play: sway rounds (backers lost, war goals added, sways), then the end."""
    for play in list(realm.plays):
        if any(realm.countries[i].at_war for side in play.sides for i in side):
            continue  # already a war
        if realm.countries[play.attacker].eliminated or realm.countries[play.defender].eliminated:
            realm.chronicle.add(realm.week, "play", f"play #{play.id} collapses: a leader is gone", play.attacker)
            close(realm, play)
            continue
        age = realm.week - play.started
        if age in play.sway_weeks:
            lose_backers(realm, play)
            add_war_goal(realm, play)
            for side in (ATTACKER, DEFENDER):
                if play.neutral and not realm.countries[play.leader(side)].eliminated:
                    offer_sways(realm, play, side)
        if age >= play.weeks:
            _finish(realm, play)


def _finish(realm: WorldState, play: Play) -> None:
    outcome = resolve(realm, play)
    attacker, defender = realm.countries[play.attacker], realm.countries[play.defender]
    strengths = f"{side_strength(realm, play, ATTACKER):.0f} vs {side_strength(realm, play, DEFENDER):.0f}"
    if outcome == "attacker_backs_down":
        realm.chronicle.add(realm.week, "play", f"{attacker.name} backs down in play #{play.id} ({strengths})", attacker.index)
        realm.shift_relations(attacker.index, defender.index, realm.last_values(attacker)["relations_back_down"])
        close(realm, play)
        realm.fire(attacker, "backed_down")
    elif outcome == "defender_backs_down":
        text = enforce_goal(realm, play)
        realm.chronicle.add(realm.week, "play", f"{defender.name} backs down in play #{play.id} ({strengths}): {text}", defender.index)
        close(realm, play)
        if not defender.eliminated:
            realm.fire(defender, "backed_down")
    else:
        start_war(realm, play)


def tick_wars(realm: WorldState) -> None:
    """One week of every war."""
    for war in list(realm.wars):
        attacker, defender = realm.countries[war.play.attacker], realm.countries[war.play.defender]
        if attacker.eliminated or defender.eliminated:  # a leader annexed in another war
            end_war(realm, war, "defender" if attacker.eliminated else "attacker")
            continue
        outcome = tick_war(realm, war, realm.rng)
        if outcome is not None:
            end_war(realm, war, outcome)


def decay_infamy(realm: WorldState) -> None:
    """Yearly infamy decay (``infamy_decay``)."""
    for c in realm.countries:
        c.infamy = max(0.0, c.infamy - realm.last_values(c)["infamy_decay"])
