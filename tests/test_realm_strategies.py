"""Strategies, change points and re-rolls from game events; desires re-rolled after a bankruptcy."""

from __future__ import annotations

from _realm_helpers import world
from gaikit.plugins.games.realm.bankruptcy import declare_bankruptcy
from gaikit.plugins.games.realm.territory import transfer_state
from gaikit.plugins.games.realm.world import HOSTILE


def _rolls(c, cause: str) -> list[dict]:
    return [h for h in c.engine.history if h["cause"] == cause]


def test_every_country_has_one_strategy_of_each_type():
    r = world(0)
    for c in r.countries:
        assert set(c.engine.active) == {"administrative", "political", "diplomatic"}
    assert r.chronicle.count("start") == 8


def test_passed_laws_add_change_points_until_the_political_strategy_rerolls():
    r = world(0)
    c = r.countries[0]
    threshold = r.strategies.types["political"].threshold
    per_law = r.strategies.strategies[c.engine.active["political"]].change_points.get(
        "law_passed", r.strategies.types["political"].change_points["law_passed"])
    laws = 0
    while not _rolls(c, "event law_passed"):
        before = c.engine.points["political"]
        r.fire(c, "law_passed")
        laws += 1
        if not _rolls(c, "event law_passed"):
            assert c.engine.points["political"] == before + per_law
    assert laws == -(-threshold // per_law)  # ceil: the counter reached the threshold
    assert c.engine.points["political"] == 0  # restarts after the re-roll
    assert c.engine.points["administrative"] == 0  # other types did not care


def test_bankruptcy_rerolls_the_administrative_strategy_and_alerts_neighbours():
    r = world(0)
    c = r.countries[0]
    neighbours = [r.countries[j] for j in r.neighbours(0)]
    before = {n.index: n.engine.points["diplomatic"] for n in neighbours}
    declare_bankruptcy(r, c)
    assert _rolls(c, "event bankruptcy")[0]["type"] == "administrative"
    for n in neighbours:  # 40 points each (or a re-roll that reset the counter)
        assert n.engine.points["diplomatic"] == before[n.index] + 40 or _rolls(n, "event neighbour_bankrupt")
    assert r.chronicle.count("bankruptcy") == 1


def test_losing_states_rerolls_the_diplomatic_strategy():
    r = world(0)
    loser, winner = r.countries[0], r.countries[r.neighbours(0)[0]]
    for _ in range(2):  # 50 change points per state lost
        state = r.map.border_states(winner.index, loser.index)[0]
        transfer_state(r, state, winner, loser)
    assert any(h["type"] == "diplomatic" for h in _rolls(loser, "event state_lost"))
    assert r.chronicle.count("territory") == 2


def test_bankruptcy_rerolls_desires_toward_the_bankrupt_and_sours_them():
    hostile_before = hostile_after = total = 0
    for seed in range(6):
        r = world(seed)
        b = r.countries[0]
        watchers = [c for c in r.countries if 0 in c.desires]
        hostile_before += sum(c.desires[0].kind in HOSTILE for c in watchers)
        r.week = 10  # re-rolled desires remember when
        declare_bankruptcy(r, b)
        for c in watchers:
            assert c.desires[0].since == 10, f"{c.name}'s desire toward the bankrupt was not re-rolled"
        hostile_after += sum(c.desires[0].kind in HOSTILE for c in watchers)
        total += len(watchers)
    assert total >= 12
    assert hostile_after > hostile_before + total // 6  # bankrupt countries are unworthy allies and easy prey
