"""Trigger conditions on the agent's country (``country = TAG``) and on a decision's target (``target.``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaikit.core.errors import ConfigError
from gaikit.strategies.engine import Option, StrategyEngine
from gaikit.strategies.loader import load_strategies
from gaikit.strategies.triggers import TriggerError, parse_trigger


@pytest.mark.parametrize("raw, text, names", [
    ("country = AVA", "country = AVA", {"country:AVA"}),
    ({"country": "AVA"}, "country = AVA", {"country:AVA"}),
    ("target.country = BOR and target.strength > 1.5", "target.country = BOR and target.strength > 1.5",
     {"target.country:BOR", "target.strength"}),
    ({"target.has_strategy": "isolationist"}, "target.has_strategy = isolationist", {"target.has_strategy:isolationist"}),
    ({"feature": "target.at_war", "eq": 1}, "target.at_war == 1", {"target.at_war"}),
    ("attitude = belligerent", "attitude = belligerent", {"attitude:belligerent"}),
])
def test_scoped_conditions_parse_and_print(raw, text, names):
    node = parse_trigger(raw)
    assert node.text() == text and node.names() == names


def test_scoped_conditions_evaluate():
    check = parse_trigger("country = AVA and not target.has_strategy = cooperative and target.strength > 2").compile()
    assert check({"country:AVA": 1.0, "target.strength": 3.0})
    assert not check({"country:BOR": 1.0, "target.strength": 3.0})
    assert not check({"country:AVA": 1.0, "target.strength": 3.0, "target.has_strategy:cooperative": 1.0})


@pytest.mark.parametrize("text, expect", [
    ("country = ", r"expected a name after country but found the end"),
    ("country > AVA", r"expected '=' after country but found '>' at column 9"),
    ("has_strategy = target.x", r"expected a name after has_strategy but found 'target\.x'"),
    ("other.strength > 1", r"unexpected character '\.' at column 6"),
])
def test_malformed_scoped_conditions_are_trigger_errors(text, expect):
    with pytest.raises(TriggerError, match=expect):
        parse_trigger(text)


FILE = """\
strategy_types:
  mood: {}
strategies:
  default: {values: {courage: 1}}
  calm: {type: mood, weight: 1}
decisions:
  greet:
    target: true
    option_features: [warmth]
    options:
      wave:
        tier: {value: wants-to-have, modifiers: [{if: "country = AVA and target.country = BOR", tier: must-not-have}]}
        score: {value: 1, modifiers: [{if: "target.has_strategy = calm", add: 5}, {if: "target.size > 2", add: 100}]}
"""


def test_an_engine_with_a_tag_answers_country_and_targets_come_with_the_options(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(FILE)
    strategies = load_strategies(path, game_features=["size"])
    assert strategies.country_tags == {"AVA": f"{path}:12: decisions.greet.options.wave.tier.modifiers.0.if",
                                       "BOR": f"{path}:12: decisions.greet.options.wave.tier.modifiers.0.if"}
    assert strategies.uses_target and strategies.unknown_tag(["AVA", "BOR"]) is None
    assert "unknown country tag 'BOR'" in strategies.unknown_tag(["AVA"])
    ava = StrategyEngine(strategies, seed=0, tag="AVA")
    ctx = ava.context({"size": 1.0})
    assert ctx.env["country:AVA"] == 1.0
    bor = {"warmth": 0.0, "target.country:BOR": 1.0, "target.has_strategy:calm": 1.0, "target.size": 3.0}
    car = {"warmth": 0.0, "target.country:CAR": 1.0, "target.size": 1.0}
    d = ava.decide("greet", ctx, [Option("wave", "wave BOR", bor), Option("wave", "wave CAR", car)])
    assert [t for t, _ in d.tiers] == ["must-not-have", "wants-to-have"]
    assert list(d.base) == [106.0, 1.0]
    untagged = StrategyEngine(strategies, seed=0)
    d = untagged.decide("greet", untagged.context({"size": 1.0}), [Option("wave", "wave BOR", bor)])
    assert d.tiers[0][0] == "wants-to-have"


def test_target_names_need_a_targeted_decision(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(FILE.replace("    target: true\n", ""))
    with pytest.raises(ConfigError, match=r"s\.yaml:11: .*target\.country = BOR: this decision has no target"):
        load_strategies(path, game_features=["size"])
