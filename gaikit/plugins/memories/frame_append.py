"""The one-environment fast path of :meth:`FrameStorage.append`.

With one env, :meth:`FrameStorage.append`'s batched numpy bookkeeping (masks
over envs, broadcast window indices, gathers to compare stacks) costs about
ten times the writing it guards. :func:`append_single_env` does the same
step with Python integers, slices and byte comparisons, and leaves the
storage in exactly the state the general path leaves it in, returning the
same :class:`StorageChanges` (same indices, order and dtype).

It declines (returns ``None``, and the caller takes the general path) when
the byte comparison would not be exact (non-integer frames, or frames whose
dtype differs from the stored one), when the env has no stored row yet, or
when the rows it touches wrap around the ring, so that every stack and zone
it reads or writes is one contiguous slice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gaikit.plugins.memories.frame_layout import StorageChanges

if TYPE_CHECKING:
    from gaikit.plugins.memories.frame_storage import FrameStorage

#: numpy dtype kinds whose equality is byte equality (booleans, signed and unsigned integers).
_EXACT_KINDS = frozenset("biu")


def _window_starts(last_row: int, steps: int, ended: bool, full: bool, n_step: int, rows: int) -> list[int]:
    """:meth:`FrameStorage._window_starts` for one env: the starts completed by a step at ``last_row``."""
    return [
        (last_row - back) % rows
        for back in range(min(n_step, steps))
        if (ended and back != n_step - 1) or (full and back == n_step - 1)
    ]


def append_single_env(
    storage: FrameStorage,
    obs: dict[str | None, np.ndarray],
    next_obs: dict[str | None, np.ndarray],
    actions: np.ndarray,
    rewards: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
) -> StorageChanges | None:
    """Store one step of a one-env storage as :meth:`FrameStorage.append` would; ``None`` if it declines.

    ``obs`` and ``next_obs`` are the validated per-key parts (``(1, ...)``
    each) that the general path builds; the other arguments have one row.
    Nothing is written when it declines.
    """
    rows, fresh_rows, n_step = storage.rows, storage.fresh_rows, storage.n_step
    head = int(storage.head[0])
    base = head % rows
    if head < 0 or base < fresh_rows + n_step or base + 2 * fresh_rows + 2 > rows:
        return None
    for key in storage.keys:
        if (key.dtype.kind not in _EXACT_KINDS or obs[key.name].dtype != key.dtype
                or next_obs[key.name].dtype != key.dtype):
            return None
        if key.stacked and key.stack > 1 and next_obs[key.name][0, :-1].tobytes() != obs[key.name][0, 1:].tobytes():
            return None  # not a shifted stack: the general path raises the error
    continues = True
    for key in storage.keys:
        frames = storage.frames[key.name]
        stored = frames[base - key.stack + 1 : base + 1, 0] if key.stacked else frames[base, 0]
        if stored.tobytes() != obs[key.name][0].tobytes():
            continues = False
            break

    term, trunc = bool(terminated[0]), bool(truncated[0])
    done = term or trunc
    fresh = not continues
    ended = bool(storage.ended[0])
    added: list[int] = []
    if fresh and not ended:  # a cut: the previous step's trajectory ends here
        storage.cuts += 1
        last = head - 1
        storage.truncated[last % rows, 0] = True
        added += _window_starts(last, int(storage.episode_steps[0]), True, False, n_step, rows)
    steps = (0 if ended or fresh else int(storage.episode_steps[0])) + 1
    obs_row = head + fresh_rows if fresh else head
    new_head = obs_row + 1

    # Rows about to be written, and rows whose stacks read them, stop being sampleable.
    zone_end = min(head + 2 * fresh_rows, new_head + fresh_rows - 1)
    valid = storage.valid.reshape(-1)  # one env: the flat index of a start is its slot
    zone = valid[base + 1 : base + 1 + zone_end - head]
    dropped = np.flatnonzero(zone)
    if dropped.shape[0]:
        dropped += base + 1
    zone[:] = False

    step_slot = base + obs_row - head
    if fresh:
        for key in storage.keys:
            target = storage.frames[key.name]
            if key.stacked:
                target[step_slot - key.stack + 1 : step_slot + 1, 0] = obs[key.name][0]
            else:
                target[step_slot, 0] = obs[key.name][0]
    next_slot = step_slot + 1
    for key in storage.keys:
        part = next_obs[key.name]
        storage.frames[key.name][next_slot, 0] = part[0, -1] if key.stacked else part[0]
    storage.actions[step_slot, 0] = actions[0]
    storage.rewards[step_slot, 0] = rewards[0]
    storage.terminated[step_slot, 0] = term
    storage.truncated[step_slot, 0] = trunc and not term
    storage.terminated[next_slot, 0] = False
    storage.truncated[next_slot, 0] = False

    added += _window_starts(obs_row, steps, done, steps >= n_step, n_step, rows)
    for start in added:
        valid[start] = True
    storage.valid_count += len(added) - dropped.shape[0]
    storage.head[0], storage.episode_steps[0], storage.ended[0] = new_head, steps, done
    return StorageChanges(added=np.array(added, dtype=np.int64), dropped=dropped)
