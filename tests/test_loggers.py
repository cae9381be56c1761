"""W&B and MLflow loggers (train.loggers), the best model (best/) and early stopping (train.early_stop).

Short CartPole DDQN runs: W&B in offline mode (no key, no network) and
MLflow with a local file store record the run's metrics; a missing package
is one line naming the extra; ``best/`` holds the best evaluation's model
across --resume; early stopping ends the run with status ``stopped early``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _tiny_runs import run_tiny

from gaikit.cli import main
from gaikit.core.best_model import BestModel, load_best
from gaikit.core.config import TrainConfig
from gaikit.core.config_trackers import EarlyStopConfig
from gaikit.core.early_stop import EarlyStop
from gaikit.core.hookspecs import hookimpl
from gaikit.core.run_events import RunEnded, RunEvent

#: Evaluations every 200 steps, no checkpoints but the last.
CADENCE = {"eval_every": 200, "checkpoint_every": 0}


def _run(tmp_path: Path, *extra: str, steps: int = 400, expect: int = 0) -> Path:
    return run_tiny(tmp_path, *extra, steps=steps, train=CADENCE, expect=expect)


def _evals(run_dir: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [row for row in rows if row["kind"] == "eval"]


def test_wandb_offline_by_default_records_the_run(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    for name in ("WANDB_API_KEY", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WANDB_SILENT", "true")
    run_dir = _run(tmp_path, "--set", "train.loggers=[wandb]", "--set", "train.eval_every=400")
    import wandb

    wandb.teardown()  # W&B's service process writes the offline file behind run.finish(); process exit waits for it
    run_id = (run_dir / "wandb-run-id").read_text().strip()
    (offline,) = (run_dir / "wandb").glob(f"offline-run-*-{run_id}")
    (log,) = offline.glob("*.wandb")
    data = log.read_bytes()
    final = _evals(run_dir)[-1]
    assert b"eval/mean_return" in data and b"env_step" in data and b"train/loss" in data
    assert json.dumps(final["mean"]).encode() in data, "the evaluation's mean is in the W&B log"


def test_mlflow_file_store_records_the_run(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    uri = (tmp_path / "mlruns").resolve().as_uri()
    run_dir = _run(tmp_path, "--set", f"train.loggers.mlflow.tracking_uri={uri}",
                   "--set", "train.loggers.mlflow.experiment=tiny")
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run((run_dir / "mlflow-run-id").read_text().strip())
    assert run.info.status == "FINISHED" and run.data.tags["gaikit.status"] == "finished"
    assert run.data.params["train.steps"] == "400" and run.data.params["learner.name"] == "ddqn"
    history = client.get_metric_history(run.info.run_id, "eval/mean_return")
    assert [(m.step, m.value) for m in history] == [(row["step"], row["mean"]) for row in _evals(run_dir)]
    assert client.get_metric_history(run.info.run_id, "episode/return"), "episodes are logged"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train/updates")] == [200, 400]


def test_a_missing_logger_package_is_one_line_naming_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb raises ImportError
    _run(tmp_path, "--set", "train.loggers=[wandb]", expect=2)
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("gaikit: error: train.loggers.wandb: the wandb package is not installed; "
                       "pip install gaikit[wandb]")


@pytest.mark.parametrize("setting, message", [
    ("train.loggers.wandb.projekt=x", "train.loggers.wandb.projekt: unknown field"),
    ("train.loggers=[neptune]", "unknown logger 'neptune'; expected wandb, mlflow"),
    ("train.early_stop.metric=loss",
     "train.early_stop.metric: Input should be 'eval_mean', 'eval_min' or 'eval_max'"),
    ("train.early_stop.metric=eval_mean", "train.early_stop: Value error, give threshold, patience or both"),
    ("train.early_stop.patience=0", "train.early_stop.patience: Input should be greater than or equal to 1"),
])
def test_bad_logger_and_early_stop_settings_are_one_clear_line(tmp_path, capsys, setting, message):
    _run(tmp_path, "--set", setting, expect=2)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_best_model_follows_the_best_evaluation_and_survives_resume(tmp_path):
    run_dir = _run(tmp_path, steps=600)
    evals = _evals(run_dir)
    top = max(row["mean"] for row in evals)
    record, state = load_best(run_dir)
    assert record == {"step": next(row["step"] for row in evals if row["mean"] == top), "score": top,
                      "metric": "eval_mean", "checkpoint": f"best/checkpoints/step_{record['step']}"}
    assert state["step"] == record["step"] and "memory" not in state["agent"] and "learner" in state["agent"]
    assert (run_dir / "best" / "config.yaml").read_text() == (run_dir / "config.yaml").read_text()
    assert main(["eval", str(run_dir / "best"), "--episodes", "1"]) == 0, "best/ evaluates like a run"

    assert main(["run", "--resume", str(run_dir), "--steps", "1000"]) == 0
    evals = _evals(run_dir)
    top = max(row["mean"] for row in evals)
    record, _ = load_best(run_dir)
    assert (record["score"], record["step"]) == (top, next(row["step"] for row in evals if row["mean"] == top))


def test_best_score_is_read_back_so_a_resumed_run_keeps_a_better_model(tmp_path):
    best = BestModel(tmp_path)
    assert best.improves(-5.0) and not best.improves(float("nan"))
    (tmp_path / "best").mkdir()
    (tmp_path / "best" / "best.json").write_text(json.dumps({"step": 300, "score": 150.0, "metric": "eval_mean"}))
    again = BestModel(tmp_path)
    assert (again.score, again.step) == (150.0, 300)
    assert not again.improves(150.0) and not again.improves(90.0) and again.improves(150.5)


class Ends:
    """Keeps the RunEnded event."""

    ended: list[RunEnded] = []

    @hookimpl
    def gaikit_run_event(self, event: RunEvent) -> None:
        if isinstance(event, RunEnded):
            Ends.ended.append(event)


def test_early_stop_on_a_threshold_ends_the_run_with_its_status(tmp_path, register_plugin, capsys):
    Ends.ended = []
    register_plugin(Ends(), "test-ends")
    run_dir = _run(tmp_path, "--set", "train.early_stop.threshold=5", steps=1000)  # any policy lasts 5 steps
    (ended,) = Ends.ended
    assert (ended.status, ended.step) == ("stopped early", 200)
    assert ended.reason.startswith("eval_mean ") and ended.reason.endswith("reached the threshold 5")
    out = capsys.readouterr().out
    assert "stopped early at step 200: eval_mean" in out and "stopped early after 200 steps; checkpoint" in out
    assert [row["step"] for row in _evals(run_dir)] == [200]
    assert (run_dir / "checkpoints" / "step_200").is_dir(), "the run ends with a checkpoint"


def test_patience_counts_evaluations_without_a_new_best_and_carries_across_a_checkpoint():
    stop = EarlyStop(EarlyStopConfig(patience=2, min_delta=1.0))
    assert stop.judge({"mean": 10.0}) == ""
    assert stop.judge({"mean": 10.5}) == "", "within min_delta: not a new best"
    resumed = EarlyStop(EarlyStopConfig(patience=2, min_delta=1.0))
    resumed.load_state_dict(stop.state_dict())
    assert resumed.judge({"mean": 9.0}) == "eval_mean has not improved on 10.00 for 2 evaluations (patience 2)"
    fresh = EarlyStop(EarlyStopConfig(patience=2))
    assert [fresh.judge({"mean": m}) for m in (1.0, 2.0, 1.0, 3.0, 2.0)] == ["", "", "", "", ""]
    mins = EarlyStop(EarlyStopConfig(metric="eval_min", threshold=50))
    assert mins.judge({"mean": 80.0, "min": 40.0}) == "" and mins.judge({"mean": 60.0, "min": 50.0}) != ""
    assert EarlyStop(None).judge({"mean": 1e9}) == ""


def test_loggers_accept_a_list_of_names_or_blocks():
    assert TrainConfig.model_validate({"loggers": ["wandb", "mlflow"]}).loggers.enabled() == ["wandb", "mlflow"]
    train = TrainConfig.model_validate({"loggers": {"mlflow": {"experiment": "e"}, "wandb": None}})
    assert train.loggers.enabled() == ["mlflow"] and train.loggers.mlflow.experiment == "e"
