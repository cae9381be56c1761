"""The ``atari`` game family: ALE ids resolve to it with Atari preprocessing; no MLP on raw pixels."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

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
