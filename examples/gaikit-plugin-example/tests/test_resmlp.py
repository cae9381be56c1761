"""Behaviour of the residual MLP encoder beyond the contract."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.errors import GaikitError
from gaikit_plugin_example.resmlp import ResMLPConfig, make_resmlp


def test_blocks_start_as_identity_so_depth_does_not_change_the_initial_function() -> None:
    space = gym.spaces.Box(-1, 1, (6,), np.float32)
    torch.manual_seed(0)
    shallow = make_resmlp(space, ResMLPConfig(width=16, blocks=0))
    torch.manual_seed(0)
    deep = make_resmlp(space, ResMLPConfig(width=16, blocks=4))
    obs = torch.randn(3, 6)
    assert torch.allclose(shallow(obs), deep(obs))


def test_width_sets_features_dim_and_parameter_count_grows_with_blocks() -> None:
    space = gym.spaces.Box(-1, 1, (6,), np.float32)
    one = make_resmlp(space, ResMLPConfig(width=24, blocks=1))
    two = make_resmlp(space, ResMLPConfig(width=24, blocks=2))
    assert one.features_dim == two.features_dim == 24
    block = 2 * 24 + (24 * 48 + 48) + (48 * 24 + 24)  # LayerNorm + up + down
    assert two.parameter_count() - one.parameter_count() == block


def test_bytes_are_scaled_to_unit_range() -> None:
    encoder = make_resmlp(gym.spaces.Box(0, 255, (4,), np.uint8), ResMLPConfig(width=8, blocks=0))
    full = torch.full((1, 4), 255, dtype=torch.uint8)
    ones = torch.ones(1, 4)
    assert torch.allclose(encoder(full), encoder.head(encoder.stem(ones)))


def test_rejects_non_box_spaces() -> None:
    with pytest.raises(GaikitError, match="needs a Box observation space"):
        make_resmlp(gym.spaces.Discrete(3), ResMLPConfig())
