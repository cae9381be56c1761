"""``gaikit run``, ``gaikit eval`` and ``gaikit plugins`` on good input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.checkpoint import checkpoint_dirs
from gaikit.core.config import load_resolved_config

TINY = ["--steps", "40", "--set", "train.learning_starts=10", "--set", "train.batch_size=8",
        "--set", "train.eval_every=20", "--set", "train.eval_episodes=2", "--set", "train.checkpoint_every=20",
        "--set", "train.log_every=20", "--set", "train.threads=1", "--set", "encoder.hidden=[8]"]


@pytest.fixture(scope="module")
def default_dir_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run started without --run-dir, from a scratch working directory."""
    cwd = tmp_path_factory.mktemp("cwd")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        assert main(["run", "CartPole-v1", "--learner", "ddqn", "--seed", "3", *TINY,
                     "--set", "learner.n_step=2", "--set", "memory.n_step=1"]) == 0
    (run_dir,) = (cwd / "runs").iterdir()
    return run_dir


def test_default_run_dir_name_and_saved_config(default_dir_run):
    assert re.fullmatch(r"CartPole-v1-ddqn-\d{8}-\d{6}", default_dir_run.name)
    config = load_resolved_config(default_dir_run / "config.yaml")
    assert config.game.options["env_id"] == "CartPole-v1" and config.learner.name == "ddqn"
    assert (config.train.steps, config.train.seed, config.encoder.options["hidden"]) == (40, 3, [8])
    # The memory builds the learner's n-step returns, and the saved config says so.
    assert config.memory.options["n_step"] == config.learner.options["n_step"] == 2
    assert {p.name for p in default_dir_run.iterdir()} >= {
        "config.yaml", "metrics.jsonl", "episodes.csv", "checkpoints", "plots", "tb"}
    rows = [json.loads(line) for line in (default_dir_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["kind"] == "eval"] == [20, 40]
    assert [step for step, _ in checkpoint_dirs(default_dir_run)] == [40, 20]


def test_eval_prints_summary_of_greedy_episodes(default_dir_run, capsys):
    assert main(["eval", str(default_dir_run), "--episodes", "3", "--seed", "11"]) == 0
    out = capsys.readouterr().out
    assert "step_40, 3 greedy episodes (seed 11)" in out
    assert re.search(r"mean [\d.]+  std [\d.]+  min [\d.]+  max [\d.]+", out)
    # Same checkpoint, same seed: same numbers.
    assert main(["eval", str(default_dir_run), "--episodes", "3", "--seed", "11"]) == 0
    assert capsys.readouterr().out == out


def test_eval_json_holds_every_episode_and_the_printed_summary(default_dir_run, tmp_path, capsys):
    path = tmp_path / "eval.json"
    assert main(["eval", str(default_dir_run), "--episodes", "4", "--seed", "11", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    record = json.loads(path.read_text())
    assert (record["checkpoint"], record["step"], record["seed"], record["policy"]) == ("step_40", 40, 11, "greedy")
    assert len(record["returns"]) == len(record["lengths"]) == 4 == record["summary"]["episodes"]
    assert record["summary"]["mean"] == pytest.approx(sum(record["returns"]) / 4)
    assert record["returns"] == record["lengths"]  # CartPole: +1 per step
    assert f"mean {record['summary']['mean']:.2f}" in out
    assert main(["eval", str(default_dir_run), "--json", str(tmp_path / "nowhere" / "e.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--json" in err and "does not exist" in err and len(err.splitlines()) == 1


def test_resume_with_more_steps_trains_longer(default_dir_run, tmp_path, capsys):
    import shutil

    run_dir = tmp_path / "longer"
    shutil.copytree(default_dir_run, run_dir)
    assert main(["run", "--resume", str(run_dir), "--steps", "60"]) == 0
    assert "resuming" in capsys.readouterr().out
    assert checkpoint_dirs(run_dir)[0][0] == 60
    assert load_resolved_config(run_dir / "config.yaml").train.steps == 60
    steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps.count(40) == 2  # one train row and one eval row at step 40


def test_plugins_table_lists_every_kind(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == ["KIND", "NAME", "PLUGIN", "VERSION", "DESCRIPTION"]
    listed = {tuple(row.split()[:3]) for row in rows if row.strip()}
    assert ("learner", "ddqn", "builtin-learners") in listed
    assert ("game", "gymnasium", "builtin-games") in listed
    assert ("encoder", "vector", "builtin-encoders") in listed


def test_help_text_comes_from_field_descriptions(capsys):
    from gaikit.core.config import TrainConfig

    assert main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for field in ("steps", "seed", "envs"):
        description = TrainConfig.model_fields[field].description
        assert " ".join(description.split()[:4]) in out
