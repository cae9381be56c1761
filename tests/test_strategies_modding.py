"""Modding surface: options the game does not offer are refused; inject replaces entries by id."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaikit.core.errors import ConfigError
from gaikit.plugins.games.realm.offers import OFFERED
from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.strategies.engine import Option, StrategyEngine
from gaikit.strategies.loader import load_strategies


def _mod(tmp_path: Path, text: str, name: str = "mod.yaml") -> str:
    path = tmp_path / name
    path.write_text("mode: inject\ngame: realm\n" + text)
    return str(path)


# -- options declared in YAML must be offered by the game ---------------------------------------------------------

@pytest.mark.parametrize("text, expect", [
    ("decisions:\n  spending:\n    options:\n      port: {score: 5}\n",
     r"mod\.yaml:6: decisions\.spending\.options\.port: the game never offers option 'port' to decision 'spending'; "
     r"it offers: farm, mine, workshop, barracks, admin, subsidy"),
    ("decisions:\n  desire:\n    options:\n      vassalize: {score: 5}\n",
     r"mod\.yaml:6: .*never offers option 'vassalize' to decision 'desire'; it offers: befriend, reconcile"),
    ("decisions:\n  trade:\n    options:\n      sell: {score: 5}\n",
     r"mod\.yaml:4: decisions\.trade: the game never makes a decision 'trade'; its decisions: spending, politics"),
])
def test_options_the_game_never_offers_fail_validation(tmp_path, text, expect):
    with pytest.raises(ConfigError, match=expect):
        load_realm_strategies(None, [_mod(tmp_path, text)])


def test_an_offered_option_or_decision_left_out_fails_validation(tmp_path):
    replace = "mode: replace\ngame: realm\ndecisions:\n  war_goal:\n    options:\n      tribute: {score: 1}\n"
    path = tmp_path / "drop.yaml"
    path.write_text(replace)
    with pytest.raises(ConfigError, match="the game offers option 'conquer_state' to decision 'war_goal'; declare it"):
        load_realm_strategies(None, [str(path)])


def test_player_action_takes_any_options_and_other_games_are_unchecked(tmp_path):
    assert OFFERED["player_action"] is None
    strategies = load_realm_strategies(None, [_mod(tmp_path, "decisions:\n  player_action:\n    options:\n      pray: {action: 0, score: 1}\n")])
    assert "pray" in strategies.decisions["player_action"].options
    plain = tmp_path / "plain.yaml"
    plain.write_text("decisions:\n  anything:\n    options:\n      goes: {}\n")
    assert "goes" in load_strategies(plain).decisions["anything"].options


def test_the_cli_refuses_an_unoffered_option(tmp_path, capsys):
    from gaikit.cli import main

    mod = _mod(tmp_path, "decisions:\n  politics:\n    options:\n      abolish_monarchy: {score: 50}\n")
    assert main(["strategy", "validate", mod]) != 0
    err = capsys.readouterr().err
    assert "never offers option 'abolish_monarchy' to decision 'politics'" in err
    assert "status_quo, raise_taxes, lower_taxes, raise_conscription, lower_conscription" in err
    assert "Traceback" not in err


# -- inject replaces a named modifier or block by id ---------------------------------------------------------------

BASE = """\
features: [danger]
strategy_types:
  mood: {}
strategies:
  default:
    values:
      courage: {value: 10, modifiers: [{id: fear, if: "danger > 0.5", factor: 0.5, desc: "afraid"}, {add: 1, desc: "pride"}]}
  calm: {type: mood, weight: 1}
decisions:
  act:
    options:
      fort:
        tier: {id: fort_tier, value: wants-to-have, modifiers: [{id: danger, if: "danger > 0.5", tier: must-have, desc: "danger"}]}
"""


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    return path


def _engine(base: Path, *mods: Path) -> StrategyEngine:
    engine = StrategyEngine(load_strategies(base, list(mods)), seed=0)
    engine.context({"danger": 0.0})
    return engine


def test_a_modifier_with_a_known_id_is_replaced_in_place(base, tmp_path):
    mod = tmp_path / "brave.yaml"
    mod.write_text("strategies:\n  default:\n    values:\n      courage: {modifiers: [{id: fear, if: \"danger > 0.5\", factor: 0.9, desc: \"brave\"}, {add: 5, desc: \"new\"}]}\n")
    engine = _engine(base, mod)
    assert engine.context({"danger": 0.9}).values["courage"] == pytest.approx(10 * 0.9 + 1 + 5)
    assert engine.context({"danger": 0.0}).values["courage"] == pytest.approx(16)
    assert _engine(base).context({"danger": 0.9}).values["courage"] == pytest.approx(6)


def test_a_tier_block_with_the_same_id_is_replaced_whole(base, tmp_path):
    merge = tmp_path / "merge.yaml"
    merge.write_text("decisions:\n  act:\n    options:\n      fort:\n        tier: {value: nice-to-have, modifiers: [{if: \"danger > 0.8\", tier: should-have}]}\n")
    whole = tmp_path / "whole.yaml"
    whole.write_text("decisions:\n  act:\n    options:\n      fort:\n        tier: {id: fort_tier, value: nice-to-have, modifiers: [{if: \"danger > 0.8\", tier: should-have}]}\n")
    expected = {merge: ["nice-to-have", "must-have", "should-have"],   # merged: the base's modifier stays
                whole: ["nice-to-have", "nice-to-have", "should-have"]}  # replaced: only the mod's modifier
    for mod, tiers in expected.items():
        engine = _engine(base, mod)
        assert [engine.decide("act", engine.context({"danger": d})).tiers[0][0] for d in (0.0, 0.6, 0.9)] == tiers


def test_duplicate_ids_in_one_list_are_an_error_naming_the_line(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(BASE.replace("{add: 1, desc: \"pride\"}", "{id: fear, add: 1, desc: \"pride\"}"))
    with pytest.raises(ConfigError, match=r"dup\.yaml:7: .*two modifiers have the id 'fear'"):
        load_strategies(path)


def test_the_shipped_lenient_rule_can_be_replaced_by_id(tmp_path):
    mod = _mod(tmp_path, "decisions:\n  desire:\n    options:\n      conquer:\n        tier:\n          modifiers:\n"
                         "            - {id: lenient_homeland, if: \"t_is_player and has_game_rule = behaviour_toward_players:harsh\",\n"
                         "               tier: should-have, desc: \"harsh: the player's land first\"}\n")
    strategies = load_realm_strategies(None, [mod])
    mods = strategies.decisions["desire"].options["conquer"].tier.modifiers
    assert [m[3] for m in mods] == ["no common border", "harsh: the player's land first"]
    engine = StrategyEngine(strategies, rules={"behaviour_toward_players": "harsh"}, seed=0)
    from gaikit.plugins.games.realm.features import FEATURES

    ctx = engine.context(dict.fromkeys(FEATURES, 0.0))
    feats = {"t_relations": 0.0, "t_strength": 1.0, "t_gdp_ratio": 1.0, "t_bankrupt": 0.0, "t_neighbour": 1.0,
             "t_is_player": 1.0, "t_infamy": 0.0, "t_claim": 0.0, "t_foreign_land": 0.0}
    assert engine.decide("desire", ctx, [Option("conquer", "c", feats)]).tiers[0] == ("should-have", "harsh: the player's land first")
