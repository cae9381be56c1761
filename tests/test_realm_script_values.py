"""Script values: every diplomacy constant is a strategy value whose default reproduces the old number.

The old constants (before they moved into ``realm.yaml``) are written out
here; each test compares the value, then the behaviour that reads it.
The one deliberate change is the design's: a defender facing annexation
no longer always stands firm.
"""

from __future__ import annotations

import numpy as np
import pytest

from _realm_helpers import world
from gaikit.plugins.games.realm import conflict, diplomacy, plays
from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, Play
from gaikit.plugins.games.realm.plays import resolve
from gaikit.strategies.engine import Context

OLD = {
    "conquest_infamy": 10.0, "infamy_per_pop": 5.0, "tribute_infamy": 8.0, "infamy_decay": 4.0,
    "play_weeks": 12.0, "sway_week_first": 4.0, "sway_week_second": 8.0,
    "confidence_scale": 100.0, "confidence_defending": 10.0, "confidence_debt": -10.0,
    "sympathy_infamy": 0.5, "sympathy_backer": 20.0, "relations_drift": 0.01,
    "attitude_befriend": 60.0, "attitude_reconcile": 30.0, "attitude_protect": 40.0,
    "attitude_antagonize": -60.0, "attitude_conquer": -50.0, "attitude_dominate": -40.0,
    "relations_play": -30.0, "relations_war": -20.0, "relations_back_down": 10.0, "relations_join": 10.0,
    "relations_join_other": -15.0, "relations_swayed": 10.0, "relations_bankrupt": -10.0,
}


@pytest.fixture(scope="module")
def realm():
    return world(0)


@pytest.mark.parametrize("name", sorted(OLD))
def test_each_default_value_is_the_old_constant(realm, name):
    for c in realm.countries:  # no strategy or rule changes these by default
        assert realm.context(c).values[name] == OLD[name]
    assert realm.strategies.model.strategies["default"].values[name].desc  # each has a desc


def test_goal_infamy_reproduces_the_old_formula(realm):
    c = realm.countries[0]
    t = realm.neighbours(0)[0]
    for option in conflict.goal_options(realm, c, t):
        if option.kind == "conquer_state":
            state = realm.state_index(option.label.split(" ", 1)[1])
            assert option.features["infamy_after"] == pytest.approx(c.infamy + 10.0 + 5.0 * float(realm.map.pop[state]))
        else:
            assert option.features["infamy_after"] == pytest.approx(c.infamy + 8.0)


def _standoff(r, attacker_army: float, defender_army: float, treasury: float = 1000.0, goal: str = "tribute", state: int = -1) -> Play:
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    a.army, d.army = attacker_army, defender_army
    a.treasury, d.treasury = 1000.0, treasury
    play = Play(99, a.index, d.index, goal, state, 8.0, r.week)
    play.sides[ATTACKER].append(a.index)
    play.sides[DEFENDER].append(d.index)
    r.invalidate()
    return play


@pytest.mark.parametrize("armies, treasury", [((10.0, 30.0), 1000.0), ((30.0, 5.0), 1000.0), ((12.0, 12.0), -50.0)])
def test_confidence_reproduces_the_old_formula(armies, treasury):
    r = world(5)
    play = _standoff(r, *armies, treasury=treasury)
    own, other = armies[1] + 0.1, armies[0] + 0.1
    old = 100.0 * (own / (own + other) - 0.5) + 10.0 - (10.0 if treasury < 0 else 0.0)
    assert plays.confidence(r, play, DEFENDER) == pytest.approx(old)
    assert plays.confidence(r, play, ATTACKER) == pytest.approx(100.0 * (other / (own + other) - 0.5))


def test_relations_drift_reproduces_the_old_formula():
    r = world(3)
    attitude = {k.removeprefix("attitude_"): v for k, v in OLD.items() if k.startswith("attitude_")}
    n = len(r.countries)
    pull = np.zeros((n, n))
    for c in r.countries:
        for t, desire in c.desires.items():
            pull[c.index, t] = attitude[desire.kind]
    expected = r.relations + ((pull + pull.T) / 2.0 - r.relations) * 0.01
    np.fill_diagonal(expected, 0.0)
    diplomacy.drift_relations(r)
    assert np.allclose(r.relations, expected)


