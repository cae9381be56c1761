"""``gaikit run halfcheetah --learner sac`` end to end, and ``gaikit eval --video``."""

from __future__ import annotations

import json
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from gaikit.cli import main
from gaikit.core.errors import GaikitError
from gaikit.plugins.games.halfcheetah import HalfCheetahConfig, bullet_env_ids, make_halfcheetah

EPISODE = 40  # short episodes keep rendering (the slow part) cheap

TINY = [
    "--set", "learner.hidden=[16, 16]",
    "--set", "train.learning_starts=100",
    "--set", "selector.random_steps=100",
    "--set", "train.batch_size=32",
    "--set", "train.eval_every=0",
    "--set", "train.log_every=100",
    "--set", f"game.max_episode_steps={EPISODE}",
]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-step SAC run on HalfCheetah with tiny networks (about 200 gradient steps)."""
    run_dir = tmp_path_factory.mktemp("hc") / "run"
    code = main(["run", "halfcheetah", "--learner", "sac", "--steps", "300", "--run-dir", str(run_dir), *TINY])
    assert code == 0
    return run_dir


def test_run_trains_sac_through_the_loop(trained_run: Path) -> None:
    lines = [json.loads(line) for line in (trained_run / "metrics.jsonl").read_text().splitlines()]
    train = [line for line in lines if line["kind"] == "train"]
    last = train[-1]
    assert last["step"] == 300
    # learning from step 100, 8 gradient steps every 8 env steps: 200 updates
    assert last["updates"] == 200
    for key in ("critic_loss", "actor_loss", "alpha", "entropy"):
        assert np.isfinite(last[key])
    # The shipped gSDE policy starts with log_std -3, far less entropy than the target -|A| = -6
    # asks for, so the temperature was tuned up from its start value of 1.
    assert last["entropy"] < -6.0
    assert last["alpha"] > 1.0
    assert last["episodes"] == 300 // EPISODE
    assert any((trained_run / "checkpoints").iterdir())


def test_eval_video_writes_a_playable_mp4(trained_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(trained_run), "--episodes", "1", "--video"]) == 0
    out = capsys.readouterr().out
    videos = list((trained_run / "videos").glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 10_000
    reader = imageio_ffmpeg.read_frames(str(videos[0]))
    meta = next(reader)
    frames = sum(1 for _ in reader)
    assert meta["size"] == (320, 240)
    assert frames == EPISODE + 1  # the reset frame and one per step
    # The video plays the same greedy episode as the evaluation (same seed, deterministic policy).
    mean = float(out.split("mean ")[1].split()[0])
    shown = float(out.split("return ")[1].split(")")[0])
    assert shown == pytest.approx(mean, abs=0.01)


def test_other_pybullet_ids_and_bad_ids() -> None:
    ids = bullet_env_ids()
    assert "HalfCheetahBulletEnv-v0" in ids and "HopperBulletEnv-v0" in ids
    game = make_halfcheetah(HalfCheetahConfig(env_id="HopperBulletEnv-v0"))
    env = game.make_env(seed=0)
    try:
        assert env.action_space.shape == (3,)
    finally:
        env.close()
    with pytest.raises(GaikitError, match="not a pybullet-envs-gymnasium id"):
        make_halfcheetah(HalfCheetahConfig(env_id="CartPole-v1"))


def test_halfcheetah_is_headless() -> None:
    game = make_halfcheetah(HalfCheetahConfig())
    with pytest.raises(GaikitError, match="headless"):
        game.make_env(render_mode="human")
    env = game.make_env(seed=0, render_mode="rgb_array")
    try:
        unwrapped = env.unwrapped
        import pybullet

        assert unwrapped._p.getConnectionInfo()["connectionMethod"] == pybullet.DIRECT
        frame = env.render()
        assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8 and frame.std() > 0
    finally:
        env.close()


def test_cli_reports_a_bad_env_id_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "halfcheetah", "--steps", "10", "--run-dir", str(tmp_path / "r"),
                 "--set", "game.env_id=NoSuchBulletEnv-v0"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "NoSuchBulletEnv-v0" in err[0] and "HalfCheetahBulletEnv-v0" in err[0]
