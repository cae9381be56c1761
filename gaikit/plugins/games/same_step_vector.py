"""A ``SyncVectorEnv`` in ``SameStep`` autoreset mode with less work per step.

Gymnasium's ``SyncVectorEnv.step`` is general: it dispatches on the action
space to iterate the actions, batches the observations through a
``singledispatch`` ``concatenate`` and ``deepcopy``\\ s the result, and builds the
info dict with a general ``_add_info`` that allocates a mask per key even
when one exists. With one Atari RAM env behind it that is about a quarter of
an agent step. :class:`SameStepSyncVectorEnv` returns exactly what
``SyncVectorEnv`` returns (the same observations, rewards, flags, final
observations and info arrays, keys in the same order) with direct indexing
and plain copies; anything it was not written for (another autoreset mode,
actions that are not a numpy array of ``num_envs`` rows, non-``Box``
observations for the batching) goes through the inherited code.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.vector.utils import concatenate

#: Python types ``_add_info`` batches into a numpy array of that dtype (as gymnasium does).
_SCALAR_TYPES = (int, float, bool)


class SameStepSyncVectorEnv(SyncVectorEnv):
    """``SyncVectorEnv`` with a faster :meth:`step` and ``_add_info`` (same results; see module doc)."""

    def __init__(self, env_fns: Any, copy: bool = True) -> None:
        """Build the sub-envs like ``SyncVectorEnv(env_fns, copy=copy, autoreset_mode=SAME_STEP)``."""
        super().__init__(env_fns, copy=copy, autoreset_mode=AutoresetMode.SAME_STEP)
        self._fast_actions = isinstance(self.action_space, (gym.spaces.Box, gym.spaces.MultiDiscrete,
                                                            gym.spaces.MultiBinary))
        self._box_obs = isinstance(self.single_observation_space, gym.spaces.Box)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env; an env whose episode ended is reset in the same step (``SameStep``)."""
        if (self.autoreset_mode is not AutoresetMode.SAME_STEP or not self._fast_actions
                or type(actions) is not np.ndarray or actions.ndim == 0 or actions.shape[0] != self.num_envs):
            return super().step(actions)
        infos: dict[str, Any] = {}
        rewards, terminations, truncations = self._rewards, self._terminations, self._truncations
        env_obs = self._env_obs
        for i, env in enumerate(self.envs):
            obs, reward, terminated, truncated, env_info = env.step(actions[i])
            rewards[i], terminations[i], truncations[i] = reward, terminated, truncated
            if terminations[i] or truncations[i]:
                infos = self._add_info(infos, {"final_obs": obs, "final_info": env_info}, i)
                obs, env_info = env.reset()
            env_obs[i] = obs
            infos = self._add_info(infos, env_info, i)
        if self._box_obs:
            batch = self._observations
            for i, obs in enumerate(env_obs):
                batch[i] = obs
            out = batch.copy() if self.copy else batch
        else:
            self._observations = concatenate(self.single_observation_space, env_obs, self._observations)
            out = deepcopy(self._observations) if self.copy else self._observations
        self._autoreset_envs = np.logical_or(terminations, truncations)
        return out, rewards.copy(), terminations.copy(), truncations.copy(), infos

    def _add_info(self, vector_infos: dict[str, Any], env_info: dict[str, Any], env_num: int) -> dict[str, Any]:
        """Gymnasium's ``VectorEnv._add_info`` (same arrays, masks and key order), without spare allocations."""
        num_envs = self.num_envs
        for key, value in env_info.items():
            if key == "final_obs":
                array = vector_infos.get("final_obs")
                if array is None:
                    array = np.full(num_envs, fill_value=None, dtype=object)
                array[env_num] = value
            elif isinstance(value, dict):
                array = self._add_info(vector_infos.get(key, {}), value, env_num)
            else:
                if key in vector_infos:
                    array = vector_infos[key]
                else:
                    kind = type(value)
                    if kind in _SCALAR_TYPES or issubclass(kind, np.number):
                        array = np.zeros(num_envs, dtype=kind)
                    elif isinstance(value, np.ndarray):
                        array = np.zeros((num_envs, *value.shape), dtype=value.dtype)
                    else:
                        array = np.full(num_envs, fill_value=None, dtype=object)
                array[env_num] = value
            mask_key = f"_{key}"
            mask = vector_infos.get(mask_key)
            if mask is None:
                mask = np.zeros(num_envs, dtype=np.bool_)
            mask[env_num] = True
            vector_infos[key], vector_infos[mask_key] = array, mask
        return vector_infos
