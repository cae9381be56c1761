"""Diplomatic plays: war goals, sides, neutrality, sympathy, sway offers, backing down.

A country that wants to conquer or dominate a neighbour may start a play
with a war goal (the ``war_goal`` decision: a border state, or tribute).
Every other relevant country then takes a side or stays out with the
``play_stance`` decision (R = 0): a side's score (relations, desires toward
both leaders, its chances, sympathy, any sway offered) must *exceed* both
the other side's score and the country's neutrality (ties stay out). So a
country scoring the sides 30 and -10 with neutrality 50 needs a sway of at
least 21 to join the first and 61 to join the second (:func:`needed_sway`).

Sympathy is drawn semi-randomly per participant and side: the defender gets
``defender_sympathy``, the attacker loses ``sympathy_infamy`` x the goal's
infamy, each side gets noise in ``[-sympathy_spread, sympathy_spread]``. It
shifts during the play: a side that gains a backer raises sympathy for the
other side by ``sympathy_backer`` x the backer's strength share, a side that
loses one (bankrupt or annexed) gains ``sympathy_lost_backer`` x its share,
and each war goal the attacker adds raises sympathy for the defender by
``sympathy_war_goal`` x its infamy (:func:`~.conflict.add_war_goal`).

Leaders offer sways (cheapest first) up to their ``sway_budget``, which
grows when they lack confidence, paying ``sway_gold`` per point; a neutral
they cannot afford may be offered an *obligation* instead, worth the
neutral's ``obligation_value`` in sway. A leader owes an obligation to each
country that joins its side; a country that owes the leader of a side one
scores joining it ``obligation_repay`` higher, and joining repays it.

When the play ends, each leader (attacker first) backs down if its
confidence (``confidence_scale`` x (its side's strength share - 1/2), +
``confidence_defending`` defending, + ``confidence_debt`` in debt) plus a
semi-random boldness (``boldness`` drawn in ``[b/(1+R), b(1+R)]``, +
``annexation_boldness`` if the goal would annex it) plus the stakes of the
extra war goals (``war_goal_stakes`` per extra goal: + for the attacker, -
for the defender, who concedes only the first goal by backing down) is below
``backdown_threshold``. If neither backs down, it is war.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gaikit.core.scoring import multipliers
from gaikit.plugins.games.realm.diplomacy import relevant
from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, SIDE_NAMES, Play
from gaikit.plugins.games.realm.scopes import target_scope
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import FRIENDLY, HOSTILE, Country
from gaikit.strategies.engine import Option



def needed_sway(side_score: float, other_score: float, neutrality: float) -> int:
    """Smallest whole sway that makes ``side_score`` exceed both the other side and neutrality."""
    bar = max(other_score, neutrality)
    if side_score > bar:
        return 0
    return int(math.floor(bar - side_score)) + 1


def backs_down(confidence: float, boldness: float, threshold: float = 0.0) -> bool:
    """The back-down rule: confidence plus boldness below the threshold."""
    return confidence + boldness < threshold


def side_strength(realm: WorldState, play: Play, side: int) -> float:
    """Total army of a side."""
    return sum(max(realm.countries[i].army, 0.0) for i in play.sides[side]) + 0.1


def confidence(realm: WorldState, play: Play, side: int) -> float:
    """A leader's confidence: ``confidence_scale`` x (its side's strength share - 1/2), + ``confidence_defending``
    when defending, + ``confidence_debt`` in debt (by default -50..50, +10, -10)."""
    own, other = side_strength(realm, play, side), side_strength(realm, play, 1 - side)
    leader = realm.countries[play.leader(side)]
    values = realm.context(leader).values
    value = values["confidence_scale"] * (own / (own + other) - 0.5)
    if side == DEFENDER:
        value += values["confidence_defending"]
    if leader.treasury < 0:
        value += values["confidence_debt"]
    return value


def stance_options(realm: WorldState, play: Play, p: int) -> list[Option]:
    """``stay_out`` and one ``join`` per side, with the option features of ``p``.

    Each ``join``'s target scope (``target.*``) is that side's leader; ``stay_out``'s is the attacker.
    """
    c = realm.countries[p]
    near = float(any(j in realm.neighbours(p) for j in (play.attacker, play.defender)))
    options = [Option("stay_out", "stay out", {"near": near, **target_scope(realm, c, play.attacker)})]
    total = side_strength(realm, play, ATTACKER) + side_strength(realm, play, DEFENDER)
    for side in (ATTACKER, DEFENDER):
        leader, other = play.leader(side), play.leader(1 - side)
        mine, theirs = c.desires.get(leader), c.desires.get(other)
        options.append(Option("join", f"join {SIDE_NAMES[side]} {realm.countries[leader].name}", {
            "rel_leader": float(realm.relations[p, leader]),
            "friend_leader": float(mine is not None and mine.kind in FRIENDLY),
            "hostile_leader": float(mine is not None and mine.kind in HOSTILE),
            "hostile_other": float(theirs is not None and theirs.kind in HOSTILE),
            "side_share": (side_strength(realm, play, side) + c.army) / (total + c.army),
            "leader_is_player": float(realm.countries[leader].is_player),
            "sympathy": play.sympathy.get((p, side), 0.0),
            "sway": play.sway.get((p, side), 0.0),
            "near": near,
            "owes_leader": float(realm.obligations.get((p, leader), 0) > 0),
            **target_scope(realm, c, leader),
        }))
    return options


def decide_stance(realm: WorldState, play: Play, p: int) -> int | None:
    """``p`` decides its stance now; returns the side joined or ``None`` (stays out)."""
    c = realm.countries[p]
    d = c.engine.decide("play_stance", realm.context(c), stance_options(realm, play, p))
    realm.record(c, "play_stance", d)
    if d.winner is None or d.winner.kind == "stay_out":
        return None
    return ATTACKER if d.winner.label.startswith("join attacker") else DEFENDER


def stance_scores(realm: WorldState, play: Play, p: int) -> tuple[float, float, float]:
    """``(neutrality, attacker side, defender side)`` scores of ``p`` without sway."""
    c = realm.countries[p]
    saved = {s: play.sway.pop((p, s), None) for s in (ATTACKER, DEFENDER)}
    d = c.engine.decide("play_stance", realm.context(c), stance_options(realm, play, p), explore=False)
    for s, v in saved.items():
        if v is not None:
            play.sway[(p, s)] = v
    return float(d.base[0]), float(d.base[1]), float(d.base[2])


def join(realm: WorldState, play: Play, p: int, side: int, how: str) -> None:
    """``p`` joins ``side``; neutrals' sympathy for the other side rises with the backer's strength.

    Joining the side of a leader ``p`` owes an obligation repays it; otherwise the leader now owes ``p`` one.
    """
    play.sides[side].append(p)
    if p in play.neutral:
        play.neutral.remove(p)
    c = realm.countries[p]
    c.play = play.id
    leader_index = play.leader(side)
    if realm.obligations.get((p, leader_index), 0) > 0:
        settle(realm, p, leader_index)
        how += f"; repays an obligation to {realm.countries[leader_index].name}"
    else:
        realm.obligations[(leader_index, p)] = realm.obligations.get((leader_index, p), 0) + 1
    values = realm.last_values(c)
    realm.shift_relations(p, play.leader(side), values["relations_join"])
    realm.shift_relations(p, play.leader(1 - side), values["relations_join_other"])
    share = c.army / (side_strength(realm, play, ATTACKER) + side_strength(realm, play, DEFENDER))
    for q in play.neutral:
        rate = realm.last_values(realm.countries[q])["sympathy_backer"]
        play.sympathy[(q, 1 - side)] = play.sympathy.get((q, 1 - side), 0.0) + rate * share
    leader = realm.countries[play.leader(side)].name
    realm.chronicle.add(realm.week, "play", f"{c.name} joins {leader}'s side in play #{play.id} ({how})", p)


def settle(realm: WorldState, debtor: int, creditor: int) -> None:
    """``debtor`` repays one obligation it owes ``creditor``."""
    left = realm.obligations.get((debtor, creditor), 0) - 1
    if left > 0:
        realm.obligations[(debtor, creditor)] = left
    else:
        realm.obligations.pop((debtor, creditor), None)


def lose_backers(realm: WorldState, play: Play) -> None:
    """Backers that went bankrupt or were annexed leave their side; neutrals' sympathy for that side rises."""
    for side in (ATTACKER, DEFENDER):
        for p in [i for i in play.sides[side][1:]]:
            c = realm.countries[p]
            if not (c.eliminated or realm.week < c.bankrupt_until):
                continue
            total = side_strength(realm, play, ATTACKER) + side_strength(realm, play, DEFENDER)
            share = max(c.army, 0.0) / total
            play.sides[side].remove(p)
            c.play = None
            for q in play.neutral:
                rate = realm.last_values(realm.countries[q])["sympathy_lost_backer"]
                play.sympathy[(q, side)] = play.sympathy.get((q, side), 0.0) + rate * share
            why = "annexed" if c.eliminated else "bankrupt"
            leader = realm.countries[play.leader(side)].name
            realm.chronicle.add(realm.week, "play", f"{c.name} leaves {leader}'s side in play #{play.id} ({why})", p)


