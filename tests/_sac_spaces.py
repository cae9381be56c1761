"""The spaces the SAC tests share."""

import gymnasium as gym
import numpy as np

OBS = gym.spaces.Box(-5.0, 5.0, shape=(3,), dtype=np.float32)
#: Asymmetric, non-unit bounds so the affine rescaling is exercised.
ACTIONS = gym.spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([2.0, 3.0], np.float32), dtype=np.float32)
