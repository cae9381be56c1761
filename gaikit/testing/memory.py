"""The memory contract: storing, sampling, priorities and exact resume.

Subclass :class:`MemoryContract` and provide ``observation_space``,
``action_space`` and ``make_memory`` fixtures; ``make_memory(observation_space,
action_space, *, num_envs, gamma, seed) -> Memory``. Set ``prioritized =
True`` to require priority-driven sampling (``None``, the default, requires it
only of a memory whose sampling reacts to priorities at all).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gaikit.core.components import Transition
from gaikit.testing.clauses import check, guarded, violation
from gaikit.testing.rollout import Ledger, rollout, row_key
from gaikit.testing.statecheck import checkpoint_problem, difference, snapshot


class MemoryContract:
    """Contract tests for a replay memory (see the module docstring for fixtures)."""

    #: Parallel environments the memory is built for.
    num_envs = 2
    #: Vectorised steps added before sampling.
    steps = 40
    #: Transitions per sampled batch.
    batch_size = 16
    #: Discount handed to the factory (distinct powers reveal n-step windows).
    gamma = 0.9
    #: ``True``: must sample by priority; ``False``: must not; ``None``: detect.
    prioritized: bool | None = None

    # -- helpers -------------------------------------------------------------

    def build(self, make_memory: Any, observation_space: Any, action_space: Any, seed: int = 0) -> Any:
        """A fresh memory; a failure violates MEM-0."""
        return guarded(
            "MEM-0", "make_memory(...)", make_memory, observation_space, action_space,
            num_envs=self.num_envs, gamma=self.gamma, seed=seed,
        )

    def filled(self, make_memory: Any, observation_space: Any, action_space: Any, seed: int = 0) -> tuple[Any, Ledger]:
        """A memory holding :attr:`steps` steps of a synthetic rollout, and the ledger of them."""
        memory = self.build(make_memory, observation_space, action_space, seed)
        ledger = Ledger()
        for step in rollout(observation_space, action_space, self.num_envs, self.steps, seed=11):
            guarded("MEM-1", "memory.add(transition)", memory.add, step)
            ledger.record(step)
        return memory, ledger

    def sample(self, memory: Any, clause: str = "MEM-2") -> Any:
        """``memory.sample(batch_size)``; an exception violates ``clause``."""
        return guarded(clause, f"memory.sample({self.batch_size})", memory.sample, self.batch_size)

    # -- clauses -------------------------------------------------------------

    def test_mem_1_len_counts_transitions(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-1: 0 when empty; non-decreasing; never above what was added; > 0 after adding."""
        memory = self.build(make_memory, observation_space, action_space)
        check(len(memory) == 0, "MEM-1", f"an empty memory has len {len(memory)}")
        previous = 0
        for t, step in enumerate(rollout(observation_space, action_space, self.num_envs, self.steps, seed=1)):
            guarded("MEM-1", "memory.add(transition)", memory.add, step)
            size = len(memory)
            added = (t + 1) * self.num_envs
            check(previous <= size <= added, "MEM-1", f"after {added} transitions len is {size} (before: {previous})")
            previous = size
        check(previous > 0, "MEM-1", f"len is still 0 after adding {self.steps * self.num_envs} transitions")

    def test_mem_2_batch_shapes_and_dtypes(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-2: every field of the batch has the shape and dtype :class:`~gaikit.core.components.Batch` documents."""
        memory, _ = self.filled(make_memory, observation_space, action_space)
        check_batch_layout(self.sample(memory), observation_space, action_space, self.batch_size)

    def test_mem_3_samples_are_stored_transitions(
        self, make_memory: Any, observation_space: Any, action_space: Any
    ) -> None:
        """MEM-3: every sampled row was added; actions, rewards, successors and discounts agree."""
        memory, ledger = self.filled(make_memory, observation_space, action_space)
        for _ in range(4):
            batch = self.sample(memory, "MEM-3")
            discounts = np.asarray(batch.discounts, dtype=np.float64)
            for i in range(self.batch_size):
                stored = ledger.by_obs.get(row_key(batch.obs, i))
                if stored is None:
                    violation("MEM-3", f"row {i}: sampled obs was never added")
                check(
                    np.array_equal(np.asarray(batch.actions[i]), stored.action),
                    "MEM-3", f"row {i}: action {batch.actions[i]!r}, stored {stored.action!r}",
                )
                check(0.0 <= discounts[i] <= 1.0, "MEM-3", f"row {i}: discount {discounts[i]:.4g} outside [0, 1]")
                check(
                    row_key(batch.next_obs, i) in ledger.next_keys,
                    "MEM-3", f"row {i}: next_obs is not the successor of any added transition",
                )
                one_step = stored.terminated or np.isclose(discounts[i], self.gamma)
                if stored.terminated:
                    check(discounts[i] == 0.0, "MEM-3", f"row {i}: terminated, but discount is {discounts[i]:.4g}")
                if stored.truncated:
                    check(discounts[i] > 0.0, "MEM-3", f"row {i}: truncated (time limit) must still bootstrap, discount is 0")
                if one_step:
                    check(
                        row_key(batch.next_obs, i) == stored.next_key,
                        "MEM-3", f"row {i}: a one-step transition's next_obs is not the one added with it",
                    )
                    check(
                        np.isclose(float(batch.rewards[i]), stored.reward, atol=1e-5),
                        "MEM-3", f"row {i}: reward {float(batch.rewards[i])}, stored {stored.reward}",
                    )

    def test_mem_4_weights_in_unit_interval(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-4: importance weights finite and in (0, 1], before and after priority updates."""
        memory, _ = self.filled(make_memory, observation_space, action_space)
        rng = np.random.default_rng(4)
        for round_ in range(3):
            batch = self.sample(memory, "MEM-4")
            weights = np.asarray(batch.weights, dtype=np.float64)
            check(np.isfinite(weights).all(), "MEM-4", f"non-finite weights {weights}")
            check(
                (weights > 0).all() and (weights <= 1 + 1e-6).all(),
                "MEM-4", f"weights outside (0, 1] after {round_} priority updates: min {weights.min()}, max {weights.max()}",
            )
            priorities = np.abs(rng.normal(size=self.batch_size)) * 10 ** rng.uniform(-3, 3, size=self.batch_size)
            guarded("MEM-5", "update_priorities", memory.update_priorities, np.asarray(batch.indices), priorities)

    def test_mem_5_indices_name_transitions(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-5: non-negative integer indices; one index, one transition; priorities (even 0) accepted."""
        memory, _ = self.filled(make_memory, observation_space, action_space)
        seen: dict[int, bytes] = {}
        for round_ in range(4):
            batch = self.sample(memory, "MEM-5")
            indices = np.asarray(batch.indices)
            check(indices.dtype.kind in "iu", "MEM-5", f"indices have dtype {indices.dtype}, expected integers")
            check((indices >= 0).all(), "MEM-5", f"negative index in {indices}")
            for i, index in enumerate(indices.tolist()):
                key = row_key(batch.obs, i)
                check(seen.setdefault(index, key) == key, "MEM-5", f"index {index} named two different transitions")
            priorities = np.abs(np.random.default_rng(round_).normal(size=len(indices)))
            priorities[0] = 0.0  # a zero TD error must not break sampling
            guarded("MEM-5", "update_priorities(indices, priorities)", memory.update_priorities, indices, priorities)

    def test_mem_6_priority_semantics(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-6: high priorities drawn more often and weighted less; priority-blind memories weigh 1."""
        memory, _ = self.filled(make_memory, observation_space, action_space)
        seen: set[int] = set()
        for _ in range(200):
            seen.update(np.asarray(self.sample(memory, "MEM-6").indices).tolist())
            if len(seen) >= len(memory):
                break
        ordered = sorted(seen)
        high = set(ordered[: max(1, len(ordered) // 4)])
        priorities = np.array([10.0 if i in high else 0.01 for i in ordered])
        guarded("MEM-6", "update_priorities", memory.update_priorities, np.array(ordered), priorities)
        counts = {True: 0, False: 0}
        weights: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(100):
            batch = self.sample(memory, "MEM-6")
            for index, weight in zip(np.asarray(batch.indices).tolist(), np.asarray(batch.weights).tolist()):
                if index in seen:
                    counts[index in high] += 1
                    weights[index in high].append(weight)
        per_item_high = counts[True] / len(high)
        per_item_low = counts[False] / max(1, len(ordered) - len(high))
        reacts = per_item_high > 2 * max(per_item_low, 1e-9)
        unit = all(np.allclose(w, 1.0) for w in weights.values() if w)
        if self.prioritized is False or (self.prioritized is None and not reacts):
            check(not reacts, "MEM-6", "declared not prioritized, yet sampling follows priorities")
            check(unit, "MEM-6", "a memory that samples uniformly must return importance weights of 1")
            return
        check(
            reacts, "MEM-6",
            f"priority 10 drawn {per_item_high:.1f} times per transition, priority 0.01 {per_item_low:.1f} times",
        )
        if weights[True] and weights[False]:
            check(
                np.mean(weights[True]) <= np.mean(weights[False]) + 1e-6, "MEM-6",
                f"mean IS weight of high-priority samples {np.mean(weights[True]):.3g} exceeds "
                f"that of low-priority ones {np.mean(weights[False]):.3g}",
            )

    def test_mem_7_seeded_determinism(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-7: same seed, same additions -> same sampled indices and data."""
        first, _ = self.filled(make_memory, observation_space, action_space, seed=7)
        second, _ = self.filled(make_memory, observation_space, action_space, seed=7)
        for round_ in range(3):
            found = difference(vars(self.sample(first, "MEM-7")), vars(self.sample(second, "MEM-7")), "batch")
            check(found is None, "MEM-7", f"sample {round_}: {found}")

    def test_mem_8_state_dict_round_trip(self, make_memory: Any, observation_space: Any, action_space: Any) -> None:
        """MEM-8: a memory loaded from a snapshot samples and grows exactly like the original."""
        source, _ = self.filled(make_memory, observation_space, action_space, seed=8)
        batch = self.sample(source, "MEM-8")
        priorities = np.linspace(0.01, 5.0, self.batch_size)
        guarded("MEM-8", "update_priorities", source.update_priorities, np.asarray(batch.indices), priorities)
        state = snapshot(guarded("MEM-8", "state_dict", source.state_dict))
        target = self.build(make_memory, observation_space, action_space, seed=999)
        guarded("MEM-8", "load_state_dict", target.load_state_dict, state)
        check(len(target) == len(source), "MEM-8", f"len {len(target)} after loading, {len(source)} saved")
        more: list[Transition] = rollout(observation_space, action_space, self.num_envs, 7, seed=88)
        for phase in ("after loading", "after adding more"):
            for round_ in range(3):
                found = difference(vars(self.sample(source, "MEM-8")), vars(self.sample(target, "MEM-8")), "batch")
                check(found is None, "MEM-8", f"{phase}, sample {round_}: {found}")
            for step in more:
                source.add(step)
                target.add(step)

    def test_mem_9_state_dict_is_checkpoint_safe(
        self, make_memory: Any, observation_space: Any, action_space: Any
    ) -> None:
        """MEM-9: the state survives a checkpoint round trip (gaikit.core.checkpoint) unchanged."""
        memory, _ = self.filled(make_memory, observation_space, action_space)
        problem = checkpoint_problem(guarded("MEM-9", "state_dict", memory.state_dict))
        check(problem is None, "MEM-9", str(problem))


def check_batch_layout(batch: Any, observation_space: spaces.Space[Any], action_space: spaces.Space[Any], n: int) -> None:
    """MEM-2: ``batch`` holds ``n`` transitions with the shapes and dtypes :class:`~gaikit.core.components.Batch` documents.

    ``obs``/``next_obs``: ``(n, *obs_shape)`` in the observation space's dtype
    (a dict with the same keys for a ``Dict`` space); ``actions``: ``(n,
    *action_shape)`` in the action space's dtype (``(n,)`` ``int64`` for
    ``Discrete``); ``rewards``, ``discounts``, ``weights``: ``(n,)``
    ``float32``; ``indices``: ``(n,)`` ``int64``. Every array is a numpy array.
    """
    missing = [name for name in _BATCH_FIELDS if not hasattr(batch, name)]
    check(not missing, "MEM-2", f"sample returned {type(batch).__name__} without field(s) {missing}")
    for name in ("obs", "next_obs"):
        _check_obs(getattr(batch, name), observation_space, n, name)
    _check_array(batch.actions, "actions", (n, *_fixed_shape(action_space, "action")), np.dtype(action_space.dtype))
    for name in ("rewards", "discounts", "weights"):
        _check_array(getattr(batch, name), name, (n,), np.dtype(np.float32))
    _check_array(batch.indices, "indices", (n,), np.dtype(np.int64))


_BATCH_FIELDS = ("obs", "actions", "rewards", "next_obs", "discounts", "indices", "weights")


def _check_array(value: Any, name: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
    check(isinstance(value, np.ndarray), "MEM-2", f"{name} is {type(value).__name__}, expected a numpy array")
    check(value.shape == shape, "MEM-2", f"{name} shape {value.shape}, expected {shape}")
    check(value.dtype == dtype, "MEM-2", f"{name} dtype {value.dtype}, expected {dtype}")


def _check_obs(obs: Any, space: spaces.Space[Any], n: int, name: str) -> None:
    if isinstance(space, spaces.Dict):
        check(isinstance(obs, dict), "MEM-2", f"{name} is {type(obs).__name__}, expected a dict for a Dict space")
        check(set(obs) == set(space.spaces), "MEM-2", f"{name} has keys {sorted(obs)}, expected {sorted(space.spaces)}")
        for key, sub in space.spaces.items():
            _check_obs(obs[key], sub, n, f"{name}[{key!r}]")
        return
    _check_array(obs, name, (n, *_fixed_shape(space, name)), np.dtype(space.dtype))


def _fixed_shape(space: spaces.Space[Any], what: str) -> tuple[int, ...]:
    if space.shape is None:
        violation("MEM-2", f"the {what} space {space} has no fixed shape to check a batch against")
    return space.shape
