"""Ring-buffer storage of transitions from N parallel environments.

The storage is *time-major*: row ``t`` holds one step of every environment, so
the transitions of environment ``e`` are ``[t, e]`` for consecutive ``t`` and
an n-step window is simply the next rows of the same column. It only stores
and returns arrays; deciding what to sample and how to turn a window into a
return lives in the memories (:mod:`.uniform`, :mod:`.nstep`).

Observations are kept by :class:`ObservationArrays`, one preallocated array per
``Dict`` key; a memory-hungrier game can swap it for a storage that shares
frames between ``obs`` and ``next_obs``.
"""

from __future__ import annotations

from typing import Any, Mapping, cast

import gymnasium as gym
import numpy as np

from gaikit.core.components import Observation, StateDict, Transition
from gaikit.core.errors import CheckpointError, GaikitError


def _space_layout(space: gym.Space) -> dict[str | None, tuple[tuple[int, ...], np.dtype]]:
    """``{key: (shape, dtype)}`` for a space; the single key ``None`` for non-Dict spaces."""
    if isinstance(space, gym.spaces.Dict):
        return {str(key): _array_layout(sub, str(key)) for key, sub in space.spaces.items()}
    return {None: _array_layout(space, None)}


def _array_layout(space: gym.Space, key: str | None) -> tuple[tuple[int, ...], np.dtype]:
    if space.shape is None or space.dtype is None:
        where = f" (key {key!r})" if key is not None else ""
        raise GaikitError(
            f"replay storage cannot store a {type(space).__name__} space{where}: it has no fixed shape/dtype"
        )
    return tuple(space.shape), np.dtype(space.dtype)


def check_rows(num_envs: int, **columns: Any) -> None:
    """Raise unless every column (actions, rewards, flags) has ``num_envs`` rows, one per env."""
    for name, value in columns.items():
        shape = value.shape if type(value) is np.ndarray else np.shape(value)
        if not shape or shape[0] != num_envs:
            raise GaikitError(f"memory.add: {name} must have {num_envs} rows (one per env), got shape {shape}")


class ObservationArrays:
    """Observations in a ring: one ``(rows, num_envs, *shape)`` array per ``Dict`` key."""

    def __init__(self, space: gym.Space, rows: int, num_envs: int) -> None:
        self.is_dict = isinstance(space, gym.spaces.Dict)
        self.arrays: dict[str | None, np.ndarray] = {
            key: np.zeros((rows, num_envs, *shape), dtype=dtype) for key, (shape, dtype) in _space_layout(space).items()
        }

    def write(self, row: int, obs: Observation) -> None:
        """Store one step of every environment at ``row``."""
        if self.is_dict:
            if not isinstance(obs, Mapping) or set(obs) != set(self.arrays):
                got = sorted(obs) if isinstance(obs, Mapping) else type(obs).__name__
                raise GaikitError(f"memory: expected observation keys {sorted(map(str, self.arrays))}, got {got}")
            for key, array in self.arrays.items():
                array[row] = obs[cast(str, key)]  # a Dict space's keys are all str
        else:
            self.arrays[None][row] = obs

    def read(self, rows: np.ndarray, envs: np.ndarray) -> Observation:
        """Observations at ``(rows[i], envs[i])`` as a batch (a copy)."""
        if self.is_dict:
            return {cast(str, key): array[rows, envs] for key, array in self.arrays.items()}
        return self.arrays[None][rows, envs]

    def state_dict(self, filled: int) -> StateDict:
        """The first ``filled`` rows of every array, keyed by ``Dict`` key (``"obs"`` otherwise)."""
        return {_state_key(key): array[:filled].copy() for key, array in self.arrays.items()}

    def load_state_dict(self, state: StateDict, filled: int) -> None:
        """Restore what :meth:`state_dict` returned."""
        for key, array in self.arrays.items():
            _restore(array, state, _state_key(key), filled)


def _state_key(key: str | None) -> str:
    return "obs" if key is None else key


