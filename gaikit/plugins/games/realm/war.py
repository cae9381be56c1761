"""Wars: a simple weekly resolution, and what winning or losing means.

Each week the attacker side's share of strength (the defender leader's army
counts x ``HOME_BONUS``) moves the war score by ``SCORE_RATE x (share - 0.5)``
plus noise; armies lose up to ``MAX_LOSS`` a week, more when outnumbered.
At +``WIN_SCORE`` the attacker enforces its goal (a state changes hands, or
tribute is paid), at -``WIN_SCORE`` the defender wins reparations, and after
``MAX_WEEKS`` it is a white peace. Losing a state fires ``state_lost`` (and
``state_gained`` for the winner), the result fires ``war_won``/``war_lost``,
and the loser's desire toward the winner gains ``desire_points_war``.
"""

from __future__ import annotations

import numpy as np

from gaikit.plugins.games.realm.diplomacy import add_desire_points
from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, Play, War
from gaikit.plugins.games.realm.plays import close
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.territory import transfer_state
from gaikit.plugins.games.realm.world import Country

HOME_BONUS = 1.2
SCORE_RATE = 8.0
SCORE_NOISE = 1.5
WIN_SCORE = 50.0
MAX_WEEKS = 78
MAX_LOSS = 0.03
TRIBUTE_WEEKS = 16      # tribute: this many weeks of the loser's income
REPARATION_WEEKS = 10   # reparations paid by a losing attacker


def strengths(realm: WorldState, war: War) -> tuple[float, float]:
    """Attacker and defender side strength (the defender leader fights at home)."""
    play = war.play
    att = sum(realm.countries[i].army for i in play.sides[ATTACKER]) + 0.1
    dfn = sum(realm.countries[i].army * (HOME_BONUS if i == play.defender else 1.0) for i in play.sides[DEFENDER]) + 0.1
    return att, dfn


def start_war(realm: WorldState, play: Play) -> War:
    """Turn a play into a war."""
    war = War(play, realm.week)
    for side in play.sides:
        for i in side:
            realm.countries[i].war = play.id
    realm.wars.append(war)
    names = [", ".join(realm.countries[i].name for i in side) for side in play.sides]
    realm.chronicle.add(realm.week, "war", f"war #{play.id}: {names[0]} against {names[1]}", play.attacker)
    realm.shift_relations(play.attacker, play.defender, realm.last_values(realm.countries[play.attacker])["relations_war"])
    return war


def tick_war(realm: WorldState, war: War, rng: np.random.Generator) -> str | None:
    """One week of fighting; returns the outcome when the war ends (``attacker``, ``defender``, ``white_peace``)."""
    att, dfn = strengths(realm, war)
    share = att / (att + dfn)
    war.score += SCORE_RATE * (share - 0.5) + SCORE_NOISE * float(rng.standard_normal())
    for side, own, other in ((ATTACKER, att, dfn), (DEFENDER, dfn, att)):
        loss = min(MAX_LOSS, 0.01 * np.sqrt(other / own))
        for i in war.play.sides[side]:
            realm.countries[i].army *= 1.0 - loss
    if war.score >= WIN_SCORE:
        return "attacker"
    if war.score <= -WIN_SCORE:
        return "defender"
    if realm.week - war.started >= MAX_WEEKS:
        return "white_peace"
    return None


def enforce_goal(realm: WorldState, play: Play, every: bool = False) -> str:
    """The attacker gets its first war goal (the defender backed down) or, with ``every``, all of them (a won war).

    Returns a description.
    """
    goals = play.goals() if every else play.goals()[:1]
    return "; ".join(_enforce(realm, play, goal, state) for goal, state, _ in goals)


def _enforce(realm: WorldState, play: Play, goal: str, state: int) -> str:
    attacker, defender = realm.countries[play.attacker], realm.countries[play.defender]
    if goal == "conquer_state":
        if realm.map.owner[state] != defender.index:
            return f"{realm.state_name(state)} is no longer {defender.name}'s: the goal is void"
        transfer_state(realm, state, attacker, defender)
        return f"{attacker.name} takes {realm.state_name(state)} from {defender.name}"
    amount = TRIBUTE_WEEKS * float(realm.economy.income[defender.index])
    defender.treasury -= amount
    attacker.treasury += amount
    return f"{defender.name} pays {attacker.name} a tribute of {amount:.0f}"


def end_war(realm: WorldState, war: War, outcome: str) -> None:
    """Peace: enforce the result, fire events, free the members."""
    play = war.play
    attacker, defender = realm.countries[play.attacker], realm.countries[play.defender]
    winner: Country | None
    loser: Country | None
    if outcome == "attacker":
        text = enforce_goal(realm, play, every=True)
        winner, loser = attacker, defender
    elif outcome == "defender":
        amount = REPARATION_WEEKS * float(realm.economy.income[attacker.index])
        attacker.treasury -= amount
        defender.treasury += amount
        text = f"{defender.name} defeats {attacker.name}, who pays {amount:.0f} in reparations"
        winner, loser = defender, attacker
    else:
        text = f"white peace between {attacker.name} and {defender.name}"
        winner = loser = None
    realm.chronicle.add(realm.week, "peace", f"war #{play.id} ends after {realm.week - war.started} weeks (score {war.score:+.0f}): {text}", attacker.index)
    for side in play.sides:
        for i in side:
            realm.countries[i].war = None
    close(realm, play)
    if war in realm.wars:
        realm.wars.remove(war)
    if winner is not None and loser is not None:
        if not winner.eliminated:
            realm.fire(winner, "war_won")
        if not loser.eliminated:
            realm.fire(loser, "war_lost")
            points = realm.context(loser).values["desire_points_war"]
            add_desire_points(realm, loser, winner.index, points, f"lost war #{play.id}")
