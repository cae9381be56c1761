"""The tier defects of issue 16: strategies never turn a must-have into a cut, higher tiers are saved for,
and the lenient rule is a rule about the player's homeland (not a value threshold)."""

from __future__ import annotations

from pathlib import Path

import pytest

from _realm_helpers import set_budget, world
from gaikit.plugins.games.realm import spending
from gaikit.plugins.games.realm.conflict import goal_options
from gaikit.plugins.games.realm.diplomacy import target_features
from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.plugins.games.realm.simulation import new_world
from gaikit.plugins.games.realm.spending import review_spending
from gaikit.strategies.engine import Option

SPENDING = {"profit": 0.5, "shortage": 0.0, "input_shortage": 0.0, "yield": 1.0, "levels": 1.0, "border": 0.0, "losses": 0.0}


def _crisis(r, c, **extra):
    """``c``'s context at war and outnumbered, its army below target (plus ``extra`` features)."""
    feats = {**r.context(c).features, "at_war": 1.0, "in_play": 0.0, "army_ratio": 0.5, "army_weight": 0.5, **extra}
    return c.engine.context(feats)


# -- Defect A: a strategy's tier never replaces the decrease tier, never drops the base's conditions -------------

def test_austerity_keeps_barracks_a_must_have_at_war_both_ways():
    r = world(0)
    c = r.countries[0]
    c.engine.active["administrative"] = "austerity"
    now = _crisis(r, c)
    barracks = [Option("barracks", "barracks@x", SPENDING)]
    cut = c.engine.decide("spending", now, barracks, direction="decrease")
    assert cut.tiers[0] == ("must-have", "never disarm in a crisis")
    buy = c.engine.decide("spending", now, barracks, direction="increase")
    assert buy.tiers[0][0] == "must-have"  # at war and outnumbered: the base's own condition still holds


def test_austerity_still_demotes_barracks_in_peace():
    r = world(0)
    c = r.countries[0]
    barracks = [Option("barracks", "barracks@x", SPENDING)]
    peace = c.engine.context({**r.context(c).features, "at_war": 0.0, "in_play": 0.0, "army_weight": 0.1, "threat": 0.0})
    c.engine.active["administrative"] = "agrarian"
    assert c.engine.decide("spending", peace, barracks).tiers[0][0] == "should-have"  # below target
    c.engine.active["administrative"] = "austerity"
    assert c.engine.decide("spending", peace, barracks).tiers[0][0] == "nice-to-have"


TOY = """\
features: [danger]
strategy_types:
  mood: {}
strategies:
  default: {values: {}}
  calm: {type: mood, weight: 1}
  thrifty:
    type: mood
    weight: 1
    decisions:
      build:
        fort: {tier: nice-to-have}
  reckless:
    type: mood
    weight: 1
    decisions:
      build:
        fort:
          tier_decrease: {value: must-not-have, modifiers: [{tier: nice-to-have, desc: "cut it anyway"}]}
decisions:
  build:
    options:
      fort:
        tier: {value: wants-to-have, modifiers: [{if: "danger > 0.5", tier: must-have, desc: "danger"}]}
        tier_decrease: {value: should-have, modifiers: [{if: "danger > 0.5", tier: must-have, desc: "danger"}]}
"""


@pytest.fixture
def toy(tmp_path: Path):
    from gaikit.strategies.engine import StrategyEngine
    from gaikit.strategies.loader import load_strategies

    path = tmp_path / "toy.yaml"
    path.write_text(TOY)
    return StrategyEngine(load_strategies(path), seed=0)


@pytest.mark.parametrize("mood", ["calm", "thrifty", "reckless"])
def test_no_strategy_lowers_a_must_have_of_the_option_itself(toy, mood):
    toy.context({"danger": 0.0})
    toy.active["mood"] = mood
    danger = toy.context({"danger": 0.9})
    for direction in ("increase", "decrease"):
        d = toy.decide("build", danger, direction=direction, allowed_tiers={"should-have", "wants-to-have", "nice-to-have", "must-not-have"})
        assert d.tiers[0][0] == "must-have" and d.winner is None


