"""Diplomatic plays: neutrality, sympathy and sway (the design's worked numbers), backing down."""

from __future__ import annotations

import numpy as np
import pytest

from _realm_helpers import world
from gaikit.plugins.games.realm import plays
from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, Play
from gaikit.plugins.games.realm.plays import backs_down, needed_sway, resolve
from gaikit.strategies.engine import Option


def test_worked_numbers_of_the_design():
    # Russia scores Austria 30 and Prussia -10 with a neutrality of 50
    assert needed_sway(30, -10, 50) == 21
    assert needed_sway(-10, 30, 50) == 61
    assert needed_sway(60, -10, 50) == 0   # joins of its own accord
    assert needed_sway(30, 45, 20) == 16   # the other side is the bar to beat


def _stance(r, c, sway_a: float = 0.0, sway_b: float = 0.0):
    side = {"friend_leader": 0.0, "hostile_leader": 0.0, "hostile_other": 0.0, "side_share": 0.5,
            "leader_is_player": 0.0, "sympathy": 0.0, "near": 1.0, "owes_leader": 0.0}
    options = [
        Option("stay_out", "stay out", {"near": 1.0}),
        Option("join", "join attacker Austria", {**side, "rel_leader": 75.0, "sway": sway_a}),   # 0.4 x 75 = 30
        Option("join", "join defender Prussia", {**side, "rel_leader": -25.0, "sway": sway_b}),  # 0.4 x -25 = -10
    ]
    return c.engine.decide("play_stance", r.context(c), options)


@pytest.fixture(scope="module")
def russia():
    r = world(4)
    c = r.countries[2]
    c.engine.active["diplomatic"] = "balance_of_power"  # a strategy that leaves neutrality at the default
    c.treasury = 1000.0
    r.invalidate()
    assert r.context(c).values["neutrality"] == 50
    return r, c


def test_the_stance_decision_scores_the_worked_example(russia):
    r, c = russia
    d = _stance(r, c)
    assert list(d.base) == pytest.approx([50.0, 30.0, -10.0])
    assert d.winner.kind == "stay_out"


@pytest.mark.parametrize("sway_a, sway_b, joins", [
    (20, 0, None), (21, 0, "join attacker Austria"),
    (0, 60, None), (0, 61, "join defender Prussia"),
])
def test_sway_needed_to_tip_the_stance(russia, sway_a, sway_b, joins):
    r, c = russia
    d = _stance(r, c, sway_a, sway_b)
    assert (None if d.winner.kind == "stay_out" else d.winner.label) == joins


def test_back_down_rule():
    assert backs_down(-30.0, 25.0)
    assert not backs_down(-30.0, 35.0)
    assert backs_down(10.0, 5.0, threshold=20.0)
    draws = plays.sample_boldness(20.0, 1.0, np.random.default_rng(0), 10_000)
    assert draws.min() >= 10.0 and draws.max() <= 40.0  # [b/(1+R), b(1+R)]


def _standoff(r, attacker_army: float, defender_army: float) -> Play:
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    a.army, d.army = attacker_army, defender_army
    a.treasury = d.treasury = 1000.0
    play = Play(99, a.index, d.index, "tribute", -1, 8.0, r.week)
    play.sides[ATTACKER].append(a.index)
    play.sides[DEFENDER].append(d.index)
    r.invalidate()
    return play


def test_hopeless_attackers_back_down_and_strong_ones_do_not():
    r = world(5)
    weak = [resolve(r, _standoff(r, 1.0, 50.0)) for _ in range(50)]
    assert set(weak) == {"attacker_backs_down"}  # confidence about -48: no boldness draw saves it
    strong = [resolve(r, _standoff(r, 50.0, 10.0)) for _ in range(50)]
    assert "attacker_backs_down" not in strong


def test_confidence_and_boldness_trade_off_over_many_draws():
    r = world(5)
    rates = []
    for attacker_army in (5.0, 11.0, 17.0):
        play = _standoff(r, attacker_army, 30.0)
        conf = plays.confidence(r, play, ATTACKER)
        bold = r.context(r.countries[0]).values["boldness"]  # drawn uniformly in [b/2, 2b] (R = 1)
        expected = min(1.0, max(0.0, (-conf - bold / 2) / (2 * bold - bold / 2)))
        outcomes = [resolve(r, _standoff(r, attacker_army, 30.0)) for _ in range(400)]
        rate = outcomes.count("attacker_backs_down") / len(outcomes)
        assert rate == pytest.approx(expected, abs=0.08)
        rates.append(rate)
    assert rates[0] > rates[1] > rates[2] > 0.0  # the less confident, the more often it backs down


def _fresh_play(r) -> Play:
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    play = Play(98, a.index, d.index, "tribute", -1, 8.0, r.week)
    play.sides[ATTACKER].append(a.index)
    play.sides[DEFENDER].append(d.index)
    return play


def test_sympathy_favours_the_defender_and_punishes_infamy():
    r = world(6)
    play = _fresh_play(r)
    plays.draw_sympathy(r, play)
    assert play.neutral
    for p in play.neutral:
        v = r.context(r.countries[p]).values
        spread, bonus = v["sympathy_spread"], v["defender_sympathy"]
        assert -spread - 4.0 <= play.sympathy[(p, ATTACKER)] <= spread - 4.0       # - infamy / 2
        assert -spread + bonus <= play.sympathy[(p, DEFENDER)] <= spread + bonus
    before = {p: play.sympathy[(p, ATTACKER)] for p in play.neutral}
    backer = play.neutral[0]
    plays.join(r, play, backer, DEFENDER, "test")
    for p in play.neutral:  # a new backer for the defender: more sympathy for the attacker
        assert play.sympathy[(p, ATTACKER)] > before[p]


def test_leaders_sway_neutrals_within_their_budget_and_the_swayed_join():
    joined_by_sway = 0
    for seed in range(6):
        r = world(seed)
        play = _fresh_play(r)
        plays.draw_sympathy(r, play)
        for side in (ATTACKER, DEFENDER):
            budget = plays.sway_budget(r, play, side)
            plays.offer_sways(r, play, side)
            offered = [(p, v) for (p, s), v in play.sway.items() if s == side]
            joined = [(p, v) for p, v in offered if p in play.sides[side]]
            assert sum(v for _, v in joined) <= budget
            joined_by_sway += len(joined)
    assert joined_by_sway > 0
