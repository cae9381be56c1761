"""Inputs that mypy showed were unhandled now fail with one clear gaikit error.

- The Atari wrappers on an env that is not an ``ale_py`` ``AtariEnv``
  (they read its emulator): a ``GaikitError`` naming what they got, not an
  ``AttributeError`` from deep inside.
- The memory contract's batch check (MEM-2) on a space without a fixed shape:
  a MEM-2 violation saying so, not a ``TypeError`` from unpacking ``None``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from gaikit.core.errors import GaikitError
from gaikit.plugins.games.atari_envs import PixelsAndRam, RamPreprocessing
from gaikit.testing.clauses import ContractViolation
from gaikit.testing.data import flat_dim
from gaikit.testing.memory import check_batch_layout


@pytest.mark.parametrize("wrap", [
    lambda env: RamPreprocessing(env, noop_max=30, frame_skip=4),
    PixelsAndRam,
])
def test_atari_wrappers_name_a_non_atari_env(wrap) -> None:
    env = gym.make("CartPole-v1")
    try:
        with pytest.raises(GaikitError, match="expected an ale_py AtariEnv under the wrappers, got CartPoleEnv"):
            wrap(env)
    finally:
        env.close()


class _Batch:
    def __init__(self, n: int) -> None:
        self.obs = self.next_obs = np.zeros((n, 3), dtype=np.float32)
        self.actions = np.zeros((n,), dtype=np.int64)
        self.rewards = self.discounts = self.weights = np.zeros(n, dtype=np.float32)
        self.indices = np.arange(n, dtype=np.int64)


def test_batch_check_reports_a_shapeless_action_space() -> None:
    obs_space = spaces.Box(-1.0, 1.0, (3,), np.float32)
    check_batch_layout(_Batch(4), obs_space, spaces.Discrete(2), 4)  # the well-formed case passes
    with pytest.raises(ContractViolation, match=r"MEM-2.*the action space Text\(.*\) has no fixed shape"):
        check_batch_layout(_Batch(4), obs_space, spaces.Text(5), 4)


def test_flat_dim_reports_a_shapeless_space() -> None:
    assert flat_dim(spaces.Dict({"a": spaces.Box(0, 1, (2, 3)), "b": spaces.Discrete(4)})) == 6 + 1
    with pytest.raises(GaikitError, match=r"Text\(.*\) has no fixed shape"):
        flat_dim(spaces.Text(5))
