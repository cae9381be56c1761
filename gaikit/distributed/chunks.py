"""Moving transitions between Ray processes in bulk: chunks of steps and concatenated batches.

A collector ships ``T`` consecutive vector-env steps as one
:class:`~gaikit.core.components.Transition` whose arrays carry a leading time
axis ``(T, num_envs, ...)`` (a few large arrays pickle with Ray's zero-copy
buffers, many small ones do not); the replay unstacks it into ``T`` calls of
``Memory.add``. Batches sampled from several memories are concatenated and
their indices tagged with the memory they came from.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from gaikit.core.components import Batch, Observation, Transition

#: Indices of a shard's ``k``-th memory are ``k * INDEX_STRIDE + local index``.
INDEX_STRIDE = 1 << 40


def _stack_obs(parts: Sequence[Observation]) -> Observation:
    first = parts[0]
    if isinstance(first, Mapping):
        return {key: np.stack([part[key] for part in parts]) for key in first}
    return np.stack(parts)  # type: ignore[arg-type]


def _take_obs(obs: Observation, index: Any) -> Observation:
    if isinstance(obs, Mapping):
        return {key: value[index] for key, value in obs.items()}
    return obs[index]


def stack_steps(steps: Sequence[Transition]) -> Transition:
    """``T`` transitions of ``num_envs`` rows as one with arrays ``(T, num_envs, ...)`` (``infos`` dropped)."""
    priorities = [step.priorities for step in steps]
    return Transition(
        obs=_stack_obs([step.obs for step in steps]),
        actions=np.stack([step.actions for step in steps]),
        rewards=np.stack([step.rewards for step in steps]),
        next_obs=_stack_obs([step.next_obs for step in steps]),
        terminated=np.stack([step.terminated for step in steps]),
        truncated=np.stack([step.truncated for step in steps]),
        priorities=None if any(p is None for p in priorities) else np.stack(priorities),  # type: ignore[arg-type]
    )


def chunk_length(chunk: Transition) -> int:
    """Steps ``T`` in a chunk made by :func:`stack_steps`."""
    return int(chunk.rewards.shape[0])


def unstack_steps(chunk: Transition) -> list[Transition]:
    """The ``T`` transitions :func:`stack_steps` stacked, in order."""
    return [
        Transition(
            obs=_take_obs(chunk.obs, t),
            actions=chunk.actions[t],
            rewards=chunk.rewards[t],
            next_obs=_take_obs(chunk.next_obs, t),
            terminated=chunk.terminated[t],
            truncated=chunk.truncated[t],
            priorities=None if chunk.priorities is None else chunk.priorities[t],
        )
        for t in range(chunk_length(chunk))
    ]


def observation_nbytes(obs: Observation) -> int:
    """Bytes of an observation batch's arrays."""
    if isinstance(obs, Mapping):
        return sum(int(np.asarray(value).nbytes) for value in obs.values())
    return int(np.asarray(obs).nbytes)


def chunk_nbytes(chunk: Transition) -> int:
    """Bytes of a chunk's arrays (what is shipped, before serialisation overhead)."""
    arrays = [chunk.actions, chunk.rewards, chunk.terminated, chunk.truncated]
    if chunk.priorities is not None:
        arrays.append(chunk.priorities)
    return observation_nbytes(chunk.obs) + observation_nbytes(chunk.next_obs) + sum(int(a.nbytes) for a in arrays)


def concat_batches(batches: Sequence[Batch], memory_ids: Sequence[int]) -> Batch:
    """One batch from batches of several memories; indices become ``memory_id * INDEX_STRIDE + index``."""
    def cat_obs(parts: Sequence[Observation]) -> Observation:
        if isinstance(parts[0], Mapping):
            return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        return np.concatenate(parts)  # type: ignore[arg-type]

    return Batch(
        obs=cat_obs([b.obs for b in batches]),
        actions=np.concatenate([b.actions for b in batches]),
        rewards=np.concatenate([b.rewards for b in batches]),
        next_obs=cat_obs([b.next_obs for b in batches]),
        discounts=np.concatenate([b.discounts for b in batches]),
        indices=np.concatenate([
            np.asarray(b.indices, dtype=np.int64) + np.int64(memory_id) * INDEX_STRIDE
            for b, memory_id in zip(batches, memory_ids)
        ]),
        weights=np.concatenate([b.weights for b in batches]),
    )


def split_indices(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(memory_ids, local_indices)`` of indices made by :func:`concat_batches`."""
    indices = np.asarray(indices, dtype=np.int64)
    return np.divmod(indices, INDEX_STRIDE)
