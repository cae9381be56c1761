"""Spending tiers against the budget, and the forecast (spending variables) that prevents over-building."""

from __future__ import annotations

import numpy as np
import pytest

from _realm_helpers import set_budget, world
from gaikit.plugins.games.realm.economy import TOOLS
from gaikit.plugins.games.realm.forecast import forecast
from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.plugins.games.realm.simulation import new_world
from gaikit.plugins.games.realm.spending import (
    affordable, allowed_decrease, allowed_increase, review_spending,
)
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import ADMIN, WORKSHOP
from gaikit.strategies.engine import Option

VALUES = {"surplus_small": 0.03, "surplus_modest": 0.10, "surplus_large": 0.25, "reserves_large": 0.5}


def test_increase_tiers_widen_with_the_surplus():
    assert allowed_increase(-0.5, VALUES) == {"must-have"}          # must-haves even into debt
    assert allowed_increase(0.05, VALUES) == {"must-have", "should-have"}
    assert allowed_increase(0.15, VALUES) == {"must-have", "should-have", "wants-to-have"}
    assert allowed_increase(0.30, VALUES) == {"must-have", "should-have", "wants-to-have", "nice-to-have"}
    assert not affordable("must-not-have", 10.0, VALUES)


def test_decrease_tiers_deepen_with_the_deficit():
    assert allowed_decrease(0.20, 0.0, False, VALUES) == {"must-not-have"}  # always cut the unwanted
    assert allowed_decrease(0.01, 0.0, False, VALUES) == {"must-not-have", "nice-to-have"}
    assert allowed_decrease(-0.1, 0.1, False, VALUES) == {"must-not-have", "nice-to-have", "wants-to-have"}
    # a deficit on a big pile of gold spares the wants-to-haves
    assert allowed_decrease(-0.1, 2.0, False, VALUES) == {"must-not-have", "nice-to-have"}
    # should-haves go only in a deficit while in debt; must-haves never
    deepest = allowed_decrease(-0.1, -1.0, True, VALUES)
    assert deepest == {"must-not-have", "nice-to-have", "wants-to-have", "should-have"}


def _spending_options() -> list[Option]:
    base = {"profit": 0.5, "shortage": 0.0, "input_shortage": 0.0, "yield": 1.0, "levels": 1.0, "border": 0.0, "losses": 0.0}
    return [
        Option("farm", "should", {**base, "shortage": 0.3}),    # forecast shortage: should-have
        Option("farm", "wants", {**base}),                        # profitable: wants-to-have
        Option("farm", "nice", {**base, "profit": 0.2}),          # marginal: nice-to-have
        Option("farm", "never", {**base, "profit": -1.0}),        # loses money: must-not-have
    ]


@pytest.mark.parametrize("surplus, expected", [(0.05, "should"), (0.15, "should"), (0.5, "should")])
def test_higher_tier_always_bought_first(surplus, expected):
    r = world(1)
    c = r.countries[0]
    ctx = r.context(c)
    winners = set()
    for _ in range(20):
        d = c.engine.decide("spending", ctx, _spending_options(), admit=lambda k, t: affordable(t, surplus, ctx.values))
        winners.add(d.winner.label)
    assert winners == {expected}


def test_nice_to_have_only_with_a_large_surplus():
    r = world(1)
    c = r.countries[0]
    ctx = r.context(c)
    v = ctx.values
    options = _spending_options()[2:]  # nice and never
    small = (v["surplus_small"] + v["surplus_modest"]) / 2
    d = c.engine.decide("spending", ctx, options, admit=lambda k, t: affordable(t, small, v))
    assert d.winner is None  # nothing worth buying at a small surplus
    d = c.engine.decide("spending", ctx, options, admit=lambda k, t: affordable(t, v["surplus_large"] + 0.1, v))
    assert d.winner.label == "nice"


def test_cuts_take_the_lowest_tier_first_and_never_a_must_have():
    r = world(1)
    c = r.countries[0]
    ctx = r.context(c)
    base = {"profit": 0.0, "shortage": 0.0, "input_shortage": 0.0, "yield": 1.0, "levels": 1.0, "border": 0.0, "losses": 0.0}
    admin_must = Option("admin", "admin (deficit)", base)  # bureaucracy < 0.3: must-have when cutting
    barracks_nice = Option("barracks", "barracks", base)
    feats = {**ctx.features, "bureaucracy": 0.0, "army_weight": 5.0, "at_war": 0.0, "in_play": 0.0}
    now = c.engine.context(feats)
    allowed = allowed_decrease(-0.5, -1.0, True, now.values)
    d = c.engine.decide("spending", now, [admin_must, barracks_nice], direction="decrease", allowed_tiers=allowed)
    assert d.winner.label == "barracks" and d.tiers[0][0] == "must-have"
    d = c.engine.decide("spending", now, [admin_must], direction="decrease", allowed_tiers=allowed)
    assert d.winner is None  # a must-have is never cut, not even in debt


def test_must_have_is_bought_into_debt_and_nothing_else():
    r = world(2)
    c = r.countries[0]
    r.map.levels[r.map.owner == 0, ADMIN] = 0  # no administration at all: a bureaucracy deficit
    set_budget(r, c, income=50.0, balance=-40.0, treasury=-2000.0, gdp=3000.0)
    changes = review_spending(r, c, sweep=True)
    bought = [x for x in changes if x["direction"] == "increase"]
    assert bought and all(x["tier"] == "must-have" for x in bought)
    assert any(x["option"].startswith("admin@") for x in bought)


@pytest.fixture(scope="module")
def three_changes(tmp_path_factory):
    """Strategies whose reviews may make three changes (the default is two)."""
    mod = tmp_path_factory.mktemp("mod") / "three.yaml"
    mod.write_text("mode: inject\ngame: realm\nstrategies:\n  default:\n    values: {spending_changes: 3}\n")
    return load_realm_strategies(None, [mod])


def _tools_shortage(strats, forecast_on: bool) -> WorldState:
    """Country 0 short of tools only (20%), rich enough for five projects, with a surplus that buys should-haves only."""
    r = new_world(strats, seed=3, forecast=forecast_on)
    c = r.countries[0]
    r.map.levels[c.capital, ADMIN] += 20      # plenty of bureaucracy
    c.army = 500.0                            # a big army: barracks are not wanted
    e = r.economy
    e.supply[0] = e.demand[0] * np.array([1.0, 1.0, 0.8])
    v = r.context(c).values
    surplus = (v["surplus_small"] + v["surplus_modest"]) / 2
    set_budget(r, c, income=10_000.0, balance=10_000.0 * surplus, treasury=0.0, gdp=5000.0)
    return r


def test_forecast_sees_queued_construction(three_changes):
    r = _tools_shortage(three_changes, True)
    c = r.countries[0]
    before = forecast(r.economy, c).shortage[TOOLS]
    review_spending(r, c, sweep=True)
    after = forecast(r.economy, c).shortage[TOOLS]
    assert before > 0.15 and after < 0.05  # the queued workshop already counts as supply
    assert forecast(r.economy, c, enabled=False).shortage[TOOLS] == pytest.approx(before)


def test_forecast_prevents_building_three_of_what_one_fixes(three_changes):
    workshops = {}
    for forecast_on in (True, False):
        r = _tools_shortage(three_changes, forecast_on)
        c = r.countries[0]
        review_spending(r, c, sweep=True)
        workshops[forecast_on] = sum(1 for p in c.queue if p.kind == WORKSHOP)
    assert workshops == {True: 1, False: 3}
