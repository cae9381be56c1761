"""The storage a replay memory keeps its transitions in, chosen by the memory's options.

Both built-in memories (``uniform`` and ``prioritized``) store through the same
interface, so each gets either storage:

* :class:`~gaikit.plugins.memories.frame_storage.FrameStorage` -- every frame
  once, stacks rebuilt at sampling (Atari: ``stacked: true``);
* :class:`ArrayStorage` -- ``obs`` and ``next_obs`` stored whole per step
  (exact for any observation stream; the default when nothing is stacked).

The interface: ``append(transition) -> StorageChanges``, ``sampleable()``,
``sample_starts(rng, size)``, ``state_dict()``/``load_state_dict()``, plus the
arrays and views :func:`~gaikit.plugins.memories.nstep.n_step_batch` reads.
"""

from __future__ import annotations

from typing import Literal

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import Observation, Transition
from gaikit.core.errors import GaikitError
from gaikit.plugins.memories.frame_layout import StorageChanges
from gaikit.plugins.memories.frame_storage import FrameStorage
from gaikit.plugins.memories.ring_storage import TransitionStorage


class StorageOptions(BaseModel):
    """Storage options shared by the built-in memories."""

    model_config = ConfigDict(extra="forbid")

    stacked: bool | list[str] = Field(
        False,
        description="Observations carry a leading frame-stack axis (true: every array; a list: those Dict keys): "
        "store each frame once and rebuild stacks when sampling.",
    )
    storage: Literal["auto", "frames", "arrays"] = Field(
        "auto",
        description="auto: frames when anything is stacked, else arrays; frames: one row per frame; "
        "arrays: obs and next_obs stored whole per step.",
    )


class ArrayStorage(TransitionStorage):
    """:class:`TransitionStorage` with the sampleable-start bookkeeping of the storage interface.

    All envs share one cursor; a start is sampleable once ``n_step - 1`` later
    rows are written, so the sampleable starts are the oldest
    ``filled - (n_step - 1)`` rows of every env.
    """

    def __init__(self, observation_space: gym.Space, action_space: gym.Space, rows: int, num_envs: int, *, n_step: int) -> None:
        if rows < n_step:
            raise GaikitError(
                f"memory.capacity: keeps {rows} steps per env over {num_envs} envs, "
                f"fewer than n_step={n_step}; raise the capacity"
            )
        super().__init__(observation_space, action_space, rows, num_envs)
        self.n_step = n_step
        self._env_offsets = np.arange(num_envs)

    def _row_flat(self, row: int) -> np.ndarray:
        return row * self.num_envs + self._env_offsets

    def append(self, transition: Transition) -> StorageChanges:  # type: ignore[override]
        """Store one row; the overwritten oldest row drops out, the row ``n_step - 1`` back completes."""
        row, was_sampleable = self.cursor, self.sampleable() > 0 and self.filled == self.rows
        super().append(transition)
        dropped = self._row_flat(row) if was_sampleable else np.zeros(0, dtype=np.int64)
        added = np.zeros(0, dtype=np.int64)
        if self.filled >= self.n_step:
            added = self._row_flat((row - (self.n_step - 1)) % self.rows)
        return StorageChanges(added=added, dropped=dropped, written=self._row_flat(row))

    def sampleable(self) -> int:
        """Start positions whose n-step window is complete (summed over envs)."""
        return max(0, self.filled - (self.n_step - 1)) * self.num_envs

    def read_pair(self, rows: np.ndarray, last_rows: np.ndarray, envs: np.ndarray) -> tuple[Observation, Observation]:
        """``obs`` of the steps at ``rows`` and ``next_obs`` of the steps at ``last_rows``."""
        return self.obs.read(rows, envs), self.next_obs.read(last_rows, envs)

    def sample_starts(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` sampleable ``(rows, envs)`` drawn uniformly with replacement."""
        available = self.sampleable()
        if available == 0:
            raise GaikitError(
                f"memory: nothing to sample yet ({self.filled} steps stored, n_step={self.n_step}); "
                "raise train.learning_starts"
            )
        flat = rng.integers(0, available, size=size)
        age_order, envs = np.divmod(flat, self.num_envs)  # 0 = oldest stored step
        return (self.oldest_row + age_order) % self.rows, envs

    def is_sampleable(self, flat: np.ndarray) -> np.ndarray:
        """Whether each flat start index is sampleable now."""
        age_order = (flat // self.num_envs - self.oldest_row) % self.rows
        return age_order < self.filled - (self.n_step - 1)


def make_storage(
    observation_space: gym.Space,
    action_space: gym.Space,
    options: StorageOptions,
    *,
    capacity: int,
    num_envs: int,
    n_step: int,
) -> FrameStorage | ArrayStorage:
    """The storage ``options`` ask for, with ``capacity // num_envs`` rows per env."""
    rows = capacity // num_envs
    stacked = options.stacked
    if options.storage == "arrays" and stacked:
        raise GaikitError("memory.storage: 'arrays' cannot rebuild frame stacks; use 'frames' or set stacked: false")
    if options.storage == "frames" or (options.storage == "auto" and stacked):
        return FrameStorage(observation_space, action_space, rows, num_envs, n_step=n_step, stacked=stacked)
    return ArrayStorage(observation_space, action_space, rows, num_envs, n_step=n_step)