def test_infamy_decay_and_play_timing_read_the_values(tmp_path):
    r = world(0)
    for c in r.countries:
        c.infamy = 10.0
    conflict.decay_infamy(r)
    assert [c.infamy for c in r.countries] == [6.0] * len(r.countries)
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    play = plays.open_play(r, a, d, "tribute", -1, 8.0)
    assert (play.weeks, play.sway_weeks) == (12, (4, 8))
    plays.close(r, play)
    history = tmp_path / "h.yaml"
    history.write_text(f"countries:\n  {a.tag}:\n    values: {{play_weeks: 20, sway_week_first: 2, infamy_decay: 1}}\n")
    r = world(0, history=str(history))
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    play = plays.open_play(r, a, d, "tribute", -1, 8.0)
    assert (play.weeks, play.sway_weeks) == (20, (2, 8))
    a.infamy = 10.0
    conflict.decay_infamy(r)
    assert a.infamy == 9.0


def test_a_play_ends_after_the_attackers_play_weeks(tmp_path):
    history = tmp_path / "h.yaml"
    r0 = world(0)
    a_tag = r0.countries[0].tag
    history.write_text(f"countries:\n  {a_tag}:\n    values: {{play_weeks: 3, sway_week_first: 1, sway_week_second: 2, extra_goal_chance: 0}}\n")
    r = world(0, history=str(history))
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    play = plays.open_play(r, a, d, "tribute", -1, 8.0)
    for _ in range(2):
        r.week += 1
        conflict.tick_plays(r)
        assert play in r.plays
    r.week += 1
    conflict.tick_plays(r)
    assert play not in r.plays or a.at_war


def _one_state_left(r, d_index: int) -> int:
    states = list(r.map.states_of(d_index))
    keep = states[0]
    for s in states[1:]:
        r.map.owner[s] = 0
    r.map_changed()
    return keep


def test_a_hopeless_defender_facing_annexation_needs_a_very_high_boldness_roll():
    """The design: even facing annexation, a hopeless country needs a very high roll to fight (it used to never back down)."""
    r = world(5)
    d_index = r.neighbours(0)[0]
    state = _one_state_left(r, d_index)
    outcomes, confs = [], []
    for _ in range(600):
        play = _standoff(r, 60.0, 0.5, goal="conquer_state", state=state)
        confs.append(plays.confidence(r, play, DEFENDER))
        outcomes.append(resolve(r, play))
    assert "attacker_backs_down" not in outcomes
    stand = outcomes.count("war") / len(outcomes)
    values = r.context(r.countries[d_index]).values
    b, extra, conf = values["boldness"], values["annexation_boldness"], float(np.mean(confs))
    assert conf < -35                                               # hopeless
    expected = (2.0 - (-conf - extra) / b) / 1.5                      # P(b x M + extra >= -conf), M uniform in [1/2, 2]
    assert stand == pytest.approx(expected, abs=0.05)
    assert 0.02 < stand < 0.3                                       # a very high roll, not never and not always
    old_worst = conf + b / 2 + 40.0                                 # the old +40: the lowest roll still stood firm
    assert old_worst >= 0


def test_facing_annexation_still_adds_boldness():
    r = world(5)
    d_index = r.neighbours(0)[0]
    play = _standoff(r, 20.0, 20.0)
    rng_state = r.countries[d_index].engine.rng.bit_generator.state
    plain = plays.boldness(r, play, DEFENDER)
    state = _one_state_left(r, d_index)
    play = _standoff(r, 20.0, 20.0, goal="conquer_state", state=state)
    r.countries[d_index].engine.rng.bit_generator.state = rng_state
    facing = plays.boldness(r, play, DEFENDER)
    assert facing - plain == pytest.approx(r.context(r.countries[d_index]).values["annexation_boldness"], rel=0.3)


