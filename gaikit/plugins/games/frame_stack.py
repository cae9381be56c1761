"""A frame-stacking wrapper that owns its whole state, so an env's stack can be saved and restored.

:class:`FrameStack` returns the last ``stack_size`` observations stacked along
a new leading axis (oldest first, newest last), zero-padded after a reset:
the observation a reset returns is ``[0, ..., 0, o0]``. A ``Dict``
observation is stacked per key (``{"pixels": (k, ...), "ram": (k, ...)}``).
This is what gymnasium's ``FrameStackObservation(env, k, padding_type="zero")``
returns; gaikit keeps its own class because exact resume has to read and
write the frame queue (:meth:`FrameStack.frames`, :meth:`FrameStack.set_frames`),
which gymnasium keeps as an implementation detail of its wrapper.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Mapping, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.vector.utils import batch_space

from gaikit.core.errors import GaikitError


def _zeros(space: gym.Space) -> Any:
    """The all-zero observation of a ``Box`` space or a ``Dict`` of them."""
    if isinstance(space, gym.spaces.Dict):
        return {key: _zeros(sub) for key, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Box):
        return np.zeros(space.shape, dtype=space.dtype)
    raise GaikitError(f"frame stack: observations must be a Box or a Dict of Box spaces, got {space}")


class FrameStack(gym.Wrapper):
    """Stacks the last ``stack_size`` observations along a new leading axis, zero-padded at reset."""

    def __init__(self, env: gym.Env, stack_size: int) -> None:
        """Wrap ``env`` (a ``Box`` or ``Dict`` of ``Box`` observation space)."""
        if int(stack_size) < 1:
            raise GaikitError(f"frame stack: stack must be >= 1, got {stack_size}")
        super().__init__(env)
        self.stack_size = int(stack_size)
        self.observation_space = batch_space(env.observation_space, n=self.stack_size)
        self._padding = _zeros(env.observation_space)
        self._queue: deque[Any] = deque([self._padding] * self.stack_size, maxlen=self.stack_size)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Reset the env; the stack is the padding followed by the first observation."""
        obs, info = self.env.reset(seed=seed, options=options)
        self._queue.extend([self._padding] * (self.stack_size - 1) + [obs])
        return self._stacked(), info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env and push its observation onto the stack."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._queue.append(obs)
        return self._stacked(), reward, terminated, truncated, info

    def _stacked(self) -> Any:
        frames, padding = list(self._queue), self._padding
        if isinstance(padding, Mapping):
            return {key: np.stack([frame[key] for frame in frames]).astype(padding[key].dtype, copy=False)
                    for key in padding}
        return np.stack(frames).astype(padding.dtype, copy=False)

    def frames(self) -> Any:
        """The current stack (a copy): an array ``(stack_size, ...)`` or a dict of such arrays."""
        return self._stacked()

    def set_frames(self, frames: Any) -> None:
        """Make ``frames`` (what :meth:`frames` returned) the current stack."""
        if isinstance(self._padding, Mapping):
            if not isinstance(frames, Mapping) or set(frames) != set(self._padding):
                raise GaikitError(f"frame stack: expected frames with keys {sorted(self._padding)}")
            parts = {key: np.asarray(frames[key]) for key in self._padding}
            self._check_frames(parts)
            self._queue.extend({key: parts[key][i].copy() for key in parts} for i in range(self.stack_size))
        else:
            array = np.asarray(frames)
            self._check_frames({None: array})
            self._queue.extend(array[i].copy() for i in range(self.stack_size))

    def _check_frames(self, parts: dict[Any, np.ndarray]) -> None:
        for key, array in parts.items():
            padding = self._padding if key is None else self._padding[key]
            expected = (self.stack_size, *padding.shape)
            if array.shape != expected or array.dtype != padding.dtype:
                where = "" if key is None else f"[{key!r}]"
                raise GaikitError(
                    f"frame stack: frames{where} have shape {array.shape} and dtype {array.dtype}, "
                    f"expected {expected} and {padding.dtype}"
                )
