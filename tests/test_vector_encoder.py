"""The ``vector`` encoder: shapes, dtypes, config validation, registration."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from pydantic import ValidationError

from gaikit.core.errors import GaikitError
from gaikit.core.tensors import as_tensor_obs
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder


def test_features_dim_is_last_hidden_width_and_output_is_float32():
    space = gym.spaces.Box(-1.0, 1.0, shape=(4,), dtype=np.float32)
    encoder = make_vector_encoder(space, VectorEncoderConfig(hidden=[32, 16]))
    out = encoder(as_tensor_obs(np.zeros((5, 4), dtype=np.float32)))
    assert encoder.features_dim == 16
    assert out.shape == (5, 16) and out.dtype == torch.float32
    # 4*32+32 + 32*16+16 weights and biases
    assert encoder.parameter_count() == 4 * 32 + 32 + 32 * 16 + 16


def test_multi_dimensional_observations_are_flattened():
    space = gym.spaces.Box(0.0, 1.0, shape=(2, 3, 2), dtype=np.float64)
    encoder = make_vector_encoder(space, VectorEncoderConfig(hidden=[8]))
    obs = np.random.default_rng(0).random((7, 2, 3, 2))
    assert encoder(as_tensor_obs(obs)).shape == (7, 8)


def test_empty_hidden_passes_the_flat_observation_through():
    space = gym.spaces.Box(-5, 5, shape=(3,), dtype=np.int64)
    encoder = make_vector_encoder(space, VectorEncoderConfig(hidden=[]))
    obs = np.array([[1, -2, 3]], dtype=np.int64)
    out = encoder(as_tensor_obs(obs))
    assert encoder.features_dim == 3
    assert out.dtype == torch.float32
    assert out.tolist() == [[1.0, -2.0, 3.0]]


def test_uint8_observations_are_scaled_to_unit_range():
    space = gym.spaces.Box(0, 255, shape=(2,), dtype=np.uint8)
    encoder = make_vector_encoder(space, VectorEncoderConfig(hidden=[]))
    tensor = as_tensor_obs(np.array([[0, 255]], dtype=np.uint8))
    assert tensor.dtype == torch.uint8  # the helper keeps the dtype; the encoder scales
    assert encoder(tensor).tolist() == [[0.0, 1.0]]


def test_tanh_activation_bounds_features():
    space = gym.spaces.Box(-1e3, 1e3, shape=(4,), dtype=np.float32)
    encoder = make_vector_encoder(space, VectorEncoderConfig(hidden=[16], activation="tanh"))
    out = encoder(as_tensor_obs(np.full((3, 4), 1e3, dtype=np.float32)))
    assert out.abs().max() <= 1.0


def test_non_box_space_is_a_clear_error():
    with pytest.raises(GaikitError, match="Box observation space, got Discrete"):
        make_vector_encoder(gym.spaces.Discrete(3), VectorEncoderConfig())


@pytest.mark.parametrize("bad", [{"hidden": [0]}, {"activation": "gelu"}, {"width": 3}])
def test_bad_config_is_rejected(bad):
    with pytest.raises(ValidationError):
        VectorEncoderConfig(**bad)