def _restore(target: np.ndarray, state: Mapping[str, Any], name: str, filled: int) -> None:
    if name not in state:
        raise CheckpointError(f"memory state: missing array {name!r}")
    value = np.asarray(state[name])
    if value.shape != (filled, *target.shape[1:]) or value.dtype != target.dtype:
        raise CheckpointError(
            f"memory state: array {name!r} has shape {value.shape} and dtype {value.dtype}, "
            f"expected {(filled, *target.shape[1:])} and {target.dtype} (was the config changed?)"
        )
    target[:filled] = value


class TransitionStorage:
    """A time-major ring of transitions: ``rows`` steps of ``num_envs`` environments.

    :meth:`append` writes one row (one step of every environment) at
    :attr:`cursor` and advances it; once :attr:`filled` reaches ``rows`` the
    oldest row is overwritten. ``next_obs`` is stored explicitly because the
    successor of an episode's last step is its final observation, not the next
    row's (reset) observation.
    """

    def __init__(self, observation_space: gym.Space, action_space: gym.Space, rows: int, num_envs: int) -> None:
        if rows < 1 or num_envs < 1:
            raise GaikitError(f"replay storage needs rows >= 1 and num_envs >= 1, got {rows} and {num_envs}")
        self.rows = rows
        self.num_envs = num_envs
        action_shape, action_dtype = _array_layout(action_space, None)
        self.obs = ObservationArrays(observation_space, rows, num_envs)
        self.next_obs = ObservationArrays(observation_space, rows, num_envs)
        self.actions = np.zeros((rows, num_envs, *action_shape), dtype=action_dtype)
        self.rewards = np.zeros((rows, num_envs), dtype=np.float32)
        self.terminated = np.zeros((rows, num_envs), dtype=np.bool_)
        self.truncated = np.zeros((rows, num_envs), dtype=np.bool_)
        #: Row the next :meth:`append` writes.
        self.cursor = 0
        #: Rows holding data (at most ``rows``).
        self.filled = 0

    @property
    def oldest_row(self) -> int:
        """The row holding the oldest step still stored."""
        return self.cursor if self.filled == self.rows else 0

    def append(self, transition: Transition) -> None:
        """Store one step of every environment (each array of ``transition`` has ``num_envs`` rows)."""
        t = transition
        check_rows(self.num_envs, actions=t.actions, rewards=t.rewards, terminated=t.terminated, truncated=t.truncated)
        row = self.cursor
        self.obs.write(row, t.obs)
        self.next_obs.write(row, t.next_obs)
        self.actions[row] = t.actions
        self.rewards[row] = t.rewards
        self.terminated[row] = t.terminated
        self.truncated[row] = t.truncated
        self.cursor = (row + 1) % self.rows
        self.filled = min(self.filled + 1, self.rows)

    def state_dict(self) -> StateDict:
        """Stored rows (numpy arrays), cursor and fill level."""
        filled = self.filled
        return {
            "rows": self.rows,
            "num_envs": self.num_envs,
            "cursor": self.cursor,
            "filled": filled,
            "obs": self.obs.state_dict(filled),
            "next_obs": self.next_obs.state_dict(filled),
            "actions": self.actions[:filled].copy(),
            "rewards": self.rewards[:filled].copy(),
            "terminated": self.terminated[:filled].copy(),
            "truncated": self.truncated[:filled].copy(),
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned; the layout must match this storage."""
        if (state.get("rows"), state.get("num_envs")) != (self.rows, self.num_envs):
            raise CheckpointError(
                f"memory state holds {state.get('rows')} rows x {state.get('num_envs')} envs, but this memory has "
                f"{self.rows} x {self.num_envs}; resume with the same capacity and --envs"
            )
        filled, cursor = int(state["filled"]), int(state["cursor"])
        if not (0 <= filled <= self.rows and 0 <= cursor < self.rows):
            raise CheckpointError(f"memory state: cursor {cursor} / filled {filled} out of range for {self.rows} rows")
        self.obs.load_state_dict(state["obs"], filled)
        self.next_obs.load_state_dict(state["next_obs"], filled)
        for name in ("actions", "rewards", "terminated", "truncated"):
            _restore(getattr(self, name), state, name, filled)
        self.filled, self.cursor = filled, cursor