def test_a_strategy_tier_sets_the_increase_tier_only(toy):
    toy.context({"danger": 0.0})
    toy.active["mood"] = "thrifty"
    calm = toy.context({"danger": 0.0})
    assert toy.decide("build", calm).tiers[0][0] == "nice-to-have"
    assert toy.decide("build", calm, direction="decrease").tiers[0][0] == "should-have"  # the option's own
    toy.active["mood"] = "reckless"  # a strategy's tier_decrease layers over the option's: its modifier wins
    assert toy.decide("build", calm, direction="decrease").tiers[0] == ("nice-to-have", "cut it anyway")


def test_a_mod_keeping_barracks_must_have_when_cutting_is_honoured(tmp_path):
    mod = tmp_path / "keep.yaml"
    mod.write_text("mode: inject\ngame: realm\nstrategies:\n  austerity:\n    decisions:\n"
                   "      spending:\n        barracks: {tier_decrease: must-have}\n")
    r = new_world(load_realm_strategies(None, [mod]), seed=0)
    c = r.countries[0]
    c.engine.active["administrative"] = "austerity"
    peace = c.engine.context({**r.context(c).features, "at_war": 0.0, "in_play": 0.0})
    d = c.engine.decide("spending", peace, [Option("barracks", "barracks@x", SPENDING)], direction="decrease")
    assert d.tiers[0][0] == "must-have"


# -- Defect B: when increasing, higher priority always wins (a dearer higher tier is saved for) -------------------

def test_admission_saves_for_a_higher_tier_waiting_on_its_own_cost():
    from gaikit.plugins.games.realm.spending import increase_admission

    values = {"surplus_small": 0.03, "surplus_modest": 0.10, "surplus_large": 0.25}
    # surplus 0.3 before costs: should-have and nice-to-have are both within the budget's tiers
    keep, saving = increase_admission(["should-have", "nice-to-have"], [0.01, 0.29], 0.3, values)
    assert keep == [False, False] and saving == 0
    keep, saving = increase_admission(["should-have", "nice-to-have"], [0.05, 0.29], 0.3, values)
    assert keep == [True, False] and saving is None  # the higher tier is affordable: only it may be bought
    # a tier the budget does not reach yet blocks nothing
    keep, saving = increase_admission(["nice-to-have", "should-have"], [0.2, 0.04], 0.2, values)
    assert keep == [False, True] and saving is None
    keep, saving = increase_admission(["wants-to-have", "should-have"], [0.15, -0.5], 0.2, values)
    assert keep == [False, False] and saving == 1
    keep, saving = increase_admission(["must-have", "should-have", "must-not-have"], [-3.0, 0.5, 0.5], 0.6, values)
    assert keep == [True, False, False] and saving is None  # must-have always, even into debt


def test_a_review_buys_no_cheap_nice_to_have_while_saving_for_a_should_have(monkeypatch):
    r = world(0)
    c = r.countries[0]
    state = r.state_name(c.capital)
    workshop = Option("workshop", f"workshop@{state}", {**SPENDING, "shortage": 0.3})  # forecast shortage: should-have
    subsidy = Option("subsidy", "subsidy farm", {**SPENDING, "losses": 1.0})          # nice-to-have, costs 1 a week
    monkeypatch.setattr(spending, "increase_options", lambda realm, country, sv: [workshop, subsidy])
    monkeypatch.setattr(spending, "decrease_options", lambda realm, country, sv: [])
    v = r.context(c).values
    income = 80.0
    surplus = v["surplus_large"] + 1.0 / income + 0.05
    assert surplus - spending.weekly_cost(workshop) / income < v["surplus_small"]  # the workshop waits on its cost
    set_budget(r, c, income=income, balance=income * surplus, treasury=0.0)
    changes = review_spending(r, c, sweep=True)
    assert changes == []  # saving for the workshop, not buying the subsidy
    notes = []
    r.recorder = lambda country, week, kind, decision, note: notes.append(note)
    set_budget(r, c, income=income, balance=income * surplus, treasury=0.0)
    review_spending(r, c, sweep=True)
    assert any(n.get("saving_for") == workshop.label for n in notes)
    # with money for the workshop itself, it is bought first
    set_budget(r, c, income=income, balance=income * (surplus + 0.5), treasury=0.0)
    changes = review_spending(r, c, sweep=True)
    assert changes[0]["option"] == workshop.label