def participants(realm: WorldState, play: Play) -> list[int]:
    """Countries relevant to either leader that are free to take part."""
    out = set(relevant(realm, play.attacker)) | set(relevant(realm, play.defender))
    return sorted(
        i for i in out
        if i not in (play.attacker, play.defender) and not realm.countries[i].eliminated
        and realm.countries[i].play is None and not realm.countries[i].at_war
    )


def open_play(realm: WorldState, attacker: Country, defender: Country, goal: str, state: int, infamy: float) -> Play:
    """Start a play: sympathy is drawn for every participant, who then choose a stance."""
    own = realm.last_values(attacker)
    play = Play(realm.next_id(), attacker.index, defender.index, goal, state, infamy, realm.week,
                weeks=int(round(own["play_weeks"])),
                sway_weeks=(int(round(own["sway_week_first"])), int(round(own["sway_week_second"]))))
    play.sides[ATTACKER].append(attacker.index)
    play.sides[DEFENDER].append(defender.index)
    attacker.play = defender.play = play.id
    attacker.infamy += infamy
    realm.plays.append(play)
    realm.shift_relations(attacker.index, defender.index, own["relations_play"])
    what = f"state {realm.state_name(state)}" if goal == "conquer_state" else "tribute"
    realm.chronicle.add(realm.week, "play", f"{attacker.name} starts play #{play.id} against {defender.name} for {what} (infamy +{infamy:.0f})", attacker.index)
    draw_sympathy(realm, play)
    for p in list(play.neutral):
        side = decide_stance(realm, play, p)
        if side is not None:
            join(realm, play, p, side, "of its own accord")
    return play


