"""Once installed, gaikit lists the plugin's components and trains with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gaikit.cli import main


def test_gaikit_plugins_lists_the_components(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ours = {(c["kind"], c["name"]) for c in listed["components"] if c["plugin"] == "gaikit-plugin-example"}
    assert ours == {("encoder", "resmlp"), ("selector", "boltzmann")}
    assert listed["failed"] == []


def test_gaikit_run_trains_with_the_plugin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    code = main([
        "run", "CartPole-v1", "--learner", "ddqn", "--encoder", "resmlp", "--selector", "boltzmann",
        "--steps", "400", "--run-dir", str(run_dir),
        "--set", "train.learning_starts=100", "--set", "train.eval_episodes=2",
        "--set", "encoder.width=16", "--set", "selector.schedule=exponential",
    ])
    assert code == 0
    out = capsys.readouterr().out
    assert "encoder resmlp" in out and "selector boltzmann" in out
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["selector"] == {
        "name": "boltzmann",
        "options": {"start_temperature": 1.0, "end_temperature": 0.05, "decay_steps": 10_000, "schedule": "exponential"},
    }
    assert config["encoder"]["options"]["width"] == 16
    assert list((run_dir / "checkpoints").iterdir()), "the run wrote a checkpoint (selector state included)"


def test_a_typo_in_the_plugins_options_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "CartPole-v1", "--selector", "boltzmann", "--set", "selector.temperature=3"]) == 2
    assert capsys.readouterr().err.strip() == "gaikit: error: --set: selector.boltzmann.temperature: unknown field"
