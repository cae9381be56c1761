"""The agent conditions ``has_strategy = ID`` and ``has_game_rule = RULE:PRESET``: parsing, checks, evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaikit.core.errors import ConfigError
from gaikit.strategies.engine import StrategyEngine
from gaikit.strategies.loader import load_strategies
from gaikit.strategies.triggers import TriggerError, parse_trigger

FILE = """\
features: [danger]
rules:
  ai_aggression:
    default: standard
    presets: {low: {}, standard: {}, high: {}}
strategy_types:
  mood: {}
strategies:
  default:
    values:
      courage:
        value: 1
        modifiers:
          - {if: "has_game_rule = ai_aggression:high", add: 10, desc: "high aggression"}
  calm: {type: mood, weight: 1}
  bold:
    type: mood
    weight: {value: 1, modifiers: [{if: "has_strategy = bold", factor: 100, desc: "keeps itself"}]}
decisions:
  act:
    options:
      attack:
        tier: {value: wants-to-have, modifiers: [{if: "not has_strategy = bold", tier: must-not-have, desc: "only the bold"}]}
      wait: {}
"""


def _load(tmp_path: Path, text: str = FILE):
    path = tmp_path / "flags.yaml"
    path.write_text(text)
    return load_strategies(path)


@pytest.mark.parametrize("text, flags, expected", [
    ("has_strategy = bold", {"has_strategy:bold": 1.0}, True),
    ("has_strategy = bold", {"has_strategy:calm": 1.0}, False),
    ("has_game_rule = ai_aggression:high and danger > 0.5", {"has_game_rule:ai_aggression:high": 1.0}, True),
    ("not has_game_rule == ai_aggression:high", {"has_game_rule:ai_aggression:low": 1.0}, True),
    ({"has_game_rule": "ai_aggression:low"}, {"has_game_rule:ai_aggression:low": 1.0}, True),
    ({"has_strategy": "calm"}, {}, False),
])
def test_flag_conditions_read_the_flags(text, flags, expected):
    node = parse_trigger(text)
    assert node.compile()({"danger": 0.9, **flags}) is expected
    assert parse_trigger(node.text()) == node  # the text round-trips


@pytest.mark.parametrize("bad, message", [
    ("has_game_rule = ai_aggression", "':' between the rule and its preset"),
    ("has_strategy > 1", "'=' after has_strategy"),
    ("has_strategy = 3", "a name after has_strategy"),
    ("danger : 1", "'and', 'or' or the end"),
    ({"has_strategy": 3}, "takes a name"),
])
def test_malformed_flag_conditions_say_what_was_expected(bad, message):
    with pytest.raises(TriggerError, match=message):
        parse_trigger(bad)


@pytest.mark.parametrize("old, new, expect", [
    ("has_strategy = bold\", factor", "has_strategy = brave\", factor", "has_strategy = brave: no such strategy; strategies: calm, bold"),
    ("ai_aggression:high", "ai_agression:high", "no such game rule; rules: ai_aggression"),
    ("ai_aggression:high", "ai_aggression:extreme", "rule 'ai_aggression' has no preset 'extreme'; presets: low, standard, high"),
])
def test_unknown_strategies_rules_and_presets_name_file_and_line(tmp_path, old, new, expect):
    text = FILE.replace(old, new)
    with pytest.raises(ConfigError, match=expect) as info:
        _load(tmp_path, text)
    assert "flags.yaml:" in str(info.value)


def test_engine_contexts_carry_active_strategies_and_rule_presets(tmp_path):
    strategies = _load(tmp_path)
    high = StrategyEngine(strategies, rules={"ai_aggression": "high"}, seed=0)
    default = StrategyEngine(strategies, seed=0)
    assert high.context({"danger": 0.0}).values["courage"] == 11.0
    assert default.context({"danger": 0.0}).values["courage"] == 1.0  # the default preset: standard
    assert default.context({"danger": 0.0}).env["has_game_rule:ai_aggression:standard"] == 1.0
    for mood, attack in (("calm", "must-not-have"), ("bold", "wants-to-have")):
        default.active["mood"] = mood
        d = default.decide("act", default.context({"danger": 0.0}))
        assert d.tiers[0][0] == attack


def test_strategy_weights_see_the_active_strategy_when_rolled(tmp_path):
    engine = StrategyEngine(_load(tmp_path), seed=1)
    engine.context({"danger": 0.0})
    engine.active["mood"] = "bold"
    kept = sum(engine.roll("mood", engine.context({"danger": 0.0}).env) == "bold" for _ in range(20))
    assert kept == 20  # weight x100 while bold: the roll keeps it every time


POSSIBLE = FILE.replace("  calm: {type: mood, weight: 1}", "  calm: {type: mood, weight: 1000, possible: \"danger < 0.5\"}")


def test_possible_bars_a_strategy_from_rolls_while_false(tmp_path):
    from gaikit.strategies.explain import format_record

    engine = StrategyEngine(_load(tmp_path, POSSIBLE), seed=0)
    engine.context({"danger": 0.0})
    calm = [engine.roll("mood", engine.context({"danger": 0.0}).env) for _ in range(10)]
    assert calm.count("calm") >= 9  # weight 1000 against 1 (or x100 while bold)
    danger = [engine.roll("mood", engine.context({"danger": 0.9}).env) for _ in range(10)]
    assert danger == ["bold"] * 10
    entry = engine.history[-1]
    assert entry["roll"]["possible"] == {"calm": False, "bold": True}
    record = {"kind": "strategy_change", **entry}
    assert "not possible: calm" in format_record(record)


def test_when_nothing_is_possible_the_active_strategy_stays(tmp_path):
    text = POSSIBLE.replace("    weight: {value: 1, modifiers: [{if: \"has_strategy = bold\"", "    possible: \"danger < 0.5\"\n    weight: {value: 1, modifiers: [{if: \"has_strategy = bold\"")
    engine = StrategyEngine(_load(tmp_path, text), seed=0)
    engine.context({"danger": 0.9})  # the start: nothing possible, so the roll takes every strategy
    first = engine.active["mood"]
    assert engine.roll("mood", engine.context({"danger": 0.9}).env) == first
    assert engine.history[-1]["cause"] == "roll (no strategy possible)"


def test_possible_names_are_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"flags\.yaml:\d+: strategies\.calm\.possible: unknown name 'dangr'"):
        _load(tmp_path, POSSIBLE.replace('possible: "danger < 0.5"', 'possible: "dangr < 0.5"'))
    with pytest.raises(ConfigError, match="has_strategy = brave: no such strategy"):
        _load(tmp_path, POSSIBLE.replace('possible: "danger < 0.5"', 'possible: "has_strategy = brave"'))