def draw_sympathy(realm: WorldState, play: Play) -> None:
    """Every participant's semi-random sympathy for both sides; they start neutral."""
    for p in participants(realm, play):
        c = realm.countries[p]
        values = realm.context(c).values
        spread = values["sympathy_spread"]
        noise = c.engine.rng.uniform(-spread, spread, 2)
        play.sympathy[(p, ATTACKER)] = float(noise[0] - values["sympathy_infamy"] * play.infamy)
        play.sympathy[(p, DEFENDER)] = float(noise[1] + values["defender_sympathy"])
        play.neutral.append(p)


def sway_budget(realm: WorldState, play: Play, side: int) -> float:
    """Sway points the leader of ``side`` can offer: ``sway_budget``, more when it lacks confidence."""
    values = realm.context(realm.countries[play.leader(side)]).values
    return values["sway_budget"] * (1.0 + max(0.0, -confidence(realm, play, side)) / 50.0)


def offer_sways(realm: WorldState, play: Play, side: int) -> None:
    """The leader of ``side`` sways the cheapest neutrals it can afford."""
    leader = realm.countries[play.leader(side)]
    values = realm.context(leader).values
    budget = sway_budget(realm, play, side)
    costs = []
    for p in play.neutral:
        neutral, attacker_score, defender_score = stance_scores(realm, play, p)
        own, other = (attacker_score, defender_score) if side == ATTACKER else (defender_score, attacker_score)
        costs.append((needed_sway(own, other, neutral), p))
    for cost, p in sorted(costs):
        if cost > budget or p not in play.neutral:
            continue
        if cost == 0:  # sympathy moved it since the play began: no sway needed
            joined = decide_stance(realm, play, p)
            if joined is not None:
                join(realm, play, p, joined, "of its own accord")
            continue
        play.sway[(p, side)] = float(cost)
        if decide_stance(realm, play, p) == side:
            budget -= cost
            leader.treasury -= cost * values["sway_gold"]
            realm.shift_relations(p, leader.index, realm.last_values(realm.countries[p])["relations_swayed"])
            join(realm, play, p, side, f"swayed by {leader.name} with {cost}")
    for cost, p in sorted(costs):
        if p in play.neutral and cost > budget:
            budget -= offer_obligation(realm, play, side, p, cost, budget)


