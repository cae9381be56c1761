"""Exact resume: a run stopped by Ctrl-C at step k and resumed equals a run that never stopped.

Small scale on CPU: CartPole, 2 envs, a tiny network, a few hundred steps.
Compared: every ``metrics.jsonl`` row and ``episodes.csv`` row (minus
wall-clock fields) and the final network weights.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import torch

from gaikit.cli import main
from gaikit.core.checkpoint import checkpoint_dirs, load_checkpoint
from gaikit.core.runner import Runner
from _run_logs import run_episodes, run_metrics

STEPS = 600
INTERRUPT_AT = 330  # not a checkpoint, log or eval boundary; a multiple of the 2 envs

CONFIG = """
train:
  steps: {steps}
  envs: 2
  seed: 7
  learning_starts: 100
  train_freq: 2
  gradient_steps: 1
  batch_size: 16
  eval_every: 200
  eval_episodes: 2
  checkpoint_every: 250
  log_every: 50
  threads: 1
encoder:
  vector: {{hidden: [16]}}
learner:
  ddqn: {{target_update_period: 40, lr: 0.003}}
memory:
  uniform: {{capacity: 400}}
selector:
  epsilon-greedy: {{decay_steps: 300}}
"""


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.yaml"
    path.write_text(CONFIG.format(steps=STEPS))
    return path


def _run(config_file: Path, run_dir: Path) -> int:
    return main(["run", "CartPole-v1", "--learner", "ddqn", "--config", str(config_file), "--run-dir", str(run_dir)])


@pytest.fixture
def interrupt_at(monkeypatch: pytest.MonkeyPatch):
    """Send a real SIGINT to this process right after the iteration that reaches ``step``."""

    original = Runner._iteration

    def arm(step: int) -> None:
        def iteration(self: Runner) -> None:
            original(self)
            if self.step == step:
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(Runner, "_iteration", iteration)

    return arm


def _final_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    step, path = checkpoint_dirs(run_dir)[0]
    assert step == STEPS
    learner = load_checkpoint(path)["agent"]["learner"]
    tensors = {}

    def collect(prefix: str, value) -> None:
        if isinstance(value, torch.Tensor):
            tensors[prefix] = value
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(f"{prefix}.{key}", item)

    collect("learner", learner)
    assert tensors, "the learner state holds no tensors"
    return tensors


def _assert_same_run(a: Path, b: Path) -> None:
    metrics_a, metrics_b = run_metrics(a), run_metrics(b)
    assert any(row["kind"] == "eval" for row in metrics_a)
    assert any("loss" in row for row in metrics_a), "learning never happened; the test would prove little"
    assert metrics_a == metrics_b
    episodes_a = run_episodes(a)
    assert len(episodes_a) > 10
    assert episodes_a == run_episodes(b)
    weights_a, weights_b = _final_weights(a), _final_weights(b)
    assert weights_a.keys() == weights_b.keys()
    for key in weights_a:
        assert torch.equal(weights_a[key], weights_b[key]), key


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory, config_file: Path) -> Path:
    run_dir = tmp_path_factory.mktemp("reference") / "straight"
    assert _run(config_file, run_dir) == 0
    return run_dir


def test_interrupted_and_resumed_run_equals_uninterrupted(tmp_path, config_file, reference_run, interrupt_at, capsys):
    stopped = tmp_path / "stopped"
    interrupt_at(INTERRUPT_AT)
    assert _run(config_file, stopped) == 130
    out = capsys.readouterr().out
    assert f"interrupted at step {INTERRUPT_AT}/" in out
    assert f"gaikit run --resume {stopped}" in out
    assert checkpoint_dirs(stopped)[0][0] == INTERRUPT_AT

    interrupt_at(-1)  # disarm
    assert main(["run", "--resume", str(stopped)]) == 0
    _assert_same_run(reference_run, stopped)


def test_resume_skips_a_corrupt_checkpoint_and_still_matches(tmp_path, config_file, reference_run, interrupt_at, capsys):
    stopped = tmp_path / "corrupt"
    interrupt_at(INTERRUPT_AT)
    assert _run(config_file, stopped) == 130
    newest = stopped / "checkpoints" / f"step_{INTERRUPT_AT}"
    tensors = newest / "tensors.pt"
    tensors.write_bytes(tensors.read_bytes()[: tensors.stat().st_size // 2])  # truncated write
    interrupt_at(-1)
    capsys.readouterr()
    assert main(["run", "--resume", str(stopped)]) == 0
    err = capsys.readouterr().err
    assert f"step_{INTERRUPT_AT}" in err and "unusable" in err
    assert "Traceback" not in err
    assert (stopped / "checkpoints" / f"step_{INTERRUPT_AT}.unusable").is_dir()
    _assert_same_run(reference_run, stopped)


def test_resume_of_a_finished_run_asks_for_more_steps(reference_run, capsys):
    assert main(["run", "--resume", str(reference_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--steps" in err and f"{STEPS}" in err.replace(",", "")
