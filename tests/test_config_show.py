"""``gaikit config show GAME``: every resolved field with its value, description and source layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gaikit.cli import main


def show(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    """``gaikit config show ... --json`` as {path: row}."""
    assert main(["config", "show", *args, "--json"]) == 0
    return {row["path"]: row for row in json.loads(capsys.readouterr().out)}


def test_sources_name_each_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = tmp_path / "my.yaml"
    user.write_text("train:\n  batch_size: 64\n")
    rows = show(capsys, "Pendulum-v1", "--learner", "sac", "--config", str(user), "--set", "learner.gamma=0.95")
    assert rows["learner.alpha_init"]["source"] == "pydantic default"
    assert rows["train.envs"]["source"].startswith("game defaults (") and "gymnasium_defaults.yaml" in rows["train.envs"]["source"]
    assert rows["learner.actor_lr"]["source"].startswith("zoo (") and "Pendulum-v1__sac.yaml" in rows["learner.actor_lr"]["source"]
    assert rows["train.batch_size"] == {"path": "train.batch_size", "value": 64, "source": f"--config ({user})",
                                        "description": "Transitions per gradient step."}
    assert rows["learner.gamma"]["source"] == "--set learner.gamma=0.95" and rows["learner.gamma"]["value"] == 0.95
    assert rows["game.env_id"]["source"] == "GAME argument"
    assert rows["components.learner"]["source"] == "--learner sac"
    assert rows["components.selector"]["value"] == "gaussian" and rows["components.selector"]["source"].startswith("zoo (")
    assert rows["learner.gamma"]["description"] == "Discount factor."
    assert all(row["description"] for row in rows.values())


def test_unknown_env_shows_generic_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    rows = show(capsys, "FrozenLake-v1", "--learner", "tqc")
    assert rows["components.selector"]["value"] == "gaussian"
    assert "generic__tqc.yaml" in rows["learner.actor_lr"]["source"]


def test_text_output_lists_value_source_and_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "CartPole-v1", "--set", "train.steps=500"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.strip().startswith("train.steps "))
    assert "500" in line and "<- --set train.steps=500" in line
    assert "Environment steps to run, summed over all envs." in out
    assert "[learner]" in out and "zoo (" in out  # CartPole-v1__ddqn.yaml restates the zoo values


def test_bad_input_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  steps: -3\n")
    assert main(["config", "show", "Pendulum-v1", "--learner", "sac", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"{bad}:2" in err and "train.steps" in err
