"""The strategy engine: layering, rules, change points, tiers, considerations, explanations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gaikit.core.errors import ConfigError
from gaikit.strategies.considerations import compensate, make_curve
from gaikit.strategies.engine import Option, StrategyEngine
from gaikit.strategies.explain import explain_decision, format_decision
from gaikit.strategies.loader import load_strategies
from gaikit.strategies.schema import Curve

BASE = """\
features: [danger, lives, gdp]
act: build
defines: {change_point_threshold: 100, randomness: {default: 1.0, build: 0.5}, momentum: 0.5}
rules:
  ai_aggression:
    default: standard
    presets: {low: {aggression: 0.5}, standard: {}, high: {aggression: 2.0, greed: 3.0}}
  behaviour_toward_players:
    default: standard
    presets: {lenient: {hostility: 0.5}, standard: {}, harsh: {hostility: 2.0}}
strategy_types:
  economy:
    change_points: {law_passed: 30, bankruptcy: 100}
events:
  law_passed: {desc: fired by the game}
  bankruptcy: {desc: fired by the game}
  panic: {if: "danger > 0.9"}
strategies:
  default:
    values:
      aggression: 2
      greed: {value: 1, modifiers: [{if: "gdp > 100", add: 1, desc: "rich"}]}
      hostility: 1
  builder:
    type: economy
    weight: 10
    values: {aggression: {add: 3}, greed: {multiply: 4}}
    change_points: {law_passed: 60}
  hoarder:
    type: economy
    weight: {value: 10, modifiers: [{if: "danger > 0.5", factor: 0, desc: "no hoarding in danger"}]}
    values: {aggression: 7}
    change_points: {panic: 100}
    decisions:
      build:
        farm: {score: {multiply: 0.5}, tier: nice-to-have}
decisions:
  build:
    option_features: [state_gdp]
    options:
      farm:
        action: 0
        score: {value: 10, modifiers: [{if: "danger > 0.5", factor: 0.5, desc: "unsafe"}, {add: greed, desc: "greed"}]}
        considerations:
          - {input: state_gdp, min: 0, max: 100, curve: linear, desc: "rich state"}
      barracks:
        action: 1
        tier: {value: wants-to-have, modifiers: [{if: "danger > 0.8", tier: must-have, desc: "war looms"}]}
        tier_decrease: must-have
        score: aggression
      palace:
        action: 2
        tier: must-not-have
        score: 1000
