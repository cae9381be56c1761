"""Run directories and checkpoints under faults: semantically broken checkpoints, damaged logs,
stale temporary directories, a full disk, a read-only run directory, impossible ``--run-dir`` paths.

One tiny CartPole run (checkpoints at steps 100, 200 and 300) is made once and
copied for each test; each test damages its copy and resumes with ``--steps 400``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.checkpoint import checkpoint_dirs, clean_stale, load_checkpoint, save_checkpoint
from gaikit.core.runner import Runner

CONFIG = """
train:
  steps: 300
  envs: 2
  seed: 11
  learning_starts: 40
  train_freq: 2
  gradient_steps: 1
  batch_size: 8
  eval_every: 0
  checkpoint_every: 100
  keep_checkpoints: 3
  log_every: 20
  threads: 1
encoder:
  vector: {hidden: [8]}
learner:
  ddqn: {}
memory:
  uniform: {capacity: 300}
"""


def _start(config: Path, run_dir: Path) -> int:
    return main(["run", "CartPole-v1", "--learner", "ddqn", "--config", str(config), "--run-dir", str(run_dir)])


def _resume(run_dir: Path, steps: int = 400) -> int:
    return main(["run", "--resume", str(run_dir), "--steps", str(steps)])


def _error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("gaikit: error")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.yaml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory, config_file: Path) -> Path:
    run_dir = tmp_path_factory.mktemp("base") / "run"
    assert _start(config_file, run_dir) == 0
    assert [step for step, _ in checkpoint_dirs(run_dir)] == [300, 200, 100]
    return run_dir


@pytest.fixture
def run_copy(base_run: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(base_run, target)
    return target


def _rewrite_newest(run_dir: Path, edit) -> None:
    """Re-save step_300 with ``edit`` applied: a well-hashed checkpoint with bad contents."""
    step, path = checkpoint_dirs(run_dir)[0]
    state = load_checkpoint(path)
    edit(state)
    save_checkpoint(run_dir, step, state, keep=3)


def _drop_learner(state: dict) -> None:
    del state["agent"]["learner"]


def _learner_not_a_dict(state: dict) -> None:
    state["agent"]["learner"] = 5


def _step_a_word(state: dict) -> None:
    state["runner"]["step"] = "many"


def _log_positions_missing(state: dict) -> None:
    del state["runner"]["files"]


@pytest.mark.parametrize("edit", [_drop_learner, _learner_not_a_dict, _step_a_word, _log_positions_missing])
def test_well_hashed_but_broken_newest_checkpoint_falls_back(run_copy, edit, capsys):
    _rewrite_newest(run_copy, edit)
    assert _resume(run_copy) == 0
    captured = capsys.readouterr()
    assert "step_300" in captured.err and "does not fit this run" in captured.err
    assert "Traceback" not in captured.err
    assert f"resuming {run_copy} from step_200" in captured.out
    assert (run_copy / "checkpoints" / "step_300.unusable").is_dir()
    assert checkpoint_dirs(run_copy)[0][0] == 400


def test_weights_that_do_not_fit_an_edited_config_are_one_error(run_copy, capsys):
    config = run_copy / "config.yaml"
    original = config.read_text()
    config.write_text(original.replace("- 8", "- 12", 1))
    assert "- 12" in config.read_text()
    before = sorted(p.name for p in (run_copy / "checkpoints").iterdir())
    assert _resume(run_copy) == 2
    line = _error_line(capsys.readouterr().err)
    assert f"{run_copy}: no usable checkpoint" in line
    assert "step_300: its state does not fit this run" in line and "size mismatch" in line
    # nothing was set aside for good: with the config edited back, the run resumes from step_300
    assert sorted(p.name for p in (run_copy / "checkpoints").iterdir()) == before
    config.write_text(original)
    assert _resume(run_copy) == 0
    assert f"from step_300" in capsys.readouterr().out


def _recorded(run_dir: Path, name: str) -> int:
    return int(load_checkpoint(checkpoint_dirs(run_dir)[0][1])["runner"]["files"][name])


def test_a_truncated_log_is_cut_to_its_last_complete_line_never_padded(run_copy, capsys):
    metrics, episodes = run_copy / "metrics.jsonl", run_copy / "episodes.csv"
    recorded = _recorded(run_copy, "metrics.jsonl")
    assert metrics.stat().st_size == recorded
    metrics.write_bytes(metrics.read_bytes()[: recorded // 2 + 7])  # mid-line, half the rows lost
    episodes.write_bytes(episodes.read_bytes()[:-3])
    assert _resume(run_copy) == 0
    err = capsys.readouterr().err
    assert "metrics.jsonl is shorter than the checkpoint recorded" in err
    assert "episodes.csv is shorter than the checkpoint recorded" in err
    for path in (metrics, episodes):
        assert b"\x00" not in path.read_bytes()
    rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    steps = [row["step"] for row in rows if row["kind"] == "train"]
    assert steps == sorted(set(steps)) and steps[-1] == 400 and 300 not in steps  # rows lost stay lost
    lines = episodes.read_text().splitlines()
    assert lines[0] == "step,env,return,length,time" and all(line.count(",") == 4 for line in lines)


def test_a_longer_log_is_cut_back_to_the_checkpoint(run_copy, capsys):
    metrics = run_copy / "metrics.jsonl"
    with metrics.open("a") as handle:
        handle.write('{"kind": "train", "step": 320, "episodes": 1}\n{"kind": "tr')  # written after the checkpoint
    assert _resume(run_copy) == 0
    rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    steps = [row["step"] for row in rows if row["kind"] == "train"]
    assert steps == list(range(20, 401, 20))


def test_stale_temporary_and_set_aside_directories_are_cleaned(run_copy):
    root = run_copy / "checkpoints"
    (root / ".tmp-step_350-4242").mkdir()
    (root / ".tmp-step_350-4242" / "tensors.pt").write_bytes(b"partial")
    shutil.copytree(root / "step_200", root / ".old-step_200-4242")  # step_200 exists: the copy goes
    shutil.move(root / "step_300", root / ".old-step_300-4242")  # crash between the two renames
    clean_stale(run_copy)
    assert sorted(p.name for p in root.iterdir()) == ["step_100", "step_200", "step_300"]
    assert load_checkpoint(root / "step_300")["step"] == 300


def test_resume_cleans_stale_directories(run_copy):
    root = run_copy / "checkpoints"
    (root / ".tmp-step_350-4242").mkdir()
    assert _resume(run_copy) == 0
    assert not any(p.name.startswith(".") for p in root.iterdir())


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_an_impossible_run_dir_is_one_line(tmp_path, config_file, where, capsys):
    if where == "under-a-file":
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "run"
    else:
        target = Path("/proc/gaikit-run")
    assert _start(config_file, target) == 2
    line = _error_line(capsys.readouterr().err)
    assert f"cannot use run directory {target}" in line


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 4 MiB tmpfs mounted at ``tmp_path/mnt``; skips where mounting is not allowed."""
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_full_disk_is_one_line_and_keeps_the_previous_checkpoint(small_tmpfs, config_file, monkeypatch, capsys):
    run_dir = small_tmpfs / "run"
    filler = small_tmpfs / "filler"
    original = Runner._checkpoint

    def checkpoint_then_fill(self: Runner) -> Path:
        path = original(self)
        if self.step == 100:  # after the first checkpoint, fill the disk to the last byte
            with filler.open("wb") as handle:
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                        handle.flush()
                except OSError:
                    pass
        return path

    monkeypatch.setattr(Runner, "_checkpoint", checkpoint_then_fill)
    assert _start(config_file, run_dir) == 2
    line = _error_line(capsys.readouterr().err)
    assert "the disk is full" in line
    assert [step for step, _ in checkpoint_dirs(run_dir)] == [100]
    assert not any(p.name.startswith(".") for p in (run_dir / "checkpoints").iterdir())  # partial files removed
    assert load_checkpoint(run_dir / "checkpoints" / "step_100")["step"] == 100
    monkeypatch.setattr(Runner, "_checkpoint", original)
    filler.unlink()  # space again: the run resumes from the intact checkpoint
    assert main(["run", "--resume", str(run_dir)]) == 0
    assert checkpoint_dirs(run_dir)[0][0] == 300


def test_a_read_only_run_dir_is_one_line_and_left_intact(small_tmpfs, config_file, capsys):
    run_dir = small_tmpfs / "run"
    assert _start(config_file, run_dir) == 0
    before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    capsys.readouterr()
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], capture_output=True, text=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
    assert _resume(run_dir) == 2
    line = _error_line(capsys.readouterr().err)
    assert "read-only" in line and str(run_dir) in line
    assert {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before
