"""The replay side of an actor–learner run: shards owning the memory, and the learner's view of them.

A :class:`ReplayShard` (a Ray actor) holds one memory -- any Memory plugin,
built exactly as the ``learned`` agent builds it -- per collector assigned to
it, so each memory sees one collector's steps in order (n-step windows and
frame stacks stay within one stream). A sample draws from the shard's
memories in proportion to their sizes, then by each memory's own rule (e.g.
proportional priorities); importance weights are each memory's own. Inserts
and samples pass a :class:`~gaikit.distributed.rate_limiter.SampleToInsertRatio`:
an insert or a sample that would break the ratio waits (the methods are
coroutines, so waiting blocks neither the other side nor priority updates).

:class:`RemoteReplay` is the driver's :class:`~gaikit.core.components.Memory`:
the learned agent samples, updates priorities and checkpoints through it as
through a local memory.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from gaikit.core.build import build_memory
from gaikit.core.components import Batch, Memory, StateDict, Transition
from gaikit.core.config import ComponentConfig
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.core.registry import get_registry
from gaikit.distributed.chunks import chunk_length, concat_batches, split_indices, unstack_steps
from gaikit.distributed.rate_limiter import SampleToInsertRatio


@dataclass
class ShardSpec:
    """How to build one replay shard."""

    #: The chosen memory, its ``capacity`` (if it has one) already divided among all collectors.
    memory: ComponentConfig
    observation_space: gym.Space
    action_space: gym.Space
    #: Collector indices whose chunks this shard stores (one memory each).
    collectors: list[int]
    num_envs: int
    gamma: float
    n_step: int
    seed: int
    ratio: float
    min_size: int
    error_buffer: float
    batch_size: int


@dataclass
class ChunkReport:
    """What a collector says about a chunk it shipped."""

    collector: int
    steps: int
    #: ``(env, return, length)`` of each episode finished in the chunk.
    episodes: list[tuple[int, float, int]] = field(default_factory=list)
    policy_version: int = -1
    seconds: float = 0.0
    nbytes: int = 0
    incarnation: str = ""


class ReplayShard:
    """Memories of some collectors behind one rate limiter (run as a Ray actor; see module doc)."""

    def __init__(self, spec: ShardSpec) -> None:
        registry = get_registry()
        self.spec = spec
        self.collectors = list(spec.collectors)
        self.memories: list[Memory] = [
            build_memory(registry, spec.memory, spec.observation_space, spec.action_space, num_envs=spec.num_envs,
                         gamma=spec.gamma, n_step=spec.n_step, seed=spec.seed + 7919 * position)
            for position in range(len(self.collectors))
        ]
        self.limiter = SampleToInsertRatio(spec.ratio, spec.min_size, spec.error_buffer)
        self.rng = np.random.default_rng(spec.seed)
        self.reports: list[ChunkReport] = []
        self.stopped = False
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:  # made inside the actor's event loop
            self._changed = asyncio.Condition()
        return self._changed

    def _sampleable(self) -> int:
        return sum(len(memory) for memory in self.memories)

    async def insert(self, collector: int, chunk: Transition, report: ChunkReport) -> bool:
        """Store a collector's chunk once the rate limiter allows; ``False`` once the run stopped."""
        position = self.collectors.index(collector)
        count = chunk_length(chunk) * self.spec.num_envs
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: self.stopped or self.limiter.can_insert(count))
            if self.stopped:
                return False
            for step in unstack_steps(chunk):
                self.memories[position].add(step)
            self.limiter.inserted(count)
            self.reports.append(report)
            changed.notify_all()
        return True

    async def sample(self, batch_size: int, count: int = 1) -> list[Batch] | None:
        """``count`` batches once the rate limiter allows them all (``None`` once the run stopped).

        Several batches per call spread Ray's per-call cost over several
        learner updates (see :class:`RemoteReplay`).
        """
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: self.stopped or (
                self.limiter.can_sample(batch_size * count) and self._sampleable() >= batch_size))
            if self.stopped:
                return None
            batches = [self._sample_one(batch_size) for _ in range(count)]
            self.limiter.sampled(batch_size * count)
            changed.notify_all()
        return batches

    def _sample_one(self, batch_size: int) -> Batch:
        """One batch drawn from the memories in proportion to their sizes."""
        sizes = np.array([len(memory) for memory in self.memories], dtype=np.float64)
        counts = self.rng.multinomial(batch_size, sizes / sizes.sum())
        chosen = [k for k in range(len(self.memories)) if counts[k] > 0]
        return concat_batches([self.memories[k].sample(int(counts[k])) for k in chosen], chosen)

    async def update_priorities(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """New priorities for sampled transitions (indices as :meth:`sample` tagged them)."""
        memory_ids, local = split_indices(indices)
        priorities = np.asarray(priorities)
        for k in np.unique(memory_ids):
            rows = memory_ids == k
            self.memories[int(k)].update_priorities(local[rows], priorities[rows])

    async def drain(self) -> list[ChunkReport]:
        """Reports of the chunks stored since the last call."""
        reports, self.reports = self.reports, []
        return reports

    async def stats(self) -> dict[str, float]:
        """Inserted and sampled transitions, sampleable size and the realised ratio."""
        limiter = self.limiter
        return {"inserts": limiter.inserts, "samples": limiter.samples, "size": self._sampleable(),
                "ratio": limiter.realised_ratio()}

    async def stop(self) -> None:
        """End the run: waiting and later inserts and samples return at once."""
        self.stopped = True
        changed = self._condition()
        async with changed:
            changed.notify_all()

    async def state_dict(self) -> StateDict:
        """Every memory's state and the limiter's counts."""
        return {"collectors": list(self.collectors),
                "memories": [memory.state_dict() for memory in self.memories],
                "inserts": self.limiter.inserts, "samples": self.limiter.samples,
                "rng": self.rng.bit_generator.state}

    async def snapshot(self) -> tuple[StateDict, list[ChunkReport]]:
        """:meth:`state_dict` and :meth:`drain` in one step: the reports of exactly the chunks the state holds."""
        return await self.state_dict(), await self.drain()

    async def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned (same collectors per shard)."""
        if list(state["collectors"]) != self.collectors:
            raise CheckpointError(f"replay shard state holds collectors {state['collectors']}, this shard has "
                                  f"{self.collectors}; resume with the same train.actors and train.replay_shards")
        for memory, memory_state in zip(self.memories, state["memories"]):
            memory.load_state_dict(memory_state)
        self.limiter.inserts, self.limiter.samples = int(state["inserts"]), int(state["samples"])
        self.rng.bit_generator.state = state["rng"]


def _writable(batch: Batch) -> Batch:
    """``batch`` with its arrays copied where Ray handed them out read-only (zero-copy from the object store)."""
    def own(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: own(item) for key, item in value.items()}
        return value if value.flags.writeable else value.copy()

    for name in ("obs", "actions", "rewards", "next_obs", "discounts", "indices", "weights"):
        setattr(batch, name, own(getattr(batch, name)))
    return batch


class RemoteReplay(Memory):
    """The driver's Memory over Ray replay shards: samples round-robin, keeping batches prefetched.

    Each request asks a shard for ``batches_per_call`` batches, and
    ``prefetch`` requests stay in flight, so the learner rarely waits on a
    round trip and pays Ray's per-call cost once per ``batches_per_call``
    updates. New priorities are sent the same way: gathered, and shipped
    with each new request (so they lag the update that computed them by up
    to ``batches_per_call * prefetch`` updates, as in Ape-X's learner).
    :meth:`sample` returns the oldest fetched batch; :meth:`poll` is the
    non-blocking form the actor–learner loop uses.
    """

    def __init__(self, ray: Any, shards: list[Any], batch_size: int, prefetch: int = 2,
                 batches_per_call: int = 1) -> None:
        self.ray, self.shards, self.batch_size, self.prefetch = ray, shards, batch_size, prefetch
        self.batches_per_call = batches_per_call
        self._next_shard = 0
        self._in_flight: list[tuple[int, Any]] = []
        self._ready: list[Batch] = []
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._snapshot_reports: list[ChunkReport] = []

    def _request(self) -> None:
        if len(self._in_flight) < self.prefetch:
            self.flush_priorities()
        while len(self._in_flight) < self.prefetch:
            shard = self._next_shard
            self._next_shard = (shard + 1) % len(self.shards)
            self._in_flight.append((shard, self.shards[shard].sample.remote(self.batch_size, self.batches_per_call)))

    def poll(self, timeout: float) -> Batch | None:
        """The next batch if one is fetched or arrives within ``timeout`` seconds, else ``None``."""
        if not self._ready:
            self._request()
            shard, ref = self._in_flight[0]
            ready, _ = self.ray.wait([ref], timeout=timeout)
            if not ready:
                return None
            self._in_flight.pop(0)
            batches = self.ray.get(ref)
            if batches is None:
                raise GaikitError("the replay stopped while the learner was sampling")
            for batch in batches:
                batch.indices = np.asarray(batch.indices, dtype=np.int64) * len(self.shards) + shard
                self._ready.append(_writable(batch))
        return self._ready.pop(0)

    def add(self, transition: Transition) -> None:
        """Collectors insert directly into the shards; the driver never adds."""
        raise GaikitError("actor-learner runs insert through collectors; RemoteReplay.add is not used")

    def sample(self, batch_size: int) -> Batch:
        """The next prefetched batch (waits for it)."""
        if batch_size != self.batch_size:
            raise GaikitError(f"RemoteReplay samples batches of {self.batch_size}, not {batch_size}")
        batch = None
        while batch is None:
            batch = self.poll(timeout=1.0)
        return batch

    def update_priorities(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Keep new priorities to send with the next request (or :meth:`flush_priorities`)."""
        self._pending.append((np.asarray(indices, dtype=np.int64), np.asarray(priorities)))

    def flush_priorities(self) -> None:
        """Send the kept priorities to the shards their indices came from (without waiting)."""
        if not self._pending:
            return
        indices = np.concatenate([i for i, _ in self._pending])
        priorities = np.concatenate([p for _, p in self._pending])
        self._pending = []
        local, shard_ids = np.divmod(indices, len(self.shards))
        for shard in np.unique(shard_ids):
            rows = shard_ids == shard
            self.shards[int(shard)].update_priorities.remote(local[rows], priorities[rows])

    def __len__(self) -> int:
        """Sampleable transitions over all shards."""
        return int(sum(stats["size"] for stats in self.stats()))

    def stats(self) -> list[dict[str, float]]:
        """Each shard's :meth:`ReplayShard.stats`."""
        return self.ray.get([shard.stats.remote() for shard in self.shards])

    def state_dict(self) -> StateDict:
        """Every shard's state; the chunk reports taken with it wait in :meth:`take_snapshot_reports`."""
        self.flush_priorities()  # Ray runs one caller's calls to an actor in order: the snapshot holds them
        snapshots = self.ray.get([shard.snapshot.remote() for shard in self.shards])
        self._snapshot_reports += [report for _, reports in snapshots for report in reports]
        return {"shards": [state for state, _ in snapshots]}

    def take_snapshot_reports(self) -> list[ChunkReport]:
        """The chunk reports drained by the last :meth:`state_dict` (once)."""
        reports, self._snapshot_reports = self._snapshot_reports, []
        return reports

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        shards = state.get("shards")
        if not isinstance(shards, list) or len(shards) != len(self.shards):
            raise CheckpointError("the checkpoint's memory is not an actor-learner replay with "
                                  f"{len(self.shards)} shard(s); resume with the run's own config")
        self.ray.get([shard.load_state_dict.remote(s) for shard, s in zip(self.shards, shards)])
