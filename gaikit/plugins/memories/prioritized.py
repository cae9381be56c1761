"""Memory ``prioritized``: proportional prioritized experience replay (Schaul et al., 2016).

Each sampleable start ``i`` has priority ``p_i = (|delta_i| + epsilon) ** alpha``
and is drawn with probability ``P(i) = p_i / sum_k p_k``:

* **stratified sampling** -- the total priority is cut into ``batch_size``
  equal segments and one start is drawn uniformly inside each, via one batched
  search of a sum tree (:class:`~gaikit.plugins.memories.sum_tree.SumMinTree`);
* **importance weights** ``w_i = (N * P(i)) ** -beta / max_j w_j``, with ``N``
  the number of sampleable starts; the largest weight belongs to the smallest
  priority, read from the min tree, so ``w_i = (p_i / p_min) ** -beta``;
* **beta** grows linearly from ``beta`` to 1 over the first ``beta_steps``
  environment steps stored (summed over envs, the unit of ``train.steps``);
* **new starts** get the largest priority seen so far, so each is replayed at
  least about once before its TD error is known -- or, when the transition
  carries ``priorities`` (an actor–learner collector's own TD errors, Ape-X),
  that priority, applied once the start's n-step window completes;
* **priority updates** from the learner's absolute TD errors are one batched
  tree update (a repeated index keeps its last value).

n-step returns, envs and observations are handled exactly as in ``uniform``:
both build batches with :func:`~gaikit.plugins.memories.nstep.n_step_batch`
from the same storages (:mod:`.replay_storage`).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from pydantic import Field

from gaikit.core.components import Batch, Memory, StateDict, Transition
from gaikit.core.hookspecs import Register
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.memories.nstep import n_step_batch
from gaikit.plugins.memories.replay_storage import StorageOptions, make_storage
from gaikit.plugins.memories.sum_tree import SumMinTree


#: Marks a start whose transition carried no initial priority (real priorities are ``|delta| + epsilon > 0``).
NO_PRIORITY = -1.0


class PrioritizedMemoryConfig(StorageOptions):
    """Options of the ``prioritized`` memory."""

    capacity: int = Field(100_000, gt=0, description="Rows kept, summed over envs; the oldest are overwritten.")
    n_step: int = Field(1, ge=1, description="n-step return horizon (the agent sets it from the learner's n_step).")
    alpha: float = Field(0.6, ge=0.0, description="Priority exponent: 0 is uniform sampling, 1 fully proportional.")
    beta: float = Field(0.4, ge=0.0, le=1.0, description="Importance-sampling exponent at the start, annealed to 1.")
    beta_steps: int = Field(
        1_000_000, ge=0, description="Env steps stored (summed over envs) over which beta grows linearly to 1."
    )
    epsilon: float = Field(1e-6, gt=0.0, description="Added to |TD error| so no stored start gets priority 0.")


class PrioritizedMemory(Memory):
    """Proportional prioritized replay over complete n-step windows (see module doc)."""

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        config: PrioritizedMemoryConfig,
        *,
        num_envs: int,
        gamma: float,
        seed: int,
    ) -> None:
        if not 0.0 <= gamma <= 1.0:
            raise GaikitError(f"memory: gamma must be in [0, 1], got {gamma}")
        self.config = config
        self.gamma, self.n_step, self.num_envs = gamma, config.n_step, num_envs
        self.storage = make_storage(
            observation_space, action_space, config, capacity=config.capacity, num_envs=num_envs, n_step=config.n_step
        )
        self.tree = SumMinTree(self.storage.rows * num_envs)
        self.rng = np.random.default_rng(seed)
        #: Largest ``|TD error| + epsilon`` seen so far (before the alpha exponent).
        self.max_priority = 1.0
        #: Environment steps stored so far, summed over envs (drives beta).
        self.steps = 0
        self._pending_index: list[int] = []
        self._pending_value: list[float] = []
        #: Initial priority (before alpha) given with each start's transition; :data:`NO_PRIORITY`: none given.
        self._initial = np.full(self.storage.rows * num_envs, NO_PRIORITY)

    @property
    def beta(self) -> float:
        """The current importance-sampling exponent."""
        start = self.config.beta
        if self.config.beta_steps == 0:
            return 1.0
        return start + (1.0 - start) * min(1.0, self.steps / self.config.beta_steps)

    def add(self, transition: Transition) -> None:
        """Store one step of every environment; completed starts get the maximum priority.

        Tree updates are queued (as plain numbers, in order) and applied in
        one batch before the next sample, priority update or checkpoint (or
        once 4096 are queued); the tree's nodes depend only on its leaves, so
        when they are applied changes nothing.
        """
        changes = self.storage.append(transition)
        self.steps += self.num_envs
        if transition.priorities is not None:
            raw = np.abs(np.asarray(transition.priorities, dtype=np.float64).reshape(-1)) + self.config.epsilon
            if raw.shape != changes.written.shape or not np.all(np.isfinite(raw)):
                raise GaikitError(f"memory.add: priorities must be {self.num_envs} finite numbers, one per env")
            self._initial[changes.written] = raw
        else:
            self._initial[changes.written] = NO_PRIORITY
        dropped, added = changes.dropped.shape[0], changes.added.shape[0]
        if dropped:
            self._pending_index.extend(changes.dropped.tolist())
            self._pending_value.extend([0.0] * dropped)
        if added:
            initial = self._initial[changes.added]
            given = initial > 0
            if given.any():
                self.max_priority = max(self.max_priority, float(initial[given].max()))
            values = np.where(given, initial, self.max_priority) ** self.config.alpha
            self._pending_index.extend(changes.added.tolist())
            self._pending_value.extend(values.tolist())
        if len(self._pending_index) > 4096:  # long runs of adds without sampling (learning_starts)
            self._flush()

    def _flush(self) -> None:
        if self._pending_index:
            self.tree.update(np.array(self._pending_index, dtype=np.int64),
                             np.array(self._pending_value, dtype=np.float64))
            self._pending_index.clear()
            self._pending_value.clear()

    def __len__(self) -> int:
        """Start positions whose n-step window is complete (summed over envs)."""
        return self.storage.sampleable()

    def sample_indices(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Flat start indices (one per equal segment of the total priority) and their IS weights."""
        self._flush()
        if len(self) == 0:
            raise GaikitError(f"memory: nothing to sample yet (no complete {self.n_step}-step window stored)")
        total = self.tree.total
        queries = (np.arange(batch_size) + self.rng.random(batch_size)) * (total / batch_size)
        flat, priorities = self.tree.find_with_priorities(queries)
        weights = (priorities / self.tree.min) ** -self.beta
        return flat, weights

    def sample(self, batch_size: int) -> Batch:
        """``batch_size`` transitions drawn by :meth:`sample_indices`, with n-step returns."""
        flat, weights = self.sample_indices(batch_size)
        rows, envs = np.divmod(flat, self.num_envs)
        return n_step_batch(self.storage, rows, envs, n_step=self.n_step, gamma=self.gamma, weights=weights)

    def update_priorities(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Set ``(|priorities| + epsilon) ** alpha`` for still-sampleable ``indices``, in one batch.

        Indices overwritten since they were sampled are skipped.
        """
        self._flush()
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        raw = np.abs(np.asarray(priorities, dtype=np.float64).reshape(-1)) + self.config.epsilon
        if indices.shape != raw.shape:
            raise GaikitError(f"memory.update_priorities: {indices.shape[0]} indices but {raw.shape[0]} priorities")
        if not np.all(np.isfinite(raw)):
            raise GaikitError("memory.update_priorities: priorities must be finite (is the loss diverging?)")
        if indices.shape[0] == 0:
            return
        if indices.min() < 0 or indices.max() >= self.storage.rows * self.num_envs:
            raise GaikitError("memory.update_priorities: index out of range (not from this memory's sample?)")
        keep = self.storage.is_sampleable(indices)
        self.tree.update(indices[keep], raw[keep] ** self.config.alpha)
        self.max_priority = max(self.max_priority, float(raw.max()))

    def _settings(self) -> dict[str, float]:
        return {"n_step": self.n_step, "gamma": self.gamma, "alpha": self.config.alpha}

    def state_dict(self) -> StateDict:
        """Storage, tree leaves, generator state, max priority and the beta step count."""
        self._flush()
        return {
            "storage": self.storage.state_dict(),
            "priorities": self.tree.state_dict(),
            "rng": self.rng.bit_generator.state,
            "max_priority": self.max_priority,
            "initial": self._initial.copy(),
            "steps": self.steps,
            "settings": self._settings(),
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned (same capacity, envs, n_step, gamma, alpha)."""
        if state.get("settings") != self._settings():
            raise CheckpointError(
                f"memory state was saved with {state.get('settings')}; this memory has {self._settings()}"
            )
        self.storage.load_state_dict(state["storage"])
        self.tree.load_state_dict(state["priorities"])
        self.rng.bit_generator.state = state["rng"]
        self.max_priority = float(state["max_priority"])
        initial = state.get("initial")  # absent in states saved before initial priorities existed
        self._initial[:] = NO_PRIORITY if initial is None else np.asarray(initial, dtype=np.float64)
        self.steps = int(state["steps"])
        self._pending_index.clear()
        self._pending_value.clear()


def make_prioritized_memory(
    observation_space: gym.Space,
    action_space: gym.Space,
    config: PrioritizedMemoryConfig,
    *,
    num_envs: int,
    gamma: float,
    seed: int,
) -> PrioritizedMemory:
    """Factory for the ``prioritized`` memory."""
    return PrioritizedMemory(observation_space, action_space, config, num_envs=num_envs, gamma=gamma, seed=seed)


def register(register_fn: Register) -> None:
    """Register the ``prioritized`` memory."""
    register_fn(
        "prioritized",
        make_prioritized_memory,
        config=PrioritizedMemoryConfig,
        description="Proportional prioritized replay (sum/min trees, stratified batched sampling, IS weights), "
        "n-step returns, frames stored once.",
    )
