"""The example plugin honours gaikit's contracts: subclass a contract, provide its fixtures.

The same clauses also run against everything the installed plugin registers
with ``pytest --gaikit-contract=gaikit-plugin-example``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gaikit.testing import EncoderContract, SelectorContract
from gaikit_plugin_example.boltzmann import BoltzmannConfig, make_boltzmann
from gaikit_plugin_example.resmlp import ResMLPConfig, make_resmlp


class TestResMLPEncoder(EncoderContract):
    """``resmlp`` on float state vectors and on byte vectors (e.g. Atari RAM)."""

    @pytest.fixture(
        params=[gym.spaces.Box(-10, 10, (11,), np.float32), gym.spaces.Box(0, 255, (4, 128), np.uint8)],
        ids=["float-vector", "bytes"],
    )
    def observation_space(self, request: pytest.FixtureRequest) -> gym.Space:
        return request.param

    @pytest.fixture
    def make_encoder(self):  # noqa: ANN201
        return lambda space: make_resmlp(space, ResMLPConfig(width=32, blocks=3))


class TestBoltzmannSelector(SelectorContract):
    """``boltzmann`` with both schedules, on a plain and an offset ``Discrete`` space."""

    @pytest.fixture(params=[gym.spaces.Discrete(4), gym.spaces.Discrete(3, start=1)], ids=["n4", "n3-start1"])
    def action_space(self, request: pytest.FixtureRequest) -> gym.Space:
        return request.param

    @pytest.fixture(params=["linear", "exponential"])
    def make_selector(self, request: pytest.FixtureRequest):  # noqa: ANN201
        config = BoltzmannConfig(schedule=request.param, decay_steps=1_000)
        return lambda space, *, seed: make_boltzmann(space, config, seed=seed)