def test_debts_and_army_shape_raise_neutrality(realm):
    c = realm.countries[2]
    c.engine.active["diplomatic"] = "balance_of_power"  # leaves neutrality at the default
    base = {**realm.context(c).features, "in_debt": 0.0, "at_war": 0.0, "army_weight": 1.0}
    value = lambda **f: c.engine.values({**base, **f})["neutrality"]
    assert value() == 50.0
    assert value(in_debt=1.0) == 70.0 and value(at_war=1.0) == 90.0
    assert value(army_weight=0.5) == 60.0 and value(army_weight=0.5, in_debt=1.0) == 80.0


def test_rank_and_a_strong_army_raise_boldness(realm):
    c = realm.countries[0]
    features = dict(realm.context(c).features)
    minor = c.engine.values({**features, "gdp_share": 0.1, "army_share": 0.1})["boldness"]
    great = c.engine.values({**features, "gdp_share": 0.25, "army_share": 0.1})["boldness"]
    strong = c.engine.values({**features, "gdp_share": 0.1, "army_share": 0.3})["boldness"]
    assert great - minor == 5.0 and strong - minor == 10.0


def test_boldness_helps_join_the_likely_losers(realm):
    c = realm.countries[2]
    ctx = realm.context(c)
    side = {"rel_leader": 0.0, "friend_leader": 0.0, "hostile_leader": 0.0, "hostile_other": 0.0, "side_share": 0.2,
            "leader_is_player": 0.0, "sympathy": 0.0, "sway": 0.0, "near": 1.0, "owes_leader": 0.0}
    from gaikit.strategies.engine import Option

    options = [Option("stay_out", "stay out", {"near": 1.0}), Option("join", "join weak", side)]
    scores = []
    for bold in (20.0, 30.0):
        env = {**ctx.env, "boldness": bold}
        d = c.engine.decide("play_stance", Context(ctx.features, {**ctx.values, "boldness": bold}, env), options, explore=False)
        scores.append(float(d.base[1]))
    assert scores[1] - scores[0] == 10.0   # cancels "the likely losers" -10


def test_relations_jumps_read_the_values():
    r = world(6)
    a, d = r.countries[0], r.countries[r.neighbours(0)[0]]
    before = r.relations[a.index, d.index]
    play = plays.open_play(r, a, d, "tribute", -1, 8.0)
    assert r.relations[a.index, d.index] == pytest.approx(max(-100.0, before - 30.0))
    plays.close(r, play)
    play = Play(r.next_id(), a.index, d.index, "tribute", -1, 8.0, r.week)
    play.sides[ATTACKER].append(a.index)
    play.sides[DEFENDER].append(d.index)
    plays.draw_sympathy(r, play)
    p = play.neutral[0]
    to_leader, to_other = r.relations[p, d.index], r.relations[p, a.index]
    plays.join(r, play, p, DEFENDER, "test")
    assert r.relations[p, d.index] == pytest.approx(min(100.0, to_leader + 10.0))
    assert r.relations[p, a.index] == pytest.approx(max(-100.0, to_other - 15.0))


def test_boldness_makes_a_country_mobilise_early_in_a_play(realm):
    from gaikit.strategies.engine import Option

    c = realm.countries[0]
    ctx = realm.context(c)
    c.engine.active["administrative"] = "industrialize"  # a strategy that leaves the barracks' tiers alone
    option = {"profit": 0.0, "shortage": 0.0, "input_shortage": 0.0, "yield": 1.0, "levels": 1.0, "border": 0.0, "losses": 0.0}
    tiers = {}
    for bold, in_play in ((20.0, 1.0), (30.0, 1.0), (30.0, 0.0)):
        env = {**ctx.env, "boldness": bold, "in_play": in_play, "at_war": 0.0, "army_ratio": 0.8, "threat": 0.5,
               "army_weight": 2.0}
        d = c.engine.decide("spending", Context(ctx.features, {**ctx.values, "boldness": bold}, env), [Option("barracks", "b", option)])
        tiers[(bold, in_play)] = d.tiers[0][0]
    assert tiers == {(20.0, 1.0): "nice-to-have", (30.0, 1.0): "should-have", (30.0, 0.0): "nice-to-have"}
