"""How :class:`~gaikit.plugins.memories.frame_storage.FrameStorage` stores each observation key.

A *stacked* key's observation is a stack of ``k`` frames along its leading
axis (the newest last); one row stores one frame of it. An unstacked key
(``k = 1``) stores its whole observation per row. Also here: what an append
reports (:class:`StorageChanges`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import gymnasium as gym
import numpy as np

from gaikit.core.errors import GaikitError
from gaikit.plugins.memories.ring_storage import _space_layout


@dataclass(frozen=True)
class FrameKey:
    """One observation key (``None`` for a non-Dict space): stack size and per-row frame layout."""

    name: str | None
    stack: int
    stacked: bool
    frame_shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def state_name(self) -> str:
        """The key's name in a state dict (``"obs"`` for a non-Dict space)."""
        return "obs" if self.name is None else self.name


@dataclass
class StorageChanges:
    """Start positions (flat indices ``row * num_envs + env``) whose sampleability changed."""

    #: Starts that became sampleable (their n-step window is now complete).
    added: np.ndarray
    #: Starts that were sampleable and no longer are (overwritten by the ring).
    dropped: np.ndarray
    #: The start written by this append for each env, ``(num_envs,)`` in env order.
    written: np.ndarray


def frame_keys(space: gym.Space, stacked: bool | Sequence[str]) -> list[FrameKey]:
    """The layout of every key of ``space``; ``stacked`` is true (all), false (none) or Dict keys."""
    layout = _space_layout(space)
    if isinstance(stacked, bool):
        chosen = set(layout) if stacked else set()
    else:
        if None in layout:
            raise GaikitError("memory.stacked: a list of keys needs a Dict observation space; use true or false")
        unknown = sorted(set(stacked) - set(layout))
        if unknown:
            raise GaikitError(f"memory.stacked: unknown observation key {unknown[0]!r}; keys are {sorted(map(str, layout))}")
        chosen = set(stacked)
    keys = []
    for name, (shape, dtype) in layout.items():
        if name not in chosen:
            keys.append(FrameKey(name, 1, False, shape, dtype))
        elif len(shape) < 1 or shape[0] < 1:
            where = f"key {name!r}" if name is not None else "the observation"
            raise GaikitError(f"memory.stacked: {where} has shape {shape}, no leading frame-stack axis")
        else:
            keys.append(FrameKey(name, shape[0], True, shape[1:], dtype))
    return keys