"""


@pytest.fixture
def strategies(tmp_path: Path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    return load_strategies(path)


def engine_with(strategies, active: str | None = None, **kwargs) -> StrategyEngine:
    engine = StrategyEngine(strategies, seed=0, **kwargs)
    if active is not None:
        engine.active["economy"] = active
        engine.points["economy"] = 0.0
    return engine


FEATS = {"danger": 0.0, "lives": 3.0, "gdp": 200.0}


def test_values_override_add_multiply_and_default(strategies) -> None:
    assert engine_with(strategies, "builder").values(FEATS) == {"aggression": 5.0, "greed": 8.0, "hostility": 1.0}
    assert engine_with(strategies, "hoarder").values(FEATS) == {"aggression": 7.0, "greed": 2.0, "hostility": 1.0}
    assert engine_with(strategies, "hoarder").values({**FEATS, "gdp": 50.0})["greed"] == 1.0


def test_game_rule_presets_multiply_the_named_values(strategies) -> None:
    standard = engine_with(strategies, "builder").values(FEATS)
    high = engine_with(strategies, "builder", rules={"ai_aggression": "high"}).values(FEATS)
    harsh = engine_with(strategies, "builder", rules={"behaviour_toward_players": "harsh", "ai_aggression": "low"}).values(FEATS)
    assert high == {"aggression": 10.0, "greed": 24.0, "hostility": 1.0}
    assert harsh == {"aggression": 2.5, "greed": 8.0, "hostility": 2.0}
    assert standard["aggression"] == 5.0
    with pytest.raises(ConfigError, match="unknown game rule 'ai_agression'.*did you mean 'ai_aggression'"):
        engine_with(strategies, rules={"ai_agression": "high"})
    with pytest.raises(ConfigError, match="preset 'brutal'"):
        engine_with(strategies, rules={"ai_aggression": "brutal"})


def test_roll_follows_weights_semi_randomly(strategies) -> None:
    counts = {"builder": 0, "hoarder": 0}
    for seed in range(300):
        engine = StrategyEngine(strategies, seed=seed)
        engine.context(FEATS)
        counts[engine.active["economy"]] += 1
    assert counts["builder"] > 100 and counts["hoarder"] > 100 # equal weights: both often
    for seed in range(100):  # a zero weight loses to any positive one
        engine = StrategyEngine(strategies, seed=seed)
        engine.context({**FEATS, "danger": 0.7})
        assert engine.active["economy"] == "builder"


def test_change_points_reroll_exactly_at_the_threshold(strategies) -> None:
    engine = engine_with(strategies, "hoarder")
    ctx = engine.context(FEATS)
    for _ in range(3):
        assert engine.event("law_passed", ctx) == {}  # 30, 60, 90 < 100
    assert engine.points["economy"] == 90
    rolled = engine.event("law_passed", ctx)  # 120 >= 100: re-roll (may pick the same)
    assert set(rolled) == {"economy"} and engine.points["economy"] == 0.0
    assert engine.history[-1]["cause"] == "event law_passed" and engine.history[-1]["from"] == "hoarder"
    # a strategy's own change points override its type's: builder takes 60 per law
    engine = engine_with(strategies, "builder")
    ctx = engine.context(FEATS)
    assert engine.event("law_passed", ctx) == {} and engine.points["economy"] == 60
    assert engine.event("law_passed", ctx) != {}


def test_rerolls_may_pick_the_same_strategy(strategies) -> None:
    same = 0
    for seed in range(200):
        engine = StrategyEngine(strategies, seed=seed)
        ctx = engine.context(FEATS)
        before = engine.active["economy"]
        engine.event("bankruptcy", ctx)
        same += engine.active["economy"] == before
    assert 40 < same < 160


def test_trigger_events_fire_on_the_rising_edge(strategies) -> None:
    engine = engine_with(strategies, "hoarder")
    calm = engine.context(FEATS)
    assert engine.watch(calm) == []
    scared = engine.context({**FEATS, "danger": 0.95})
    assert engine.watch(scared) == ["panic"] and engine.history[-1]["cause"] == "event panic"
    assert engine.watch(scared) == []  # still true: no new event
    with pytest.raises(ConfigError, match="unknown event 'war'"):
        engine.event("war", calm)


def test_tiers_scores_and_strategy_option_changes(strategies) -> None:
    engine = engine_with(strategies, "builder")
    ctx = engine.context(FEATS)
    options = [Option("farm", "farm@a", {"state_gdp": 50.0}), Option("barracks"), Option("palace")]
    d = engine.decide("build", ctx, options, explore=False)
    # farm: (10 + greed 8) * linear(0.5) = 9; barracks: aggression 5; palace: must-not-have
    assert d.base.tolist() == pytest.approx([9.0, 5.0, 1000.0])
    assert d.winner.label == "farm@a" and d.action == 0
    scared = engine.context({**FEATS, "danger": 0.85})
    d = engine.decide("build", scared, options, explore=False)
    assert d.winner.kind == "barracks" and d.tiers[1] == ("must-have", "war looms")
    hoarder = engine_with(strategies, "hoarder")
    d = hoarder.decide("build", hoarder.context(FEATS), [Option("farm", features={"state_gdp": 100.0}), Option("barracks")], explore=False)
    assert d.tiers[0][0] == "nice-to-have" and d.winner.kind == "barracks"  # strategy demoted farm's tier


def test_decreasing_uses_the_decrease_tier(strategies) -> None:
    engine = engine_with(strategies, "builder")
    ctx = engine.context(FEATS)
    opts = [Option("farm", features={"state_gdp": 10.0}), Option("barracks"), Option("palace")]
    d = engine.decide("build", ctx, opts, direction="decrease", explore=False)
    assert d.winner.kind == "palace"  # must-not-have is cut first
    d = engine.decide("build", ctx, opts[:2], direction="decrease", explore=False)
    assert d.winner.kind == "farm"  # barracks is a must-have when decreasing: never cut
    d = engine.decide("build", ctx, opts[1:2], direction="decrease")
    assert d.winner is None and d.action is None


def test_allowed_tiers_and_momentum(strategies) -> None:
    engine = engine_with(strategies, "builder")
    ctx = engine.context(FEATS)
    opts = [Option("farm", features={"state_gdp": 50.0}), Option("barracks")]
    assert engine.decide("build", ctx, opts, allowed_tiers={"must-have"}).winner is None
    engine.last_choice["build"] = "barracks"
    d = engine.decide("build", ctx, opts, explore=False)
    assert d.base[1] == pytest.approx(5.0 * 1.5) and d.momentum_for == "barracks"


def test_missing_option_feature_is_a_clear_error(strategies) -> None:
    engine = engine_with(strategies, "builder")
    with pytest.raises(ConfigError, match="feature 'state_gdp' has no value"):
        engine.decide("build", engine.context(FEATS), [Option("farm")])
    with pytest.raises(ConfigError, match="unknown option 'mine'"):
        engine.decide("build", engine.context(FEATS), [Option("mine")])


def test_explanation_holds_contributions_descs_ranges_and_strategies(strategies) -> None:
    engine = engine_with(strategies, "builder")
    ctx = engine.context({**FEATS, "danger": 0.6})
    d = engine.decide("build", ctx, [Option("farm", features={"state_gdp": 50.0}), Option("barracks")])
    record = explain_decision(d)
    farm = record["options"][0]
    steps = farm["score"]["steps"]
    assert [s["desc"] for s in steps] == ["unsafe", "greed"]
    assert steps[0]["contribution"] == pytest.approx(-5.0) and steps[1]["contribution"] == pytest.approx(8.0)
    assert steps[1]["amount_from"] == "greed" and farm["score"]["value"] == pytest.approx(13.0)
    assert farm["considerations"][0]["utility"] == pytest.approx(0.5) and farm["base"] == pytest.approx(6.5)
    assert farm["range"] == pytest.approx([6.5 / 1.5, 6.5 * 1.5])
    assert record["active_strategies"]["economy"]["strategy"] == "builder"
    assert record["winner"] in ("farm", "barracks") and record["values"]["greed"] == 8.0
    text = format_decision(record)
    for needle in ('"unsafe"', '"greed"', "rich state", "economy=builder", "winner:"):
        assert needle in text


def test_state_dict_round_trip_continues_identically(strategies) -> None:
    a = StrategyEngine(strategies, seed=5)
    ctx = a.context(FEATS)
    a.event("law_passed", ctx)
    state = a.state_dict()
    b = StrategyEngine(strategies, seed=99)
    b.load_state_dict(state)
    opts = [Option("farm", features={"state_gdp": 40.0}), Option("barracks")]
    seq_a = [a.decide("build", ctx, opts).index for _ in range(50)]
    seq_b = [b.decide("build", b.context(FEATS), opts).index for _ in range(50)]
    assert seq_a == seq_b and b.points == a.points


@pytest.mark.parametrize(
    "curve, x, expected",
    [
        (Curve(type="linear"), 0.3, 0.3),
        (Curve(type="linear", m=-1, b=1), 0.3, 0.7),
        (Curve(type="polynomial", k=2), 0.5, 0.25),
        (Curve(type="polynomial", k=0.5, c=0.6), 0.5, 0.0),
        (Curve(type="logistic"), 0.5, 0.5),
        (Curve(type="logistic", m=10, c=0.5), 1.0, 1 / (1 + math.exp(-5))),
        (Curve(type="logit"), 0.5, 0.5),
        (Curve(type="logit"), 0.9, math.log(9) / 5 + 0.5),
        (Curve(type="step", c=0.4), 0.39, 0.0),
        (Curve(type="step", c=0.4), 0.4, 1.0),
        (Curve(type="linear", m=3), 0.9, 1.0),  # clamped
        (Curve(type="linear", invert=True), 0.2, 0.8),
    ],
)
def test_response_curves(curve: Curve, x: float, expected: float) -> None:
    assert make_curve(curve)(x) == pytest.approx(expected)


def test_compensation_lifts_products_of_many_considerations() -> None:
    plain, _ = compensate([0.5, 0.5, 0.5], enabled=False)
    lifted, factors = compensate([0.5, 0.5, 0.5])
    assert plain == pytest.approx(0.125)
    # modification = 1 - 1/3; each 0.5 -> 0.5 + 0.5 * (2/3) * 0.5 = 0.6667
    assert factors == pytest.approx([2 / 3] * 3) and lifted == pytest.approx((2 / 3) ** 3)
    assert compensate([0.0, 1.0])[0] == 0.0 and compensate([])[0] == 1.0
    assert compensate([0.4])[0] == pytest.approx(0.4)


def test_seeded_engines_are_reproducible(strategies) -> None:
    runs = []
    for seed in (11, 11, 12):
        engine = StrategyEngine(strategies, seed=seed)
        ctx = engine.context(FEATS)
        opts = [Option("farm", features={"state_gdp": 60.0}), Option("barracks")]
        runs.append([tuple(np.nan_to_num(engine.decide("build", ctx, opts).choice.draws[0])) for _ in range(30)])
    assert runs[0] == runs[1] and runs[0] != runs[2]
