"""Signals in a real ``gaikit run`` process: SIGTERM stops like the first Ctrl-C, a second Ctrl-C aborts truthfully.

Each test starts ``gaikit run`` in a subprocess (CartPole, tiny budgets).
Signals sent "during a checkpoint write" come from the process itself, from
inside the write of ``tensors.pt`` (a wrapper around the checkpoint module's
file writer in a small driver script), so they land there every time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gaikit.core.checkpoint import checkpoint_dirs, load_checkpoint

CONFIG = """
train:
  steps: {steps}
  envs: 2
  seed: 5
  learning_starts: 40
  train_freq: 2
  gradient_steps: 1
  batch_size: 8
  eval_every: 0
  checkpoint_every: 100
  log_every: 50
  threads: 1
encoder:
  vector: {{hidden: [8]}}
learner:
  ddqn: {{}}
memory:
  uniform: {{capacity: 200}}
"""

#: Runs ``gaikit run`` after arming signals: GK_AT=write:N sends GK_SIGNALS from inside the N-th
#: ``tensors.pt`` write, GK_AT=step:K right after the iteration that reaches step K.
DRIVER = """
import os, signal, sys
from gaikit.core import checkpoint
from gaikit.core.runner import Runner
from gaikit.cli import main

kind, _, when = os.environ.get("GK_AT", ":").partition(":")
signals = [getattr(signal, name) for name in os.environ.get("GK_SIGNALS", "").split(",") if name]
writes = [0]

def fire():
    for signum in signals:
        os.kill(os.getpid(), signum)

if kind == "write":
    original_write = checkpoint._write_atomic
    def write(path, body):
        if path.name == "tensors.pt":
            writes[0] += 1
            if writes[0] == int(when):
                def body_then_signal(handle, body=body):
                    body(handle)
                    fire()
                return original_write(path, body_then_signal)
        return original_write(path, body)
    checkpoint._write_atomic = write
elif kind == "step":
    original_iteration = Runner._iteration
    def iteration(self):
        original_iteration(self)
        if self.step == int(when):
            fire()
    Runner._iteration = iteration
sys.exit(main(sys.argv[1:]))
"""


def _start(tmp_path: Path, steps: int, at: str = "", signals: str = "") -> tuple[subprocess.Popen, Path]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(steps=steps))
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    run_dir = tmp_path / "run"
    env = {**os.environ, "GK_AT": at, "GK_SIGNALS": signals}
    proc = subprocess.Popen(
        [sys.executable, str(driver), "run", "CartPole-v1", "--learner", "ddqn", "--config", str(config),
         "--run-dir", str(run_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return proc, run_dir


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def _no_leftovers(run_dir: Path) -> None:
    leftovers = [p.name for p in (run_dir / "checkpoints").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_sigterm_from_outside_checkpoints_then_exits(tmp_path):
    proc, run_dir = _start(tmp_path, steps=1_000_000)
    deadline = time.monotonic() + 90
    while not checkpoint_dirs(run_dir):  # training is under way once the first checkpoint exists
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    code, out, err = _finish(proc)
    assert code == 128 + signal.SIGTERM
    assert "SIGTERM received: stopping after this step to write a checkpoint" in err
    step = int(out.split("interrupted at step ")[1].split("/")[0].replace(",", ""))
    newest_step, newest = checkpoint_dirs(run_dir)[0]
    assert newest_step == step
    assert load_checkpoint(newest)["step"] == step
    _no_leftovers(run_dir)


def test_sigterm_during_a_checkpoint_write_finishes_it_then_exits(tmp_path):
    proc, run_dir = _start(tmp_path, steps=10_000, at="write:2", signals="SIGTERM")
    code, out, err = _finish(proc)
    assert code == 128 + signal.SIGTERM
    assert "interrupted at step 200/" in out  # the stop lands at the next iteration boundary: step 200
    assert [s for s, _ in checkpoint_dirs(run_dir)] == [200, 100]
    assert load_checkpoint(checkpoint_dirs(run_dir)[0][1])["step"] == 200
    _no_leftovers(run_dir)


def test_second_ctrl_c_during_training_says_no_checkpoint_of_this_step(tmp_path):
    proc, run_dir = _start(tmp_path, steps=10_000, at="step:150", signals="SIGINT,SIGINT")
    code, out, err = _finish(proc)
    assert code == 130
    assert (f"aborted at step 150 without saving it; the newest checkpoint is {run_dir / 'checkpoints' / 'step_100'}"
            f" (step 100); resume with: gaikit run --resume {run_dir}") in out
    assert [s for s, _ in checkpoint_dirs(run_dir)] == [100]
    _no_leftovers(run_dir)


def test_second_ctrl_c_during_a_checkpoint_write_leaves_the_previous_one(tmp_path):
    proc, run_dir = _start(tmp_path, steps=10_000, at="write:2", signals="SIGINT,SIGINT")
    code, out, err = _finish(proc)
    assert code == 130
    assert "aborted at step 200 without saving it; the newest checkpoint is" in out
    assert "(step 100)" in out
    assert [s for s, _ in checkpoint_dirs(run_dir)] == [100]
    assert load_checkpoint(checkpoint_dirs(run_dir)[0][1])["step"] == 100
    _no_leftovers(run_dir)  # the cut-short write left no temporary directory
