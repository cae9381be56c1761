"""The built-in ``ddqn`` learner as the registry offers it: under its name, with its options model."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.build import validate_options
from gaikit.core.errors import ConfigError
from gaikit.core.registry import get_registry
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.ddqn import DDQN, DDQNConfig

OBS = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)


def test_ddqn_is_registered_by_name_with_its_factory_and_options_model():
    spec = get_registry().get("learners", "ddqn")
    assert (spec.name, spec.factory, spec.config) == ("ddqn", DDQN, DDQNConfig)


def test_options_from_a_config_file_are_validated_into_the_learner_settings():
    """YAML-style options become a DDQNConfig the factory builds from; unknown or bad options are errors."""
    spec = get_registry().get("learners", "ddqn")
    options = validate_options(spec, {"gamma": 0.9, "tau": 0.25, "head_hidden": [6], "max_grad_norm": None})
    learner = spec.factory(OBS, gym.spaces.Discrete(4), lambda: make_vector_encoder(OBS, VectorEncoderConfig()),
                           options, seed=0)
    assert isinstance(learner, DDQN)
    assert (learner.gamma, learner.config.tau, learner.config.max_grad_norm) == (0.9, 0.25, None)
    assert learner.predict(np.zeros((1, 3), np.float32)).values.shape == (1, 4)
    with pytest.raises(ConfigError, match="gama"):
        validate_options(spec, {"gama": 0.9})
    with pytest.raises(ConfigError, match="tau"):
        validate_options(spec, {"tau": 0.0})


def test_the_plugin_listing_describes_ddqn_in_one_line():
    """``gaikit plugins`` shows each component's description; ddqn's is a single non-empty line."""
    description = get_registry().get("learners", "ddqn").description
    assert description.strip() and "\n" not in description