def offer_obligation(realm: WorldState, play: Play, side: int, p: int, cost: int, budget: float = 0.0) -> float:
    """The leader of ``side`` tops up what it can still pay (``budget`` sway points) with an obligation, worth
    ``p``'s ``obligation_value`` sway points, when together they cover the sway ``p`` needs; ``p`` joins if it
    then prefers the side. Returns the sway points paid (0 when ``p`` did not join)."""
    worth = realm.last_values(realm.countries[p])["obligation_value"]
    budget = max(budget, 0.0)
    if cost > budget + worth:
        return 0.0
    leader = realm.countries[play.leader(side)]
    paid = float(max(0, math.ceil(cost - worth)))
    play.sway[(p, side)] = float(cost)
    joins = decide_stance(realm, play, p) == side
    if not joins:
        play.sway.pop((p, side), None)
        return 0.0
    play.sway[(p, side)] = paid  # the obligation part is not paid from the sway budget
    leader.treasury -= paid * realm.context(leader).values["sway_gold"]
    realm.shift_relations(p, leader.index, realm.last_values(realm.countries[p])["relations_swayed"])
    join(realm, play, p, side, f"swayed by {leader.name} with {paid:.0f} and an obligation")
    return paid


def boldness(realm: WorldState, play: Play, side: int) -> float:
    """A semi-random boldness draw for a leader (plus ``annexation_boldness`` when facing annexation)."""
    leader = realm.countries[play.leader(side)]
    values = realm.context(leader).values
    base = max(values["boldness"], 0.0)
    draw = base * float(multipliers((1,), max(values["boldness_spread"], 0.0), leader.engine.rng)[0])
    if side == DEFENDER and play.goal == "conquer_state" and int((realm.map.owner == leader.index).sum()) <= 1:
        draw += values["annexation_boldness"]
    return draw


def resolve(realm: WorldState, play: Play) -> str:
    """End of the play: the attacker, then the defender, may back down; else war. Returns the outcome."""
    for side in (ATTACKER, DEFENDER):
        leader = realm.countries[play.leader(side)]
        conf, bold = confidence(realm, play, side), boldness(realm, play, side)
        values = realm.context(leader).values
        threshold = values["backdown_threshold"]
        stakes = goal_stakes(play, side, values["war_goal_stakes"])
        record = _backdown_record(play, side, conf, bold, threshold)
        if stakes:
            record["stakes"] = round(stakes, 3)
            record["backs_down"] = backs_down(conf + stakes, bold, threshold)
        realm.record(leader, "backdown", record)
        if backs_down(conf + stakes, bold, threshold):
            return "attacker_backs_down" if side == ATTACKER else "defender_backs_down"
    return "war"


def goal_stakes(play: Play, side: int, per_goal: float) -> float:
    """What the extra war goals add to a leader's confidence + boldness when deciding to back down.

    Backing down concedes only the first goal, a lost war all of them: each
    extra goal makes the attacker ``per_goal`` keener to fight and the
    defender ``per_goal`` keener to back down.
    """
    extra = len(play.extra_goals) * per_goal
    return extra if side == ATTACKER else -extra


def _backdown_record(play: Play, side: int, conf: float, bold: float, threshold: float) -> dict[str, Any]:
    return {
        "decision": "backdown", "play": play.id, "side": SIDE_NAMES[side], "confidence": round(conf, 3),
        "boldness": round(bold, 3), "threshold": threshold, "backs_down": backs_down(conf, bold, threshold),
    }


def close(realm: WorldState, play: Play) -> None:
    """Remove a play and free its members."""
    for side in play.sides:
        for i in side:
            realm.countries[i].play = None
    if play in realm.plays:
        realm.plays.remove(play)


def sample_boldness(base: float, spread: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` boldness draws (for tests and docs): ``base x M`` with ``M`` in ``[1/(1+R), 1+R]``."""
    return base * multipliers((n,), spread, rng)
