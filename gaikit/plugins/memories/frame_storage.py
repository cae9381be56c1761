"""Replay storage that keeps every frame once and rebuilds frame stacks at sampling time.

An Atari observation is a stack of the last ``k`` frames; consecutive
observations share ``k - 1`` of them, and ``next_obs`` of a step is ``obs`` of
the following one. Storing both stacks per transition costs ``2k`` frames;
this storage keeps one *row* per frame instead.

Rows. Each environment ``e`` owns a column ``[:, e]`` of ``rows`` slots, used as
a ring in which it writes consecutive rows (absolute row ``a`` lives in slot
``a % rows``). A row holds the newest frame of one observation (of every
stacked key; a whole observation for unstacked keys) and, when it is the
*start* of a step, that step's action, reward and flags. The stack of the
observation ending at row ``a`` is rows ``a-k+1 .. a``. ``next_obs`` of a
step at row ``a`` ends at row ``a + 1``, which is also the next step's row
while the episode goes on.

Episode boundaries are handled by content, not by convention: when a step's
``obs`` equals the stack already stored at the newest row (the usual case,
and also Atari's life-loss "terminal" after which the same frame stack goes
on) it reuses that row; otherwise (a reset, or the first step) its whole stack
is written as ``K`` fresh rows (``K`` = the largest stack size), so stacks at
an episode's start are rebuilt exactly -- zero padding, repeated first frames,
or real older frames, whatever the environment returned. The final
observation of an episode gets its own row, so ``next_obs`` of the last step
is exact. A continuing environment whose ``obs`` does not continue its
previous ``next_obs`` (e.g. environments restarted on resume) *cuts* the
trajectory: the previous step is marked truncated (it still bootstraps from
its exact ``next_obs``) and a fresh stack is written.

Cost: one frame per step, plus ``K`` rows per reset and one row per episode
end. Rows are the unit of ``capacity``.

Sampleable starts. A step row becomes sampleable once its n-step window is
complete (``n`` later steps written, or the episode ended inside the
window), and stops being sampleable when the ring is about to overwrite a
frame of its stack. :meth:`FrameStorage.append` reports both changes, so a
prioritized memory can keep priorities in step.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, cast

import gymnasium as gym
import numpy as np

from gaikit.core.components import Observation, StateDict, Transition
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.memories.frame_layout import StorageChanges, frame_keys
from gaikit.plugins.memories.ring_storage import _array_layout, check_rows


class StackView:
    """``read(rows, envs)``: observations ending ``shift`` rows after ``rows`` (0: obs, 1: next_obs)."""

    def __init__(self, storage: FrameStorage, shift: int) -> None:
        self.storage = storage
        self.shift = shift

    def read(self, rows: np.ndarray, envs: np.ndarray) -> Observation:
        """Observation stacks (a copy) for the steps at ``(rows[i], envs[i])``."""
        return self.storage.stacks((np.asarray(rows) + self.shift) % self.storage.rows, np.asarray(envs))


class FrameStorage:
    """Frames stored once per row, ``num_envs`` columns of ``rows`` rows each (see module doc).

    Exposes what :func:`~gaikit.plugins.memories.nstep.n_step_batch` reads:
    ``rows``, ``num_envs``, ``actions``/``rewards``/``terminated``/``truncated``
    arrays of shape ``(rows, num_envs, ...)`` and the views ``obs`` and
    ``next_obs``.
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        rows: int,
        num_envs: int,
        *,
        n_step: int,
        stacked: bool | Sequence[str] = True,
    ) -> None:
        self.keys = frame_keys(observation_space, stacked)
        self.is_dict = isinstance(observation_space, gym.spaces.Dict)
        #: Rows of a fresh stack: the largest stack size over keys.
        self.fresh_rows = max(key.stack for key in self.keys)
        minimum = n_step + 3 * self.fresh_rows + 1
        if rows < minimum or num_envs < 1:
            raise GaikitError(
                f"memory.capacity: frame storage needs at least {minimum} rows per env (n_step {n_step}, "
                f"stacks of {self.fresh_rows}) and num_envs >= 1; got {rows} rows x {num_envs} envs"
            )
        self.rows, self.num_envs, self.n_step = rows, num_envs, n_step
        action_shape, action_dtype = _array_layout(action_space, None)
        self.frames = {key.name: np.zeros((rows, num_envs, *key.frame_shape), key.dtype) for key in self.keys}
        self.actions = np.zeros((rows, num_envs, *action_shape), dtype=action_dtype)
        self.rewards = np.zeros((rows, num_envs), dtype=np.float32)
        self.terminated = np.zeros((rows, num_envs), dtype=np.bool_)
        self.truncated = np.zeros((rows, num_envs), dtype=np.bool_)
        #: Whether the step starting at each row can be sampled.
        self.valid = np.zeros((rows, num_envs), dtype=np.bool_)
        self.valid_count = 0
        #: Absolute row of each env's newest frame (-1: nothing written yet).
        self.head = np.full(num_envs, -1, dtype=np.int64)
        #: Steps stored in each env's current episode.
        self.episode_steps = np.zeros(num_envs, dtype=np.int64)
        #: Whether each env's last step ended its episode.
        self.ended = np.ones(num_envs, dtype=np.bool_)
        #: Trajectories cut because an env's obs did not continue its previous next_obs.
        self.cuts = 0
        self.obs = StackView(self, 0)
        self.next_obs = StackView(self, 1)
        self._envs = np.arange(num_envs)

    # ---- reading -------------------------------------------------------------------------------
    def stacks(self, slots: np.ndarray, envs: np.ndarray) -> Observation:
        """The observations whose newest row is ``slots[i]`` (a ring slot) of env ``envs[i]``."""
        out = self._gather(np.asarray(slots), np.asarray(envs))
        return cast(Observation, out) if self.is_dict else out[None]  # a Dict space's keys are all str

    def read_pair(self, rows: np.ndarray, last_rows: np.ndarray, envs: np.ndarray) -> tuple[Observation, Observation]:
        """``obs`` of the steps at ``rows`` and ``next_obs`` of the steps at ``last_rows`` (same ``envs``).

        Both come out of one allocation per key: two large fresh arrays per
        batch cost more in page faults than the copying itself.
        """
        size = rows.shape[0]
        slots = np.concatenate([rows % self.rows, (last_rows + 1) % self.rows])
        both = self._gather(slots, np.concatenate([envs, envs]))
        obs = {name: array[:size] for name, array in both.items()}
        next_obs = {name: array[size:] for name, array in both.items()}
        if self.is_dict:  # a Dict space's keys are all str
            return cast(Observation, obs), cast(Observation, next_obs)
        return obs[None], next_obs[None]

    def _gather(self, slots: np.ndarray, envs: np.ndarray) -> dict[str | None, np.ndarray]:
        out: dict[str | None, np.ndarray] = {}
        for key in self.keys:
            flat_frames = self.frames[key.name].reshape(self.rows * self.num_envs, -1)
            if key.stacked:
                back = np.arange(key.stack - 1, -1, -1)
                index = (((slots[:, None] - back) % self.rows) * self.num_envs + envs[:, None]).reshape(-1)
                shape = (slots.shape[0], key.stack, *key.frame_shape)
            else:
                index, shape = slots * self.num_envs + envs, (slots.shape[0], *key.frame_shape)
            gathered = np.empty((index.shape[0], flat_frames.shape[1]), dtype=key.dtype)
            np.take(flat_frames, index, axis=0, out=gathered, mode="clip")  # "clip": no buffered copy
            out[key.name] = gathered.reshape(shape)
        return out

    def sampleable(self) -> int:
        """Number of step rows that can be sampled now."""
        return self.valid_count

    def is_sampleable(self, flat: np.ndarray) -> np.ndarray:
        """Whether each flat start index (``row * num_envs + env``) is sampleable now."""
        return self.valid.reshape(-1)[flat]

    def sample_starts(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` sampleable ``(rows, envs)`` drawn uniformly with replacement (rejection sampling)."""
        if self.valid_count == 0:
            raise GaikitError("memory: nothing to sample yet (no complete n-step window stored)")
        valid = self.valid.reshape(-1)
        limit = min(int(self.head.max()) + 1, self.rows) * self.num_envs
        flat = rng.integers(0, limit, size=size)
        for _ in range(64):
            bad = ~valid[flat]
            if not bad.any():
                break
            flat[bad] = rng.integers(0, limit, size=int(bad.sum()))
        else:  # almost nothing is sampleable: draw from the explicit list
            bad = ~valid[flat]
            flat[bad] = rng.choice(np.flatnonzero(valid), size=int(bad.sum()))
        return np.divmod(flat, self.num_envs)

    # ---- writing -------------------------------------------------------------------------------
    def _as_dict(self, obs: Observation, name: str) -> dict[str | None, np.ndarray]:
        if self.is_dict:
            names = [str(key.name) for key in self.keys]
            if not isinstance(obs, Mapping) or set(obs) != set(names):
                got = sorted(obs) if isinstance(obs, Mapping) else type(obs).__name__
                raise GaikitError(f"memory: expected {name} keys {sorted(names)}, got {got}")
            parts: dict[str | None, np.ndarray] = {key.name: np.asarray(obs[str(key.name)]) for key in self.keys}
        else:
            parts = {None: np.asarray(obs)}
        for key in self.keys:
            expected = (self.num_envs, *((key.stack,) if key.stacked else ()), *key.frame_shape)
            if parts[key.name].shape != expected:
                where = f"[{key.name!r}]" if key.name is not None else ""
                raise GaikitError(f"memory.add: {name}{where} has shape {parts[key.name].shape}, expected {expected}")
        return parts

    def _check_successors(self, obs: dict[str | None, np.ndarray], next_obs: dict[str | None, np.ndarray]) -> None:
        for key in self.keys:
            if key.stacked and key.stack > 1:
                same = (next_obs[key.name][:, :-1] == obs[key.name][:, 1:]).reshape(self.num_envs, -1).all(axis=1)
                if not same.all():
                    env = int(np.flatnonzero(~same)[0])
                    where = f"key {key.name!r}" if key.name is not None else "the observation"
                    raise GaikitError(
                        f"memory: {where} is stored as a stack of {key.stack} frames, but next_obs of env {env} "
                        f"does not shift obs by one frame; set memory.stacked to false (or omit that key)"
                    )

    def _continues(self, obs: dict[str | None, np.ndarray]) -> np.ndarray:
        """Which envs' ``obs`` equals the observation stored at their newest row."""
        has = self.head >= 0
        if not has.any():
            return has
        stored = self._gather(np.maximum(self.head, 0) % self.rows, self._envs)
        same = has.copy()
        for key in self.keys:
            same &= (stored[key.name] == obs[key.name]).reshape(self.num_envs, -1).all(axis=1)
        return same

    def _window_starts(self, last_row: np.ndarray, steps: np.ndarray, ended: np.ndarray, full: np.ndarray) -> np.ndarray:
        """Flat indices of starts completed by a step at ``last_row`` (absolute, per env).

        ``steps`` counts the episode's steps up to and including ``last_row``.
        Where ``full``, the window reaching back ``n - 1`` steps is now
        complete; where ``ended``, the episode ended at ``last_row``, which
        completes every shorter open window too.
        """
        back = np.arange(self.n_step)[None, :]
        last = back == self.n_step - 1
        take = (back < steps[:, None]) & ((ended[:, None] & ~last) | (full[:, None] & last))
        envs = np.broadcast_to(self._envs[:, None], take.shape)
        return ((last_row[:, None] - back) % self.rows * self.num_envs + envs)[take]

    def append(self, transition: Transition) -> StorageChanges:
        """Store one step of every environment; report which starts changed sampleability.

        One path for any number of envs: every step is numpy over all envs at once.
        """
        actions, rewards = transition.actions, transition.rewards
        terminated, truncated = transition.terminated, transition.truncated
        check_rows(self.num_envs, actions=actions, rewards=rewards, terminated=terminated, truncated=truncated)
        obs_parts = self._as_dict(transition.obs, "obs")
        next_parts = self._as_dict(transition.next_obs, "next_obs")
        self._check_successors(obs_parts, next_parts)
        terminated = np.asarray(terminated, dtype=np.bool_)
        done = terminated | np.asarray(truncated, dtype=np.bool_)
        rows, envs, fresh_rows = self.rows, self._envs, self.fresh_rows

        fresh = ~self._continues(obs_parts)
        added = []
        cut = fresh & ~self.ended  # a continuing env whose obs does not continue: end its trajectory here
        if cut.any():
            self.cuts += int(cut.sum())
            last = self.head - 1
            self.truncated[last[cut] % rows, envs[cut]] = True
            added.append(self._window_starts(last, self.episode_steps, cut, np.zeros_like(cut)))
        starting = self.ended | fresh
        steps = np.where(starting, 0, self.episode_steps) + 1
        obs_row = np.where(fresh, self.head + fresh_rows, self.head)
        new_head = obs_row + 1

        # Rows about to be written, and rows whose stacks read them, stop being sampleable.
        zone = self.head[:, None] + 1 + np.arange(2 * fresh_rows)[None, :]
        in_zone = zone <= (new_head + fresh_rows - 1)[:, None]
        zone_flat = (zone % rows * self.num_envs + envs[:, None])[in_zone]
        flat_valid = self.valid.reshape(-1)
        dropped = zone_flat[flat_valid[zone_flat]]
        flat_valid[zone_flat] = False

        if fresh.any():
            f_envs = envs[fresh]
            for key in self.keys:
                if key.stacked:
                    back = np.arange(key.stack - 1, -1, -1)
                    slots = (obs_row[fresh][:, None] - back) % rows
                    self.frames[key.name][slots, f_envs[:, None]] = obs_parts[key.name][fresh]
                else:
                    self.frames[key.name][obs_row[fresh] % rows, f_envs] = obs_parts[key.name][fresh]
        step_slot, next_slot = obs_row % rows, new_head % rows
        for key in self.keys:
            newest = next_parts[key.name][:, -1] if key.stacked else next_parts[key.name]
            self.frames[key.name][next_slot, envs] = newest
        self.actions[step_slot, envs] = actions
        self.rewards[step_slot, envs] = rewards
        self.terminated[step_slot, envs] = terminated
        self.truncated[step_slot, envs] = done & ~terminated
        self.terminated[next_slot, envs] = False
        self.truncated[next_slot, envs] = False

        added.append(self._window_starts(obs_row, steps, done, steps >= self.n_step))
        added_flat = np.concatenate(added)
        flat_valid[added_flat] = True
        self.valid_count += added_flat.shape[0] - dropped.shape[0]
        self.head, self.episode_steps, self.ended = new_head, steps, done
        return StorageChanges(added=added_flat, dropped=dropped, written=step_slot * self.num_envs + envs)

    # ---- checkpoints -----------------------------------------------------------------------------
    def _layout(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "num_envs": self.num_envs,
            "n_step": self.n_step,
            "keys": [[key.name, key.stack, key.stacked] for key in self.keys],
        }

    _ARRAYS = ("actions", "rewards", "terminated", "truncated", "valid")

    def _filled(self, head: np.ndarray) -> int:
        return int(min(head.max() + 1, self.rows)) if head.max() >= 0 else 0

    def state_dict(self) -> StateDict:
        """Written rows (numpy arrays), per-env cursors and episode counters."""
        filled = self._filled(self.head)
        return {
            "layout": self._layout(),
            "frames": {key.state_name: self.frames[key.name][:filled].copy() for key in self.keys},
            "arrays": {name: getattr(self, name)[:filled].copy() for name in self._ARRAYS},
            "head": self.head.tolist(),
            "episode_steps": self.episode_steps.tolist(),
            "ended": self.ended.tolist(),
            "cuts": self.cuts,
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned; the layout must match this storage."""
        if state.get("layout") != self._layout():
            raise CheckpointError(
                f"memory state has layout {state.get('layout')}, but this memory has {self._layout()}; "
                "resume with the same capacity, --envs, n_step and observation"
            )
        head = np.asarray(state["head"], dtype=np.int64)
        filled = self._filled(head)
        targets = [(f"frames.{k.state_name}", self.frames[k.name], state["frames"].get(k.state_name)) for k in self.keys]
        targets += [(name, getattr(self, name), state["arrays"].get(name)) for name in self._ARRAYS]
        for name, target, value in targets:
            value = None if value is None else np.asarray(value)
            if value is None or value.shape != (filled, *target.shape[1:]) or value.dtype != target.dtype:
                raise CheckpointError(f"memory state: array {name!r} is missing or has the wrong shape/dtype")
            target[:filled] = value
            target[filled:] = 0
        self.head = head
        self.episode_steps = np.asarray(state["episode_steps"], dtype=np.int64)
        self.ended = np.asarray(state["ended"], dtype=np.bool_)
        self.cuts = int(state["cuts"])
        self.valid_count = int(self.valid.sum())
