"""Run events (gaikit/core/run_events.py): a plugin on ``gaikit_run_event`` sees every run, in order.

The synchronous loop and the actor–learner loop (a local 2-CPU Ray) both
send the documented payloads; the ``metrics.jsonl``/``episodes.csv`` rows
are written from the same events; a plugin that raises is muted, one that
refuses with a GaikitError stops the run with its line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from _tiny_runs import run_tiny

from gaikit.cli import main
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import hookimpl
from gaikit.core.run_events import (
    CheckpointSaved, EpisodeEnded, Evaluated, RunEnded, RunEvent, RunStarted, TrainLogged)

#: Evaluations and checkpoints every 300 steps.
CADENCE = {"eval_every": 300, "checkpoint_every": 300}


class Recorder:
    """A third-party plugin that keeps every run event it is sent."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []

    @hookimpl
    def gaikit_run_event(self, event: RunEvent) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]


class Broken:
    """A plugin whose hook raises on every event."""

    calls = 0

    @hookimpl
    def gaikit_run_event(self, event: RunEvent) -> None:
        Broken.calls += 1
        raise RuntimeError("tracker down")


class Refuses:
    """A plugin that refuses to start (a tracker whose package is missing, say)."""

    @hookimpl
    def gaikit_run_event(self, event: RunEvent) -> None:
        if isinstance(event, RunStarted):
            raise ConfigError("train.loggers.fake: the fake package is not installed; pip install gaikit[fake]")


def _run(tmp_path: Path, *extra: str, steps: int = 600) -> Path:
    return run_tiny(tmp_path, *extra, steps=steps, train=CADENCE)


def _rows(run_dir: Path, kind: str) -> list[dict]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [row for row in rows if row["kind"] == kind]


def check_stream(events: list[RunEvent], run_dir: Path, start: int, end: int, status: str) -> None:
    """The documented order and payloads, and the log files written from the same events."""
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunEnded)
    assert sum(isinstance(e, (RunStarted, RunEnded)) for e in events) == 2
    assert all(e.run_dir == run_dir for e in events)
    steps = [e.step for e in events]
    assert steps[0] == start and steps == sorted(steps), "events arrive in step order"
    assert events[-1].step == end and events[-1].status == status
    evaluated = [e for e in events if isinstance(e, Evaluated)]
    assert events[-1].final_eval == (evaluated[-1].summary if evaluated else None)
    eval_rows = [row for row in _rows(run_dir, "eval") if row["step"] > start]
    assert [(e.step, e.summary["mean"], e.returns) for e in evaluated] == \
        [(row["step"], row["mean"], row["returns"]) for row in eval_rows]
    train_rows = [row for row in _rows(run_dir, "train") if row["step"] > start]
    logged = [e for e in events if isinstance(e, TrainLogged)]
    assert [e.step for e in logged] == [row["step"] for row in train_rows]
    for event, row in zip(logged, train_rows):
        assert {k: pytest.approx(v) for k, v in event.values.items()} == {k: v for k, v in row.items()
                                                                          if k not in ("kind", "step")}
    with (run_dir / "episodes.csv").open() as handle:
        episodes = [row for row in csv.DictReader(handle) if int(row["step"]) > start]
    ended = [e for e in events if isinstance(e, EpisodeEnded)]
    assert len(ended) == len(episodes) > 0
    for event, row in zip(ended, episodes):
        assert (event.step, event.env, event.episode_return, event.length) == \
            (int(row["step"]), int(row["env"]), float(row["return"]), int(row["length"]))
    for i, event in enumerate(events):  # the best model is saved right after the evaluation that set it
        if isinstance(event, Evaluated) and event.best:
            best = events[i + 1]
            assert isinstance(best, CheckpointSaved) and best.kind == "best" and best.step == event.step
            assert best.path == run_dir / "best" / "checkpoints" / f"step_{event.step}"


def test_sync_loop_sends_every_event_in_order_with_the_documented_payloads(tmp_path, register_plugin):
    recorder = Recorder()
    register_plugin(recorder, "test-recorder")
    run_dir = _run(tmp_path)
    events = recorder.events
    started = events[0]
    assert isinstance(started, RunStarted)
    assert (started.step, started.resumed, started.config.train.steps) == (0, False, 600)
    assert started.config.learner is not None and started.config.learner.name == "ddqn"
    check_stream(events, run_dir, 0, 600, "finished")
    assert [e.step for e in recorder.of(Evaluated)] == [300, 600]
    assert recorder.of(Evaluated)[0].best, "the first evaluation is the best so far"
    saved = [(e.step, e.kind) for e in recorder.of(CheckpointSaved) if e.kind == "checkpoint"]
    assert saved == [(300, "checkpoint"), (600, "checkpoint")]
    assert all(e.path.name == f"step_{e.step}" for e in recorder.of(CheckpointSaved))
    assert recorder.of(TrainLogged)[-1].values["updates"] > 0

    recorder.events.clear()  # --resume: RunStarted says so, the stream continues from the checkpoint
    assert main(["run", "--resume", str(run_dir), "--steps", "900"]) == 0
    started = recorder.events[0]
    assert isinstance(started, RunStarted) and (started.step, started.resumed) == (600, True)
    check_stream(recorder.events, run_dir, 600, 900, "finished")


def test_a_raising_plugin_is_muted_once_and_the_run_and_other_plugins_go_on(tmp_path, register_plugin, capsys):
    Broken.calls = 0
    recorder = Recorder()
    register_plugin(Broken(), "test-broken")
    register_plugin(recorder, "test-recorder")
    run_dir = _run(tmp_path, steps=300)
    assert Broken.calls == 1
    err = capsys.readouterr().err
    assert err.count("plugin 'test-broken': gaikit_run_event raised RuntimeError: tracker down") == 1
    check_stream(recorder.events, run_dir, 0, 300, "finished")


def test_a_plugin_refusing_the_run_stops_it_with_its_one_line(tmp_path, register_plugin, capsys):
    recorder = Recorder()
    register_plugin(Refuses(), "test-refuses")
    register_plugin(recorder, "test-recorder")
    run_tiny(tmp_path, steps=300, train=CADENCE, expect=2)
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("gaikit: error: train.loggers.fake: the fake package is not installed; "
                       "pip install gaikit[fake]")
    assert isinstance(recorder.events[-1], RunEnded) and recorder.events[-1].status == "failed"
    assert not recorder.of(TrainLogged), "nothing trained"


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_actor_learner_loop_sends_the_same_stream(tmp_path, register_plugin, local_ray):
    recorder = Recorder()
    register_plugin(recorder, "test-recorder")
    run_dir = _run(tmp_path, "--actors", "2", "--set", "train.chunk_steps=16", "--set", "train.eval_every=600",
                   "--set", "train.checkpoint_every=0", steps=600)
    check_stream(recorder.events, run_dir, 0, recorder.events[-1].step, "finished")
    assert recorder.events[-1].step >= 600
    assert {e.env for e in recorder.of(EpisodeEnded)} == {0, 1}, "episodes of both collectors"
    assert "actor0_steps_per_sec" in recorder.of(TrainLogged)[-1].values
    assert [e.kind for e in recorder.of(CheckpointSaved)][-1] == "checkpoint"
