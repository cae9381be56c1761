"""Derivation chains: every value explained as default -> the country's change -> strategies -> game rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _strategy_toys import lanes  # noqa: F401  (fixture)

from gaikit.cli import main
from gaikit.strategies.derivation import derive_engine_values, derive_values
from gaikit.strategies.engine import StrategyEngine
from gaikit.strategies.explain import explain_decision, format_chain, format_decision
from gaikit.strategies.loader import load_strategies
from gaikit.strategies.schema import MergeEntry
from gaikit.strategies.weights import compile_merge

YAML = """\
rules:
  ai_aggression:
    desc: how aggressive the AI is
    default: standard
    presets: {low: {greed: 0.5}, standard: {}, high: {greed: 1.5, calm: 2.0}}
  harshness:
    desc: how harsh toward players
    default: standard
    presets: {standard: {}, harsh: {greed: 2.0}}
strategy_types:
  mood: {}
  plan: {}
strategies:
  default:
    values:
      greed: {value: 1.0, modifiers: [{if: "rich", add: 0.5, desc: "rich: wants more"}]}
      calm: 3.0
      untouched: 7.0
  greedy: {type: mood, weight: 1, desc: "wants gold", values: {greed: {multiply: {value: 2, modifiers: [{if: "poor", factor: 1.5, desc: "poor: even greedier"}]}}}}
  saver: {type: plan, weight: 1, desc: "saves", values: {greed: {add: -0.25}, calm: 10}}
decisions:
  pick:
    options:
      gold: {score: {value: 1, modifiers: [{add: greed, desc: "greed"}]}}
      rest: {score: calm}