# -- Defect C: the lenient rule is about the player's homeland, not a value threshold ----------------------------

def _mod(tmp_path: Path, hostility: float) -> str:
    path = tmp_path / f"hostility{hostility}.yaml"
    path.write_text(f"mode: inject\ngame: realm\nstrategies:\n  default:\n    values: {{player_hostility: {hostility}}}\n")
    return str(path)


def _conquer_tier(r, c, t: int, **extra) -> str:
    feats = {**target_features(r, c.index, t), **extra}
    d = c.engine.decide("desire", r.context(c), [Option("conquer", "conquer", feats)])
    return d.tiers[0][0]


@pytest.mark.parametrize("hostility", [0.3, 1.0, 3.0])
def test_lenient_forbids_conquering_the_players_homeland_whatever_the_values(tmp_path, hostility):
    strategies = load_realm_strategies(None, [_mod(tmp_path, hostility)])
    for rule, expected in (("standard", "wants-to-have"), ("harsh", "wants-to-have"), ("lenient", "must-not-have")):
        r = new_world(strategies, seed=0, player=0, rules={"behaviour_toward_players": rule})
        c = next(x for x in r.countries if 0 in r.neighbours(x.index))
        assert _conquer_tier(r, c, 0, t_claim=0.0, t_neighbour=1.0) == expected, (rule, hostility)


def test_lenient_allows_a_claim_or_land_beyond_the_players_homeland():
    r = world(0, player=0, rules={"behaviour_toward_players": "lenient"})
    c = next(x for x in r.countries if 0 in r.neighbours(x.index))
    assert _conquer_tier(r, c, 0, t_claim=1.0, t_neighbour=1.0) == "wants-to-have"
    # the player holds a state of c's neighbour's homeland (not its own): that may be conquered
    assert _conquer_tier(r, c, 0, t_claim=0.0, t_neighbour=1.0, t_foreign_land=1.0) == "wants-to-have"


def test_lenient_war_goals_spare_the_players_homeland_states_only():
    r = world(0, player=0, rules={"behaviour_toward_players": "lenient"})
    c = next(x for x in r.countries if 0 in r.neighbours(x.index))
    options = goal_options(r, c, 0)
    goals = [o for o in options if o.kind == "conquer_state"]
    assert goals and all(o.features["g_homeland"] == 1.0 for o in goals)
    ctx = r.context(c)
    boosted = [Option(o.kind, o.label, {**o.features, "strength_ratio": 5.0, "infamy_after": 0.0}) for o in goals]
    d = c.engine.decide("war_goal", ctx, boosted)
    assert all(t == "must-not-have" for t, _ in d.tiers)
    # a state of the player that is not its homeland may be a war goal
    other = [Option(o.kind, o.label, {**o.features, "strength_ratio": 5.0, "infamy_after": 0.0, "g_homeland": 0.0}) for o in goals]
    assert all(t == "wants-to-have" for t, _ in c.engine.decide("war_goal", ctx, other).tiers)


def test_the_budget_line_explains_saving():
    from gaikit.plugins.games.realm.simulate import budget_note

    note = {"budget": "increase", "surplus": 0.3, "thresholds": {"should-have": 0.03}, "left": {"workshop@A-1": -0.1}}
    assert "Saving" not in budget_note(note)
    text = budget_note({**note, "saving_for": "workshop@A-1"})
    assert "Saving for workshop@A-1" in text and "lower tier is never bought before a higher one" in text
