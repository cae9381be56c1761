"""Bad input through the CLI: one line on stderr, non-zero exit, no traceback, nothing overwritten."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gaikit.cli import main

TINY = ["--steps", "40", "--set", "train.learning_starts=10", "--set", "train.batch_size=8",
        "--set", "train.eval_every=0", "--set", "train.checkpoint_every=20", "--set", "train.threads=1",
        "--set", "encoder.hidden=[8]"]


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its bytes (to prove nothing was overwritten)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI in-process; assert a one-line error and a non-zero exit; return the line."""
    code = main(argv)
    captured = capsys.readouterr()
    assert code != 0, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert lines[0].startswith("gaikit: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    assert main(["run", "CartPole-v1", *TINY, "--run-dir", str(run_dir)]) == 0
    return run_dir


def test_unknown_game(capsys, tmp_path):
    line = one_line_error(capsys, ["run", "CartPol-v1", "--run-dir", str(tmp_path / "r")])
    assert "unknown game 'CartPol-v1'" in line and "did you mean 'CartPole-v1'?" in line
    assert not (tmp_path / "r").exists()


def test_unknown_plugin_names(capsys, tmp_path):
    line = one_line_error(capsys, ["run", "CartPole-v1", "--learner", "dqnn", "--run-dir", str(tmp_path / "r")])
    assert "unknown learner 'dqnn'" in line and "did you mean 'ddqn'?" in line
    line = one_line_error(capsys, ["run", "CartPole-v1", "--selector", "nope", "--run-dir", str(tmp_path / "r")])
    assert "unknown selector 'nope'" in line and "epsilon-greedy" in line
    line = one_line_error(capsys, ["run", "CartPole-v1", "--agent", "wizard", "--run-dir", str(tmp_path / "r")])
    assert "unknown agent kind 'wizard'" in line and "learned" in line
    assert not (tmp_path / "r").exists()


def test_wrong_yaml_type_and_unknown_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  steps: many\n")
    line = one_line_error(capsys, ["run", "CartPole-v1", "--config", str(bad), "--run-dir", str(tmp_path / "r")])
    assert f"{bad}:2: train.steps:" in line and "integer" in line
    bad.write_text("memory:\n  uniform:\n    capacityy: 10\n")
    line = one_line_error(capsys, ["run", "CartPole-v1", "--config", str(bad), "--run-dir", str(tmp_path / "r")])
    assert line.endswith(f"{bad}:3: memory.uniform.capacityy: unknown field")
    bad.write_text("train: [1, 2\n")
    assert "malformed YAML" in one_line_error(capsys, ["run", "CartPole-v1", "--config", str(bad)])
    line = one_line_error(capsys, ["run", "CartPole-v1", "--config", str(tmp_path / "missing.yaml")])
    assert "missing.yaml: file not found" in line
    assert not (tmp_path / "r").exists()


def test_negative_and_malformed_numbers(capsys, tmp_path):
    assert "--steps -5" in one_line_error(capsys, ["run", "CartPole-v1", "--steps", "-5"])
    line = one_line_error(capsys, ["run", "CartPole-v1", "--set", "train.steps=-5", "--run-dir", str(tmp_path / "r")])
    assert "train.steps" in line and "greater than 0" in line
    assert "--steps" in one_line_error(capsys, ["run", "CartPole-v1", "--steps", "abc"])
    assert "--set 'train.steps'" in one_line_error(capsys, ["run", "CartPole-v1", "--set", "train.steps"])
    assert not (tmp_path / "r").exists()


def test_missing_run_dir(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    assert "run directory not found" in one_line_error(capsys, ["run", "--resume", str(missing)])
    assert "run directory not found" in one_line_error(capsys, ["eval", str(missing)])
    (tmp_path / "empty").mkdir()
    assert "config.yaml is missing" in one_line_error(capsys, ["eval", str(tmp_path / "empty")])
    assert "missing GAME" in one_line_error(capsys, ["run"])


def test_existing_run_dir_is_never_overwritten(capsys, finished_run):
    before = snapshot(finished_run)
    line = one_line_error(capsys, ["run", "CartPole-v1", *TINY, "--run-dir", str(finished_run)])
    assert "already exists" in line and f"--resume {finished_run}" in line
    assert snapshot(finished_run) == before


def test_resume_rejects_config_changes(capsys, finished_run):
    before = snapshot(finished_run)
    line = one_line_error(capsys, ["run", "--resume", str(finished_run), "--learner", "ddqn", "--seed", "3"])
    assert "--learner" in line and "--seed" in line
    assert snapshot(finished_run) == before


def test_corrupt_checkpoints(capsys, finished_run, tmp_path):
    run_dir = tmp_path / "copy"
    shutil.copytree(finished_run, run_dir)
    checkpoints = sorted((run_dir / "checkpoints").iterdir())
    assert len(checkpoints) == 2
    (checkpoints[0] / "manifest.json").write_text("{not json")
    (checkpoints[1] / "arrays.npz").write_bytes(b"garbage")
    before = snapshot(run_dir)
    line = one_line_error(capsys, ["eval", str(run_dir)])
    assert "no usable checkpoint" in line and "bad manifest" in line and "manifest hash" in line
    line = one_line_error(capsys, ["run", "--resume", str(run_dir), "--steps", "100"])
    assert "no usable checkpoint" in line
    assert snapshot(run_dir) == before


def test_checkpoint_loading_refuses_pickled_code(capsys, finished_run, tmp_path):
    """A tensors.pt carrying a pickled object (not plain tensors) is rejected, never executed."""
    import hashlib
    import json
    import pickle

    run_dir = tmp_path / "evil"
    shutil.copytree(finished_run, run_dir)
    marker = tmp_path / "pwned"
    for checkpoint in (run_dir / "checkpoints").iterdir():
        payload = checkpoint / "tensors.pt"
        payload.write_bytes(pickle.dumps(Exploit(str(marker))))
        manifest = json.loads((checkpoint / "manifest.json").read_text())
        manifest["files"]["tensors.pt"] = {"bytes": payload.stat().st_size,
                                           "sha256": hashlib.sha256(payload.read_bytes()).hexdigest()}
        (checkpoint / "manifest.json").write_text(json.dumps(manifest))
    line = one_line_error(capsys, ["eval", str(run_dir)])
    assert "no usable checkpoint" in line and "unreadable contents" in line
    assert not marker.exists()


class Exploit:
    """Pickles to a call of ``os.system`` (what weights_only loading must refuse)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_console_script_prints_one_line_without_traceback(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).with_name("gaikit")), "run", "NoSuchGame-v9", "--run-dir", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown game 'NoSuchGame-v9'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists()
