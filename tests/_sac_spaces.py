"""The spaces, and a random batch in them, that the SAC tests share."""

import gymnasium as gym
import numpy as np

from gaikit.core.components import Batch

OBS = gym.spaces.Box(-5.0, 5.0, shape=(3,), dtype=np.float32)
#: Asymmetric, non-unit bounds so the affine rescaling is exercised.
ACTIONS = gym.spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([2.0, 3.0], np.float32), dtype=np.float32)


def random_batch(n: int, seed: int, discount: float) -> Batch:
    """``n`` random transitions in :data:`OBS` x :data:`ACTIONS`, every one bootstrapped with ``discount``."""
    rng = np.random.default_rng(seed)
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(np.float32),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=np.full(n, discount, np.float32),
        weights=np.ones(n, np.float32),
        indices=np.arange(n),
    )
