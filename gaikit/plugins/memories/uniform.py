"""Memory ``uniform``: a ring buffer fed by N envs, sampled uniformly, with n-step returns."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from pydantic import ConfigDict, Field

from gaikit.core.components import Batch, Memory, StateDict, Transition
from gaikit.core.hookspecs import Register
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.memories.nstep import n_step_batch
from gaikit.plugins.memories.replay_storage import StorageOptions, make_storage


class UniformMemoryConfig(StorageOptions):
    """Options of the ``uniform`` memory (storage options: :class:`StorageOptions`)."""

    model_config = ConfigDict(extra="forbid")

    capacity: int = Field(100_000, gt=0, description="Transitions kept, summed over envs; the oldest are overwritten.")
    n_step: int = Field(1, ge=1, description="n-step return horizon (the agent sets it from the learner's n_step).")


class UniformMemory(Memory):
    """Uniform experience replay over every complete n-step window.

    Storage holds ``capacity // num_envs`` steps of each environment. A start
    position can be sampled once its n-step window is fully written, i.e. the
    newest ``n_step - 1`` steps wait until later steps arrive. Sampling is with
    replacement, from a seeded ``numpy`` generator; importance weights are ones.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        config: UniformMemoryConfig,
        *,
        num_envs: int,
        gamma: float,
        seed: int,
    ) -> None:
        rows = config.capacity // num_envs
        if rows < config.n_step:
            raise GaikitError(
                f"memory.capacity: {config.capacity} transitions over {num_envs} envs keeps {rows} steps per env, "
                f"fewer than n_step={config.n_step}; raise the capacity"
            )
        if not 0.0 <= gamma <= 1.0:
            raise GaikitError(f"memory: gamma must be in [0, 1], got {gamma}")
        self.config = config
        self.n_step = config.n_step
        self.gamma = gamma
        self.num_envs = num_envs
        self.storage = make_storage(
            observation_space, action_space, config, capacity=config.capacity, num_envs=num_envs, n_step=config.n_step
        )
        self.rng = np.random.default_rng(seed)

    def add(self, transition: Transition) -> None:
        """Store one step of every environment."""
        self.storage.append(transition)

    def __len__(self) -> int:
        """Start positions whose n-step window is complete (summed over envs)."""
        return self.storage.sampleable()

    def sample(self, batch_size: int) -> Batch:
        """``batch_size`` windows drawn uniformly with replacement."""
        rows, envs = self.storage.sample_starts(self.rng, batch_size)
        weights = np.ones(batch_size, dtype=np.float32)
        return n_step_batch(self.storage, rows, envs, n_step=self.n_step, gamma=self.gamma, weights=weights)

    def state_dict(self) -> StateDict:
        """Stored transitions (numpy arrays), cursor, fill level and generator state."""
        return {
            "storage": self.storage.state_dict(),
            "rng": self.rng.bit_generator.state,
            "n_step": self.n_step,
            "gamma": self.gamma,
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        if (state.get("n_step"), state.get("gamma")) != (self.n_step, self.gamma):
            raise CheckpointError(
                f"memory state was saved with n_step={state.get('n_step')}, gamma={state.get('gamma')}; "
                f"this memory has n_step={self.n_step}, gamma={self.gamma}"
            )
        self.storage.load_state_dict(state["storage"])
        self.rng.bit_generator.state = state["rng"]


def make_uniform_memory(
    observation_space: gym.Space,
    action_space: gym.Space,
    config: UniformMemoryConfig,
    *,
    num_envs: int,
    gamma: float,
    seed: int,
) -> UniformMemory:
    """Factory for the ``uniform`` memory."""
    return UniformMemory(observation_space, action_space, config, num_envs=num_envs, gamma=gamma, seed=seed)


def register(register_fn: Register) -> None:
    """Register the ``uniform`` memory."""
    register_fn(
        "uniform",
        make_uniform_memory,
        config=UniformMemoryConfig,
        description="Ring buffer fed by N envs, uniform sampling, n-step returns.",
    )
