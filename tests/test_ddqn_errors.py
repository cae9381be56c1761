"""The ``ddqn`` learner's error messages: each says what is wrong and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping

import gymnasium as gym
import pytest

from gaikit.core.errors import CheckpointError, GaikitError
from test_ddqn import make_learner


def test_a_continuous_action_space_error_points_to_a_continuous_control_learner():
    with pytest.raises(GaikitError) as info:
        make_learner(action_space=gym.spaces.Box(-1, 1, (2,)))
    assert str(info.value) == (
        "learner 'ddqn' needs a Discrete action space, got Box; use a continuous-control learner such as 'sac'"
    )


def test_a_state_lacking_several_parts_names_each_of_them():
    state = make_learner(hidden=(4,)).state_dict()
    del state["optimizer"], state["gradient_steps"]
    with pytest.raises(CheckpointError) as info:
        make_learner(hidden=(4,)).load_state_dict(state)
    assert str(info.value) == "learner 'ddqn': state lacks optimizer, gradient_steps"


class UnreadableWeights(Mapping):
    """A network state whose entries cannot be read: each raises a ``KeyError`` without a message."""

    def __init__(self, keys):
        self._keys = list(keys)

    def __getitem__(self, key):
        raise KeyError()

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)


def test_a_state_that_fails_without_a_message_is_reported_by_the_exception_type():
    """An empty exception message still gives a reason: the exception's type name."""
    learner = make_learner(hidden=(4,))
    state = learner.state_dict()
    state["online"] = UnreadableWeights(state["online"])
    with pytest.raises(CheckpointError) as info:
        learner.load_state_dict(state)
    assert str(info.value) == "learner 'ddqn': the state does not fit this network: KeyError"