"""


@pytest.fixture()
def toy(tmp_path: Path):
    path = tmp_path / "toy.yaml"
    path.write_text(YAML)
    return load_strategies(path, game_features=["rich", "poor"])


def engine_with(toy, rules=None) -> StrategyEngine:
    engine = StrategyEngine(toy, rules=rules or {}, seed=0)
    engine.set_strategy("mood", "greedy")
    engine.set_strategy("plan", "saver")
    return engine


@pytest.mark.parametrize("rules", [{}, {"ai_aggression": "high", "harshness": "harsh"}, {"ai_aggression": "low"}])
@pytest.mark.parametrize("feats", [{"rich": 1.0, "poor": 0.0}, {"rich": 0.0, "poor": 1.0}])
def test_chain_ends_at_the_engines_value(toy, rules, feats) -> None:
    engine = engine_with(toy, rules)
    chains = derive_engine_values(engine, feats)
    values = engine.values(feats)
    assert set(chains) == set(values)
    for name, chain in chains.items():
        assert chain["value"] == values[name]
        assert chain["steps"][-1]["after"] == values[name]


def test_chain_names_every_step_with_its_desc(toy) -> None:
    engine = engine_with(toy, {"ai_aggression": "high", "harshness": "harsh"})
    chain = derive_engine_values(engine, {"rich": 1.0, "poor": 1.0})["greed"]
    steps = chain["steps"]
    assert [s["source"] for s in steps] == ["default", "strategy", "strategy", "game rule", "game rule"]
    default, greedy, saver, aggression, harsh = steps
    assert default["after"] == 1.5 and default["weight"]["steps"][0]["desc"] == "rich: wants more"
    assert (greedy["strategy"], greedy["type"], greedy["desc"], greedy["mode"]) == ("greedy", "mood", "wants gold", "multiply")
    assert greedy["amount"] == 3.0 and greedy["after"] == 4.5  # x2, x1.5 when poor
    assert greedy["weight"]["steps"][0]["desc"] == "poor: even greedier"
    assert (saver["mode"], saver["amount"], saver["after"]) == ("add", -0.25, 4.25)
    assert (aggression["rule"], aggression["preset"], aggression["desc"], aggression["amount"]) == (
        "ai_aggression", "high", "how aggressive the AI is", 1.5)
    assert (harsh["rule"], harsh["amount"]) == ("harshness", 2.0)
    assert chain["value"] == pytest.approx(4.25 * 1.5 * 2.0)
    calm = derive_engine_values(engine, {"rich": 0.0, "poor": 0.0})["calm"]["steps"]
    assert [s.get("mode") for s in calm] == [None, "override", "multiply"] and calm[-1]["after"] == 20.0
    assert derive_engine_values(engine, {"rich": 0.0, "poor": 0.0})["untouched"]["steps"] == [
        {"source": "default", "after": 7.0, "weight": {"start": 7.0, "steps": [], "value": 7.0}}]
    text = format_chain("greed", chain)
    assert text.startswith("greed = 12.75: default 1 +0.5 \"rich: wants more\" if rich = 1.5; ")
    assert 'strategy greedy (mood) "wants gold": multiply 2 x1.5 "poor: even greedier" if poor = 3 -> 4.5' in text
    assert 'game rule ai_aggression=high "how aggressive the AI is": multiply 1.5 -> 6.375' in text
    assert text.endswith("game rule harshness=harsh \"how harsh toward players\": multiply 2 -> 12.75")


def test_the_countrys_own_change_comes_before_the_strategies(toy) -> None:
    engine = engine_with(toy)
    engine.overrides["greed"] = compile_merge(5.0, ("history",))
    chain = derive_engine_values(engine, {"rich": 0.0, "poor": 0.0})["greed"]
    assert [s["source"] for s in chain["steps"]] == ["default", "country", "strategy", "strategy"]
    assert chain["steps"][1]["mode"] == "override" and chain["value"] == engine.values({"rich": 0.0, "poor": 0.0})["greed"] == 9.75
    assert "; the agent's own change: override 5 -> 5; strategy greedy" in format_chain("greed", chain)
    tagged = StrategyEngine(toy, seed=0, tag="QIN")
    tagged.overrides["calm"] = compile_merge(MergeEntry(add=1.5), ("history",))
    chain = derive_engine_values(tagged, {"rich": 0.0, "poor": 0.0})["calm"]
    assert chain["steps"][1]["tag"] == "QIN" and chain["value"] == tagged.values({"rich": 0.0, "poor": 0.0})["calm"]
    assert "calm = " in format_chain("calm", chain) and "country QIN (its history): add 1.5 -> 4.5" in format_chain("calm", chain)


def test_decision_record_carries_the_values_it_read(toy) -> None:
    engine = engine_with(toy, {"ai_aggression": "high"})
    ctx = engine.context({"rich": 1.0, "poor": 0.0})
    d = engine.decide("pick", ctx)
    chains = derive_values(toy, ctx.env, engine.active, rules=engine.rules, names=["greed", "calm"])
    record = json.loads(json.dumps(explain_decision(d, derivation=chains)))
    assert record["values_read"] == ["calm", "greed"]
    assert record["derivation"]["greed"]["value"] == record["values"]["greed"]
    text = format_decision(record)
    assert "how the values this decision read were made:" in text
    assert "    calm = 20: default 3; strategy saver (plan) \"saves\": override 10 -> 10; game rule ai_aggression=high" in text
    assert '"saves": add -0.25 -> 2.75' in text
    assert "untouched" not in text
    assert "how the values were made:" in format_decision(record, values=True)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_shows_derivation_text_and_json(capsys, tmp_path: Path, lanes: Path) -> None:
    code, out, err = run(capsys, "explain", "--game", "lanes", "--steps", "3", "--rule", "ai_aggression=high", "--json")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    for record in records:
        assert record["values_read"] == ["greed"]
        chain = record["derivation"]["greed"]
        assert chain["value"] == record["values"]["greed"]
        assert chain["steps"][0]["source"] == "default" and chain["steps"][-1]["rule"] == "ai_aggression"
    run_dir = tmp_path / "run"
    code, _, err = run(capsys, "run", "lanes", "--agent", "strategy", "--steps", "20", "--run-dir", run_dir,
                       "--set", "train.eval_episodes=1", "--set", "strategy.rules.ai_aggression=high")
    assert code == 0, err
    code, out, err = run(capsys, "explain", run_dir, "--last", "1", "--where", "kind=decision")
    assert code == 0, err
    assert "how the values this decision read were made:" in out
    assert "    greed = " in out and 'game rule ai_aggression=high: multiply 2 ->' in out
    saved = [json.loads(line) for line in (run_dir / "explain.jsonl").read_text().splitlines()]
    decisions = [r for r in saved if r["kind"] == "decision"]
    assert decisions and all(np.isclose(r["derivation"]["greed"]["value"], r["values"]["greed"]) for r in decisions)
