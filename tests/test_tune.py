"""``gaikit tune`` on Ray Tune: a 4-trial Optuna + ASHA tune interrupted and resumed, its results, bad input.

The end-to-end test runs the CLI as a user does, in a subprocess (it starts
its own local Ray on this 2-CPU machine), stops it with Ctrl-C (SIGINT) once
the second trial has a checkpoint, and continues it with ``--resume``.
Trials are short CartPole DDQN runs (2,000 steps, a small network) that do
learn, so ASHA has something to rank. The space-file and config checks need
no Ray and run in-process.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.registry import get_registry
from gaikit.core.run_events import Evaluated, TrainLogged
from gaikit.experiments.tune_space import read_space
from gaikit.experiments.tune_trial import TuneReporter
from gaikit.resolve import resolve_cli_config

pytest.importorskip("ray.tune")
pytest.importorskip("optuna")

SPACE = """\
learner.lr: {distribution: loguniform, low: 1.0e-4, high: 3.0e-3}
learner.n_step: {distribution: choice, values: [1, 3]}
selector.end_epsilon: {distribution: uniform, low: 0.01, high: 0.1}
"""
TUNE = ["--learner", "ddqn", "--trials", "4", "--budget", "2000", "--max-concurrent", "1",
        "--set", "train.learning_starts=200", "--set", "encoder.hidden=[32]"]


def _trials(exp: Path) -> list[dict[str, str]]:
    with (exp / "trials.csv").open() as handle:
        return list(csv.DictReader(handle))


def _gaikit(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from gaikit.cli import main; sys.exit(main(sys.argv[1:]))", *args]


def test_four_trial_optuna_asha_tune_is_interrupted_resumed_and_writes_a_usable_best_config(tmp_path):
    space, exp, log = tmp_path / "space.yaml", tmp_path / "exp", tmp_path / "first.log"
    space.write_text(SPACE)
    args = ["tune", "CartPole-v1", "--space", str(space), "--out", str(exp), *TUNE]
    with log.open("w") as out:
        process = subprocess.Popen(_gaikit(*args), stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
        deadline = time.monotonic() + 240
        second = None
        while time.monotonic() < deadline and process.poll() is None:
            starts = [line.split()[1].rstrip(":") for line in log.read_text().splitlines() if line.startswith("start ")]
            if len(starts) >= 2:
                second = starts[1]
                if list((exp / "runs" / second / "checkpoints").glob("step_*")):
                    break
            time.sleep(0.2)
        assert second is not None and process.poll() is None, log.read_text()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130, log.read_text()
    first_out = log.read_text()
    rows = {row["trial"]: row for row in _trials(exp)}
    assert rows[second]["status"] == "interrupted", first_out
    first = next(trial for trial in rows if trial != second and rows[trial]["status"] != "not run")
    assert rows[first]["status"] in ("finished", "stopped early")
    assert "continue with gaikit tune --resume" in first_out
    finished_metrics = (exp / "runs" / first / "metrics.jsonl").read_bytes()

    resumed = subprocess.run(_gaikit("tune", "--resume", str(exp)), capture_output=True, text=True, cwd=tmp_path,
                             timeout=400)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "continuing the tune" in resumed.stdout
    assert f"start   {first}" not in resumed.stdout  # an ended trial is not run again ...
    assert (exp / "runs" / first / "metrics.jsonl").read_bytes() == finished_metrics
    assert "resuming" in (exp / "logs" / f"{second}.log").read_text()  # ... an interrupted one resumes its run

    rows = {row["trial"]: row for row in _trials(exp)}
    assert len(rows) == 4 and {r["status"] for r in rows.values()} <= {"finished", "stopped early"}, rows
    stopped = [r for r in rows.values() if r["status"] == "stopped early"]
    assert stopped and all(500 <= int(r["step"]) < 2000 for r in stopped)  # ASHA: a rung at 1/4 of the budget
    finished = [r for r in rows.values() if r["status"] == "finished"]
    assert finished and all(int(r["step"]) == 2000 for r in finished)
    for trial, row in rows.items():  # the table's figure is the trial's last greedy evaluation in its run
        evals = [json.loads(line) for line in (exp / "runs" / trial / "metrics.jsonl").read_text().splitlines()
                 if '"eval"' in line]
        evals = [e for e in evals if e.get("kind") == "eval" and e["step"] <= int(row["step"])]
        assert float(row["eval_mean"]) == pytest.approx(evals[-1]["mean"], abs=1e-3)
    # best first; equal final figures (a cap) go to the higher mean over the trial's evaluations
    for row in rows.values():
        evals = [json.loads(line) for line in (exp / "runs" / row["trial"] / "metrics.jsonl").read_text().splitlines()
                 if '"eval"' in line]
        means = [e["mean"] for e in evals if e.get("kind") == "eval" and e["step"] <= int(row["step"])]
        assert float(row["eval_curve_mean"]) == pytest.approx(sum(means) / len(means), rel=1e-5)
    best = max(finished, key=lambda r: (float(r["eval_mean"]), float(r["eval_curve_mean"])))
    assert _trials(exp)[0]["trial"] == best["trial"]

    # the best config is a file `gaikit run --config` takes, holding the best trial's values
    best_file = exp / "best_config.yaml"
    resolved = resolve_cli_config(get_registry(), "CartPole-v1", config_file=best_file, choices={},
                                  train_flags={}, overrides=[])
    options = resolved.learner.options
    assert resolved.learner.name == "ddqn" and resolved.train.steps == 2000
    assert options["lr"] == pytest.approx(float(best["learner.lr"]), rel=1e-9)
    assert options["n_step"] == int(best["learner.n_step"])
    assert resolved.selector.options["end_epsilon"] == pytest.approx(float(best["selector.end_epsilon"]), rel=1e-9)
    assert resolved.train.learning_starts == 200 and resolved.encoder.options["hidden"] == [32]


def test_space_file_mistakes_name_the_file_and_line(tmp_path):
    cases = {
        "learner.lr: {distribution: normal, low: 0.1, high: 0.2}\n": "expected one of uniform, loguniform, int, choice",
        "learner.lr: {distribution: uniform, low: 0.2, high: 0.1}\n": "low (0.2) must be below high (0.1)",
        "learner.lr: {distribution: loguniform, low: 0.0, high: 0.1}\n": "a log scale needs low above 0",
        "learner.n_step: {distribution: int, low: 1.5, high: 5}\n": "whole-number bounds",
        "learner.n_step: {distribution: choice, values: []}\n": "non-empty list",
        "learner.n_step: {distribution: choice, values: [1, 1]}\n": "listed twice",
        "learner.lr: {distribution: uniform, low: 0.1, high: 0.2, step: 3}\n": "unknown key 'step'",
        "lr: {distribution: uniform, low: 0.1, high: 0.2}\n": "is not a config path",
        "learner.lr: 0.001\n": "expected a mapping",
    }
    for text, expected in cases.items():
        path = tmp_path / "space.yaml"
        path.write_text("# a comment first\n" + text)
        with pytest.raises(Exception) as caught:
            read_space(path)
        assert expected in str(caught.value) and f"{path}:2" in str(caught.value), (text, str(caught.value))


@pytest.mark.parametrize("text, expected", [
    ("learner.nope: {distribution: uniform, low: 0.1, high: 0.2}", "learner.ddqn.nope: unknown field"),
    ("selector.end_epsilon: {distribution: uniform, low: 0.1, high: 2.0}", "less than or equal to 1"),
    ("learner.n_step: {distribution: uniform, low: 1, high: 5}", "learner.n_step takes whole numbers"),
    ("learner.lr: {distribution: choice, values: [[0.1], [0.2]]}", "Optuna chooses among plain values"),
])
def test_space_checked_against_the_config_before_any_trial(text, expected, tmp_path, capsys):
    space = tmp_path / "space.yaml"
    space.write_text("learner.lr: {distribution: loguniform, low: 1.0e-4, high: 1.0e-3}\n" + text + "\n")
    code = main(["tune", "CartPole-v1", "--learner", "ddqn", "--space", str(space), "--trials", "2",
                 "--out", str(tmp_path / "exp")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and expected in err and f"{space}:2" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "exp").exists()


def test_other_bad_arguments_are_one_line(tmp_path, capsys):
    space = tmp_path / "space.yaml"
    space.write_text("learner.lr: {distribution: uniform, low: 0.0001, high: 0.001}\n")
    base = ["tune", "CartPole-v1", "--learner", "ddqn", "--space", str(space), "--out", str(tmp_path / "exp")]
    cases = [
        ([*base, "--trials", "4", "--search", "grid"], "distribution: choice"),
        ([*base, "--trials", "4", "--search", "bayes"], "--search 'bayes': expected one of optuna, random, grid"),
        ([*base, "--trials", "4", "--metric", "reward"], "--metric 'reward': expected one of eval_mean"),
        ([*base, "--trials", "0"], "--trials 0: must be at least 1"),
        ([*base, "--trials", "4", "--set", "train.eval_every=0"], "needs evaluations during training"),
        ([*base, "--trials", "4", "--budget", "0"], "--budget 0: must be at least 1"),
        ([*base], "missing --trials"),
        (["tune", "CartPole-v1", "--trials", "4"], "missing --space"),
        (["tune", "--resume", str(tmp_path)], "not a tune's experiment directory"),
    ]
    for args, expected in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1, (args, err)
    choice = tmp_path / "grid.yaml"
    choice.write_text("learner.n_step: {distribution: choice, values: [1, 3]}\n"
                      "learner.lr: {distribution: choice, values: [0.001, 0.0005, 0.0001]}\n")
    assert main(["tune", "CartPole-v1", "--space", str(choice), "--search", "grid", "--trials", "5"]) == 2
    assert "--search grid runs every combination once, 6 trials" in capsys.readouterr().err


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_grid_search_runs_every_combination_once(local_ray, tmp_path, capsys):
    space = tmp_path / "space.yaml"
    space.write_text("learner.n_step: {distribution: choice, values: [1, 3]}\n"
                     "learner.gamma: {distribution: choice, values: [0.9, 0.99]}\n")
    exp = tmp_path / "exp"
    code = main(["tune", "CartPole-v1", "--learner", "ddqn", "--space", str(space), "--search", "grid",
                 "--scheduler", "none", "--budget", "400", "--set", "train.learning_starts=100",
                 "--set", "encoder.hidden=[8]", "--out", str(exp)])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = _trials(exp)
    cells = sorted((int(r["learner.n_step"]), float(r["learner.gamma"])) for r in rows)
    assert cells == [(1, 0.9), (1, 0.99), (3, 0.9), (3, 0.99)]
    assert all(r["status"] == "finished" and r["step"] == "400" for r in rows)
    for row in rows:  # each trial trained with its cell's values
        config = (exp / "runs" / row["trial"] / "config.yaml").read_text()
        assert f"n_step: {row['learner.n_step']}" in config and f"gamma: {row['learner.gamma']}" in config


def test_too_many_concurrent_trials_for_the_cluster_is_one_line(local_ray, tmp_path, capsys):
    space = tmp_path / "space.yaml"
    space.write_text("learner.lr: {distribution: uniform, low: 0.0001, high: 0.001}\n")
    code = main(["tune", "CartPole-v1", "--learner", "ddqn", "--space", str(space), "--trials", "3",
                 "--max-concurrent", "3", "--out", str(tmp_path / "exp")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "room for 2 trials of 1 CPU at once; pass at most 2" in err and len(err.splitlines()) == 1


def test_reporter_sends_only_its_runs_metric(tmp_path):
    reports: list[dict] = []
    mine, other = tmp_path / "mine", tmp_path / "other"
    evaluation = dict(episodes=5, mean=123.5, std=4.0, min=118.0, max=130.0, mean_length=123.5)
    TuneReporter(mine, "eval_mean", reports.append).gaikit_run_event(
        Evaluated(step=400, summary=evaluation, returns=[123.5] * 5, run_dir=other))
    TuneReporter(mine, "eval_mean", reports.append).gaikit_run_event(
        TrainLogged(step=400, values={"mean_return_100": 40.0}, run_dir=mine))
    assert reports == []
    TuneReporter(mine, "eval_mean", reports.append).gaikit_run_event(
        Evaluated(step=400, summary=evaluation, returns=[123.5] * 5, run_dir=mine))
    TuneReporter(mine, "train_mean_100", reports.append).gaikit_run_event(
        TrainLogged(step=500, values={"mean_return_100": 40.0}, run_dir=mine))
    assert reports == [{"step": 400, "eval_mean": 123.5, "eval_std": 4.0, "eval_episodes": 5},
                       {"step": 500, "train_mean_100": 40.0}]
    assert os.path.isabs(str(TuneReporter(Path("rel"), "eval_mean", reports.append).run_dir))


@pytest.mark.parametrize("missing", ["ray", "optuna"])
def test_a_missing_extra_is_one_line_naming_it(missing, tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without(name, *args, **kwargs):
        if name == missing or name.startswith(missing + "."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    space = tmp_path / "space.yaml"
    space.write_text("learner.lr: {distribution: uniform, low: 0.0001, high: 0.001}\n")
    monkeypatch.setattr(builtins, "__import__", without)
    assert main(["tune", "CartPole-v1", "--learner", "ddqn", "--space", str(space), "--trials", "2",
                 "--out", str(tmp_path / "exp")]) == 2
    err = capsys.readouterr().err.strip()
    assert "gaikit[tune]" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "exp").exists()
