"""``kill -9`` at any moment, then ``--resume``: the logs equal those of a run that was never killed.

A ``gaikit run`` subprocess (CartPole, tiny budgets) is killed with SIGKILL
three times — right after a checkpoint appeared, a little later, and while
a checkpoint is being written (as soon as its temporary directory shows)
— and resumed each time; the last resume runs to the end. Its
``metrics.jsonl`` and ``episodes.csv`` (wall-clock fields aside) must equal
an uninterrupted run's, row for row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.checkpoint import CHECKPOINTS_DIR, checkpoint_dirs
from _run_logs import run_episodes, run_metrics

STEPS = 600
CONFIG = f"""
train:
  steps: {STEPS}
  envs: 2
  seed: 13
  learning_starts: 60
  train_freq: 2
  gradient_steps: 1
  batch_size: 16
  eval_every: 250
  eval_episodes: 2
  checkpoint_every: 100
  keep_checkpoints: 2
  log_every: 30
  threads: 1
encoder:
  vector: {{hidden: [16]}}
learner:
  ddqn: {{lr: 0.003}}
memory:
  uniform: {{capacity: 500}}
"""
LAUNCH = "import sys; from gaikit.cli import main; sys.exit(main(sys.argv[1:]))"


def _newest(run_dir: Path) -> int:
    found = checkpoint_dirs(run_dir)
    return found[0][0] if found else -1


def _writing(run_dir: Path) -> bool:
    root = run_dir / CHECKPOINTS_DIR
    try:
        return any(name.startswith(".tmp-step_") for name in os.listdir(root))
    except FileNotFoundError:
        return False


def _kill_when(proc: subprocess.Popen, run_dir: Path, mode: str, deadline: float) -> bool:
    """SIGKILL ``proc`` at the moment ``mode`` says; ``False`` if it finished first."""
    seen = _newest(run_dir)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if mode == "writing" and _writing(run_dir) and seen >= 0:
            break
        if mode != "writing" and _newest(run_dir) > seen:
            if mode == "later":
                time.sleep(0.03)
            break
        time.sleep(0.0005 if mode == "writing" else 0.005)
    else:
        raise AssertionError(f"no checkpoint progress before the deadline in {run_dir}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return True


@pytest.mark.slow
def test_kill_9_loop_then_resume_equals_an_uninterrupted_run(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    start = ["run", "CartPole-v1", "--learner", "ddqn", "--config", str(config)]
    assert main([*start, "--run-dir", str(straight)]) == 0

    deadline = time.monotonic() + 240
    args = [*start, "--run-dir", str(killed)]
    kills = 0
    for mode in ("checkpoint", "later", "writing"):
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not _kill_when(proc, killed, mode, deadline):
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
            break
        kills += 1
        args = ["run", "--resume", str(killed)]
    assert kills >= 2, "the run finished before it could be killed; the test would prove little"
    if _newest(killed) < STEPS:
        done = subprocess.run([sys.executable, "-c", LAUNCH, "run", "--resume", str(killed)],
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert _newest(killed) == STEPS
    assert not any(p.name.startswith(".") for p in (killed / CHECKPOINTS_DIR).iterdir())
    assert any(row["kind"] == "eval" for row in run_metrics(straight))
    assert run_metrics(killed) == run_metrics(straight)
    assert len(run_episodes(straight)) > 10
    assert run_episodes(killed) == run_episodes(straight)
