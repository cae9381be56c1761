"""Numerical failure: NaN from the env or the learner stops the run with one line; checkpoints stay finite.

A CartPole wrapper (registered as a Gymnasium id for this module) injects a
bad value into one source at a chosen step of its own: the observation, the
reward, or a reward so large that the learner's loss overflows. Each run
must end with exit 2 and one line naming the source and the step, keep the
newest checkpoint written before the fault, and hold no NaN in it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.cli import main
from gaikit.core.checkpoint import checkpoint_dirs, load_checkpoint
from gaikit.core.numerics import DivergenceWatch, NonFiniteError, check_learner_metrics, check_state

ENV_ID = "GaikitFaultyCartPole-v0"
CHECKPOINT_EVERY = 100
#: Steps of ONE env after which the fault appears (two envs: the run is near step 2 * FAULT_AT).
FAULT_AT = 130


class Faulty(gym.Wrapper):
    """CartPole that, from its ``at``-th step on, returns a bad ``source`` value."""

    def __init__(self, source: str, at: int, render_mode: str | None = None) -> None:
        super().__init__(gym.make("CartPole-v1", render_mode=render_mode))
        self.source, self.at, self.count = source, at, 0

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.count += 1
        if self.count >= self.at:
            if self.source == "observation":
                obs = obs.copy()
                obs[2] = np.nan
            elif self.source == "reward":
                reward = float("nan")
            elif self.source == "huge-reward":  # finite here, inf once stored as float32: the loss overflows
                reward = 1e300
        return obs, reward, terminated, truncated, info


if ENV_ID not in gym.registry:
    gym.register(ENV_ID, entry_point=Faulty, max_episode_steps=500)

CONFIG = """
game:
  kwargs: {{source: {source}, at: {at}}}
train:
  steps: 600
  envs: 2
  seed: 3
  learning_starts: 60
  train_freq: 2
  gradient_steps: 1
  batch_size: 16
  eval_every: 0
  checkpoint_every: %d
  log_every: 50
  threads: 1
encoder:
  vector: {{hidden: [16]}}
learner:
  ddqn: {{lr: {lr}}}
memory:
  uniform: {{capacity: 400}}
""" % CHECKPOINT_EVERY


def _run(tmp_path: Path, source: str, at: int = FAULT_AT, lr: float = 0.001) -> tuple[int, Path]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(source=source, at=at, lr=lr))
    run_dir = tmp_path / "run"
    code = main(["run", ENV_ID, "--learner", "ddqn", "--config", str(config), "--run-dir", str(run_dir)])
    return code, run_dir


def _all_finite(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return not value.is_floating_point() or bool(torch.isfinite(value).all())
    if isinstance(value, np.ndarray):
        return value.dtype.kind != "f" or bool(np.isfinite(value).all())
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_all_finite(v) for v in value)
    return True


def _assert_stopped(capsys: pytest.CaptureFixture, code: int, run_dir: Path, needle: str) -> int:
    """The one error line names ``needle`` and a step; returns that step; the newest checkpoint is finite."""
    assert code == 2
    err_lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("gaikit: error")]
    assert len(err_lines) == 1, err_lines
    line = err_lines[0]
    assert needle in line and "Traceback" not in line
    step = int(line.split(" at step ")[1].split(":")[0].replace(",", ""))
    found = checkpoint_dirs(run_dir)
    assert found, "a checkpoint before the fault is kept"
    newest_step, newest = found[0]
    assert newest_step <= step and newest_step % CHECKPOINT_EVERY == 0
    assert f"the last finite checkpoint is {newest}" in line
    state = load_checkpoint(newest)
    assert _all_finite(state["agent"]), "the kept checkpoint holds a NaN"
    return step


def test_nan_observation_stops_the_run(tmp_path, capsys):
    code, run_dir = _run(tmp_path, "observation")
    step = _assert_stopped(capsys, code, run_dir, "non-finite observation")
    assert step == 2 * FAULT_AT  # both envs reach their fault at the same iteration


def test_nan_reward_stops_the_run(tmp_path, capsys):
    code, run_dir = _run(tmp_path, "reward")
    step = _assert_stopped(capsys, code, run_dir, "non-finite reward")
    assert step == 2 * FAULT_AT


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_overflowing_loss_stops_the_run(tmp_path, capsys):
    code, run_dir = _run(tmp_path, "huge-reward")
    step = _assert_stopped(capsys, code, run_dir, "learner metric 'loss'")
    assert step >= 2 * FAULT_AT  # the bad reward enters the loss once it is sampled


def test_a_huge_learning_rate_is_reported_as_diverging(tmp_path, capsys):
    code, run_dir = _run(tmp_path, "none", lr=1e6)
    err = capsys.readouterr().err
    assert "loss is diverging at step" in err and "learning rate" in err
    assert code in (0, 2)  # reported, whether or not it overflows before the end


def test_a_non_finite_agent_state_is_never_checkpointed():
    good = {"learner": {"w": torch.ones(3), "steps": 4}, "memory": {"rewards": np.zeros(5, np.float32)}}
    check_state(good, 10)
    bad = {"learner": {"w": torch.tensor([1.0, float("inf")])}, "memory": {}}
    with pytest.raises(NonFiniteError, match=r"step 10 \(learner\.w\); no checkpoint was written"):
        check_state(bad, 10)
    with pytest.raises(NonFiniteError, match=r"memory\.rewards\[1\]"):
        check_state({"memory": {"rewards": [np.zeros(2), np.array([np.nan])]}}, 10)


def test_learner_metrics_checks_and_divergence_watch():
    check_learner_metrics({"loss": 1.5, "grad_norm": 0.1}, 5)
    with pytest.raises(NonFiniteError, match="'grad_norm' at step 5"):
        check_learner_metrics({"loss": 1.5, "grad_norm": float("nan")}, 5)
    with pytest.raises(NonFiniteError, match="diverged"):
        check_learner_metrics({"loss": 1e31}, 5)
    watch = DivergenceWatch(growth=100.0)
    watch.record({"loss": 2.0, "q_mean": 1e9})
    watch.record({"loss": 5000.0})  # only the first value is the reference
    assert watch.check(1, {"loss": 2.0, "q_mean": 1e12}) == []  # only losses are watched
    assert watch.check(2, {"loss": 199.0}) == []
    (message,) = watch.check(3, {"loss": 201.0})
    assert "loss is diverging at step 3" in message
    assert watch.check(4, {"loss": 1e9}) == []  # reported once
