"""Once installed, gaikit lists the game, plays it with the strategy agent and learns it with DDQN."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import gaikit
from gaikit.cli import main


def test_gaikit_plugins_lists_the_game_and_its_strategies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ours = {(c["kind"], c["name"]) for c in listed["components"] if c["plugin"] == "gaikit-game-example"}
    assert ours == {("game", "catch"), ("strategy", "catch")}
    assert listed["failed"] == []


def test_config_show_takes_the_defaults_from_the_shipped_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "catch", "--json"]) == 0
    shown = capsys.readouterr().out
    assert "catch_defaults.yaml" in shown and '"ddqn"' in shown


def test_the_strategy_agent_catches_the_fruit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "strategy"
    assert main(["run", "catch", "--agent", "strategy", "--steps", "400", "--run-dir", str(run_dir),
                 "--set", "train.eval_episodes=3", "--set", "strategy.rules.ai_greed=high"]) == 0
    capsys.readouterr()
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["strategy"]["rules"] == {"ai_greed": "high"}
    evals = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()
             if '"kind": "eval"' in line]
    assert evals and evals[-1]["mean"] >= 12.0, "about 20 fruits fall per episode; random play scores about 2"
    assert main(["explain", str(run_dir), "--json"]) == 0
    assert "the fruit falls" in capsys.readouterr().out


def test_ddqn_learns_to_catch_through_the_python_api(tmp_path: Path) -> None:
    run = gaikit.train("catch", steps=3000, seed=0, run_dir=tmp_path / "ddqn",
                       eval_every=3000, eval_episodes=5, checkpoint_every=3000)
    assert run.status == "finished" and run.final_eval is not None
    assert run.final_eval["mean"] >= 12.0, run.final_eval  # random play: 2.4 ± 2.6 over 30 episodes
    agent = gaikit.load(run.dir)
    action = agent.predict(np.array([2, 0, 6, 0, 3], np.float32))
    assert action == 1, "a fruit one row above the floor, two columns to the left: move left"


def test_a_bad_game_option_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "catch", "--set", "game.width=12"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gaikit: error:") and "width 12 needs height >= 12" in err and "\n" not in err
