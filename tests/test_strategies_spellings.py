"""Victoria 3 spellings: tiers written ``should_have`` work wherever ``should-have`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.errors import ConfigError
from gaikit.core.scoring import canonical_tier, tier_rank
from gaikit.strategies.engine import StrategyEngine
from gaikit.strategies.loader import load_strategies

FILE = """\
features: [danger]
strategy_types:
  mood: {}
strategies:
  default: {values: {}}
  calm: {type: mood, weight: 1}
  wary:
    type: mood
    weight: 1
    decisions:
      act:
        fort: {tier: nice_to_have}
decisions:
  act:
    options:
      fort:
        tier: {value: should_have, modifiers: [{if: "danger > 0.5", tier: must_have, desc: "danger"}]}
        tier_decrease: must_not_have
      wait: {tier: wants_to_have}
"""


def test_canonical_tier_maps_only_the_five_tiers():
    assert [canonical_tier(t) for t in ("must_have", "should_have", "wants_to_have", "nice_to_have", "must_not_have")] == [
        "must-have", "should-have", "wants-to-have", "nice-to-have", "must-not-have"]
    assert canonical_tier("should-have") == "should-have"
    assert canonical_tier("shold_have") == "shold_have"  # not a tier: left for the caller to reject
    assert tier_rank("must_not_have", "decrease") == tier_rank("must-not-have", "decrease")
    with pytest.raises(ValueError, match="unknown tier 'shold_have'"):
        tier_rank("shold_have")


def test_a_file_in_victoria_spelling_resolves_to_the_same_tiers(tmp_path: Path):
    path = tmp_path / "v3.yaml"
    path.write_text(FILE)
    engine = StrategyEngine(load_strategies(path), seed=0)
    engine.context({"danger": 0.0})
    engine.active["mood"] = "calm"
    quiet, danger = engine.context({"danger": 0.0}), engine.context({"danger": 0.9})
    assert [t for t, _ in engine.decide("act", quiet).tiers] == ["should-have", "wants-to-have"]
    assert engine.decide("act", danger).tiers[0] == ("must-have", "danger")
    assert engine.decide("act", quiet, direction="decrease").tiers[0][0] == "must-not-have"
    engine.active["mood"] = "wary"
    assert engine.decide("act", quiet).tiers[0][0] == "nice-to-have"


def test_a_misspelt_tier_is_an_error_naming_the_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(FILE.replace("tier: must_have", "tier: must_hav"))
    with pytest.raises(ConfigError, match=r"bad\.yaml:\d+") as info:
        load_strategies(path)
    assert "must_hav" in str(info.value) and "must-have" in str(info.value)


def test_odds_takes_either_spelling(capsys: pytest.CaptureFixture[str]):
    assert main(["odds", "10", "100", "--tier", "must_have", "--tier", "nice-to-have", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [o["exact"] for o in data["options"]] == pytest.approx([1.0, 0.0])
