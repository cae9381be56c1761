"""Small promises kept: ``run module:EnvId`` on gymnasium 1.x, ``eval --video`` on classic control, ``compare`` on corrupt CSVs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import pytest

from gaikit.cli import main
from test_cli_errors import TINY, one_line_error

TESTS = Path(__file__).resolve().parent
GAIKIT = str(Path(sys.executable).with_name("gaikit"))
TOY_ID = "_toy_env_module:GaikitToyCorridor-v0"


def gaikit(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script in a fresh process that can import the tests' toy module (nothing registered yet)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([GAIKIT, *args], capture_output=True, text=True, timeout=300, env=env, cwd=TESTS.parent)


def test_run_module_env_id_imports_the_module_then_trains_and_resumes(tmp_path: Path) -> None:
    run_dir = tmp_path / "toy"
    first = gaikit("run", TOY_ID, *TINY, "--run-dir", str(run_dir))
    assert first.returncode == 0, first.stderr
    assert f"env_id: {TOY_ID}" in (run_dir / "config.yaml").read_text()
    # A fresh process knows the id only from the saved config: the module is imported again.
    resumed = gaikit("run", "--resume", str(run_dir), "--steps", "60")
    assert resumed.returncode == 0 and "finished 60 steps" in resumed.stdout, resumed.stderr


def test_a_module_env_id_that_cannot_be_imported_is_one_line(capsys, tmp_path: Path) -> None:
    line = one_line_error(capsys, ["run", "no_such_module_xyz:Thing-v0", "--run-dir", str(tmp_path / "r")])
    assert "no_such_module_xyz:Thing-v0" in line
    assert not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("runs") / "cartpole"
    assert main(["run", "CartPole-v1", *TINY, "--run-dir", str(run_dir)]) == 0
    return run_dir


def test_eval_video_records_a_classic_control_episode(capsys, cartpole_run: Path) -> None:
    pytest.importorskip("pygame", reason="the classic-control renderer: pip install 'gymnasium[classic-control]'")
    assert main(["eval", str(cartpole_run), "--episodes", "1", "--video"]) == 0
    out = capsys.readouterr().out
    video = cartpole_run / "videos" / "eval-step_40.mp4"
    assert f"video: {video}" in out and video.is_file()
    frames = iio.imread(video)
    assert frames.ndim == 4 and frames.shape[0] >= 2 and frames.shape[-1] == 3
    assert frames.std() > 0, "a blank video"


def test_eval_video_without_the_renderer_is_one_line_naming_the_install(capsys, cartpole_run: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygame", None)  # ``import pygame`` now fails, as when it is not installed
    line = one_line_error(capsys, ["eval", str(cartpole_run), "--episodes", "1", "--video"])
    assert "--video: CartPole-v1 cannot render: pygame is not installed" in line
    assert 'pip install "gymnasium[classic-control]"' in line


def test_an_absurd_episode_count_is_one_line_not_days_of_play(capsys, cartpole_run: Path) -> None:
    line = one_line_error(capsys, ["eval", str(cartpole_run), "--episodes", str(10**23)])
    assert f"--episodes {10**23}: must be between 1 and 1,000,000" in line


@pytest.mark.parametrize("tail, needle", [
    (bytes(range(128, 256)), "cannot read: not UTF-8 text"),
    (b'"' + b"x" * 200_000 + b'"\n', "cannot read: malformed CSV: field larger than field limit"),
    (b"a\x00b,1\n", ":2: expected an integer step and a numeric return"),
    (b"30,0,inf,5,0.1\n", ":2: return is inf, expected a finite number"),
], ids=["binary", "runaway-field", "nul", "inf"])
def test_compare_on_a_corrupt_csv_is_one_line_naming_it(capsys, cartpole_run: Path, tmp_path: Path,
                                                        tail: bytes, needle: str) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    header = (cartpole_run / "episodes.csv").read_bytes().splitlines(keepends=True)[0]
    (broken / "episodes.csv").write_bytes(header + tail)
    line = one_line_error(capsys, ["compare", str(cartpole_run), str(broken), "--out", str(tmp_path / "out")])
    assert f"{broken / 'episodes.csv'}" in line and needle in line, line


def test_compare_into_an_unwritable_place_is_one_line(capsys, cartpole_run: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_line_error(capsys, ["compare", str(cartpole_run), "--out", str(blocker / "out")])
    assert str(blocker) in line
