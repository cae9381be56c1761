"""Obligations, several war goals per play and losing a backer (the design's diplomacy beyond one goal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from _realm_helpers import world
from gaikit.plugins.games.realm import conflict, plays
from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, Play
from gaikit.plugins.games.realm.plays import goal_stakes, resolve
from gaikit.plugins.games.realm.war import end_war, start_war


def _play(r, attacker: int = 0, goal: str = "tribute", state: int = -1) -> Play:
    a, d = r.countries[attacker], r.countries[r.neighbours(attacker)[0]]
    play = Play(r.next_id(), a.index, d.index, goal, state, 8.0, r.week)
    play.sides[ATTACKER].append(a.index)
    play.sides[DEFENDER].append(d.index)
    a.play = d.play = play.id
    r.plays.append(play)
    return play


def _history(tmp_path: Path, tag: str, values: str) -> str:
    path = tmp_path / "h.yaml"
    path.write_text(f"countries:\n  {tag}:\n    values: {{{values}}}\n")
    return str(path)


# -- obligations ----------------------------------------------------------------------------------------------------

def test_a_leader_that_was_helped_owes_an_obligation_and_joining_repays_one():
    r = world(6)
    play = _play(r)
    plays.draw_sympathy(r, play)
    p = play.neutral[0]
    plays.join(r, play, p, DEFENDER, "test")
    assert r.obligations == {(play.defender, p): 1}
    # later the helper owes the leader one instead: joining its side repays it, and no new one is owed
    r.obligations = {(p, play.attacker): 1}
    play2 = Play(r.next_id(), play.attacker, play.defender, "tribute", -1, 8.0, r.week)
    play2.sides[ATTACKER].append(play.attacker)
    play2.sides[DEFENDER].append(play.defender)
    r.countries[p].play = None
    play2.neutral.append(p)
    plays.join(r, play2, p, ATTACKER, "test")
    assert (p, play.attacker) not in r.obligations and (play.attacker, p) not in r.obligations
    assert "repays an obligation" in r.chronicle.text()


def test_an_obligation_owed_weighs_in_joining():
    r = world(6)
    play = _play(r)
    plays.draw_sympathy(r, play)
    p = play.neutral[0]
    before = plays.stance_scores(r, play, p)
    r.obligations[(p, play.attacker)] = 1
    after = plays.stance_scores(r, play, p)
    repay = r.context(r.countries[p]).values["obligation_repay"]
    assert repay == 25.0
    assert after[1] - before[1] == pytest.approx(repay) and after[2] == pytest.approx(before[2]) and after[0] == before[0]


def test_a_leader_short_of_sway_tops_it_up_with_an_obligation_worth_the_neutrals_obligation_value():
    joined = refused = 0
    for seed in range(8):
        r = world(seed)
        play = _play(r)
        plays.draw_sympathy(r, play)
        for p in list(play.neutral):
            neutral, att, dfn = plays.stance_scores(r, play, p)
            cost = plays.needed_sway(att, dfn, neutral)
            worth = r.context(r.countries[p]).values["obligation_value"]
            if cost == 0:
                continue
            left = 3.0  # sway points the leader can still pay
            paid = plays.offer_obligation(r, play, ATTACKER, p, cost, left)
            if cost > worth + left:
                assert paid == 0.0 and p in play.neutral and (p, ATTACKER) not in play.sway
                refused += 1
            elif p in play.sides[ATTACKER]:
                assert r.obligations[(play.attacker, p)] == 1
                assert paid == max(0, cost - worth) <= left and play.sway[(p, ATTACKER)] == paid  # the rest: the obligation
                joined += 1
    assert joined > 0 and refused > 0


# -- several war goals per play ---------------------------------------------------------------------------------------

def test_the_attacker_adds_war_goals_that_cost_infamy_and_shift_sympathy(tmp_path):
    r0 = world(2)
    tag = r0.countries[0].tag
    r = world(2, history=_history(tmp_path, tag, "extra_goal_chance: 1, min_strength: 0, infamy_tolerance: 1000"))
    a = r.countries[0]
    play = _play(r)
    plays.draw_sympathy(r, play)
    before = {p: play.sympathy[(p, DEFENDER)] for p in play.neutral}
    infamy = a.infamy
    goal = conflict.add_war_goal(r, play)
    assert goal is not None and play.extra_goals == [goal]
    assert a.infamy == pytest.approx(infamy + goal[2])
    for p in play.neutral:
        assert play.sympathy[(p, DEFENDER)] == pytest.approx(before[p] + 0.5 * goal[2])
    while conflict.add_war_goal(r, play) is not None:
        pass
    assert len(play.goals()) <= 3
    assert len({(g, s) for g, s, _ in play.goals()}) == len(play.goals())  # no goal twice
    assert "adds a war goal" in r.chronicle.text()


def test_no_extra_goal_without_the_chance(tmp_path):
    r0 = world(2)
    r = world(2, history=_history(tmp_path, r0.countries[0].tag, "extra_goal_chance: 0"))
    play = _play(r)
    assert conflict.add_war_goal(r, play) is None and play.extra_goals == []


def test_extra_goals_weigh_in_back_down():
    play = Play(1, 0, 1, "tribute", -1, 8.0, 0)
    assert goal_stakes(play, ATTACKER, 5.0) == 0.0
    play.extra_goals = [("tribute", -1, 8.0), ("conquer_state", 3, 12.0)]
    assert goal_stakes(play, ATTACKER, 5.0) == 10.0 and goal_stakes(play, DEFENDER, 5.0) == -10.0
    rates = []
    for extra in (0, 3):
        r = world(5)
        out = []
        for _ in range(300):
            a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
            a.army, d.army = 40.0, 10.0
            a.treasury = d.treasury = 1000.0
            p = Play(99, a.index, d.index, "tribute", -1, 8.0, r.week)
            p.sides[ATTACKER].append(a.index)
            p.sides[DEFENDER].append(d.index)
            p.extra_goals = [("tribute", -1, 8.0)] * extra
            r.invalidate()
            out.append(resolve(r, p))
        rates.append(out.count("defender_backs_down") / len(out))
    assert rates[1] > rates[0] + 0.1   # more to lose in a war: the defender backs down more often


def test_a_won_war_enforces_every_goal_and_backing_down_only_the_first():
    r = world(4)
    a = r.countries[0]
    d_index = r.neighbours(0)[0]
    border = r.map.border_states(0, d_index)
    assert len(border) >= 1
    states = list(r.map.states_of(d_index))
    second = next(s for s in states if s != border[0])
    play = _play(r, goal="conquer_state", state=border[0])
    play.extra_goals = [("conquer_state", second, 12.0)]
    war = start_war(r, play)
    end_war(r, war, "attacker")
    assert r.map.owner[border[0]] == a.index and r.map.owner[second] == a.index
    r = world(4)
    play = _play(r, goal="conquer_state", state=border[0])
    play.extra_goals = [("conquer_state", second, 12.0)]
    text = conflict.enforce_goal(r, play)
    assert r.map.owner[border[0]] == 0 and r.map.owner[second] == d_index and "takes" in text


# -- losing a backer -------------------------------------------------------------------------------------------------

def test_a_bankrupt_backer_leaves_and_sympathy_rises_for_the_side_it_left():
    r = world(6)
    play = _play(r)
    plays.draw_sympathy(r, play)
    backer = play.neutral[0]
    plays.join(r, play, backer, DEFENDER, "test")
    c = r.countries[backer]
    c.army = 20.0
    total = plays.side_strength(r, play, ATTACKER) + plays.side_strength(r, play, DEFENDER)
    before = {p: play.sympathy[(p, DEFENDER)] for p in play.neutral}
    plays.lose_backers(r, play)
    assert backer in play.sides[DEFENDER]       # still solvent: stays
    c.bankrupt_until = r.week + 10
    plays.lose_backers(r, play)
    assert backer not in play.sides[DEFENDER] and c.play is None
    for p in play.neutral:
        assert play.sympathy[(p, DEFENDER)] == pytest.approx(before[p] + 20.0 * 20.0 / total)
    assert "leaves" in r.chronicle.text()
