"""The ``atari`` game family: ALE ids resolve to it with Atari preprocessing; no MLP on raw pixels."""

from __future__ import annotations

import re

import gymnasium as gym
import numpy as np
import pytest
import yaml

import gaikit
from gaikit.cli import main
from gaikit.core.errors import ConfigError
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.games.atari import AtariFamilyConfig, AtariFamilyGame, rom_name


def test_rom_names() -> None:
    assert rom_name("ALE/Breakout-v5") == "breakout"
    assert rom_name("ALE/MontezumaRevenge-v5") == "montezuma_revenge"


@pytest.mark.parametrize("env_id", ["ALE/Breakout-v5", "ALE/Pong-v5"])
def test_pixels_are_preprocessed(env_id: str) -> None:
    game = AtariFamilyGame(AtariFamilyConfig(env_id=env_id, observation="pixels"))
    env = game.make_env(seed=0)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    env.close()


def test_vector_on_pixels_is_an_error() -> None:
    space = gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    with pytest.raises(ConfigError, match="--encoder image"):
        make_vector_encoder(space, VectorEncoderConfig())
    make_vector_encoder(gym.spaces.Box(0, 255, (4, 128), np.uint8), VectorEncoderConfig())


def test_resolve_routes_ale_ids() -> None:
    from gaikit.core.registry import build_registry, make_plugins  # noqa: PLC0415
    from gaikit.resolve import resolve_game

    assert resolve_game(build_registry(make_plugins()), "ALE/Pong-v5") == ("atari", {"env_id": "ALE/Pong-v5"})


# ---- end to end: `gaikit run ALE/<Game>-v5` per encoder ------------------------------------------------

#: A few seconds per case: a short run, a small replay memory, learning from step 64, no periodic evaluation.
ALE_TINY = ["--steps", "160", "--set", "train.learning_starts=64", "--set", "train.batch_size=4",
            "--set", "train.eval_every=0", "--set", "train.checkpoint_every=0", "--set", "train.log_every=80",
            "--set", "train.threads=1", "--set", "memory.capacity=300"]
#: Trainable encoder parameters at the atari defaults (atari_defaults.yaml), whatever the game's action count.
NATURE_CONVS = (4 * 32 * 8 * 8 + 32) + (32 * 64 * 4 * 4 + 64) + (64 * 64 * 3 * 3 + 64)   # 8x8/4, 4x4/2, 3x3/1
ENCODER_PARAMETERS = {
    "image": NATURE_CONVS + (64 * 7 * 7 * 512 + 512),   # the Nature CNN: 1,684,128
    "ram": (4 * 128 * 128 + 128) + (128 * 128 + 128),   # MLP [128, 128] on 4 stacked RAM snapshots
    "mixed": NATURE_CONVS + (4 * 128 * 512 + 512) + (512 * 256 + 256),   # convs ++ RAM MLP [512, 256], fused at the end
}
FRAMES = gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)   # 4 stacked 84x84 grayscale frames
RAM = gym.spaces.Box(0, 255, (4, 128), np.uint8)


@pytest.mark.parametrize(("env_id", "encoder"), [("ALE/Breakout-v5", "image"), ("ALE/Breakout-v5", "ram"),
                                                  ("ALE/Breakout-v5", "mixed"), ("ALE/Pong-v5", "image")])
def test_cli_run_on_any_ale_id(env_id, encoder, tmp_path, capsys) -> None:
    """``gaikit run ALE/<Game>-v5 --encoder E``: the atari family, Atari preprocessing, a full run directory."""
    run_dir = tmp_path / "run"
    assert main(["run", env_id, "--encoder", encoder, "--run-dir", str(run_dir), *ALE_TINY]) == 0
    out = capsys.readouterr().out
    assert f"gaikit run: {env_id}\n" in out and f"1 x {env_id} (seed" in out  # the game played, not "atari"
    assert f"encoder {encoder}, learner ddqn, memory prioritized, selector epsilon-greedy" in out
    params = int(re.search(r"encoder\s+([\d,]+) trainable parameters", out).group(1).replace(",", ""))
    assert params == ENCODER_PARAMETERS[encoder]
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["game"]["name"] == "atari" and saved["game"]["options"]["env_id"] == env_id
    assert saved["encoder"]["name"] == encoder
    preprocessing = {key: saved["game"]["options"][key] for key in ("frame_skip", "stack", "grayscale", "size",
                                                                     "noop_max", "clip_rewards")}
    assert preprocessing == {"frame_skip": 4, "stack": 4, "grayscale": True, "size": 84, "noop_max": 30,
                             "clip_rewards": True}
    assert {p.name for p in run_dir.iterdir()} >= {"config.yaml", "metrics.jsonl", "episodes.csv", "checkpoints",
                                                   "plots", "tb"}
    assert (run_dir / "checkpoints" / "step_160").is_dir() and (run_dir / "plots" / "learning_curve.png").is_file()
    agent = gaikit.load(run_dir)
    expected = {"image": FRAMES, "ram": RAM, "mixed": gym.spaces.Dict({"pixels": FRAMES, "ram": RAM})}[encoder]
    assert agent.observation_space == expected
    assert agent.action_space == gym.make(env_id).action_space
