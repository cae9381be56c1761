"""A collector: steps a vector env with a copy of the policy and ships chunks to its replay shard.

Each collector (a Ray actor, one CPU) builds the run's game and learned
agent exactly as a synchronous run does, from the saved config, but acts
only: ``learner.predict`` -> ``selector.select`` -> ``envs.step``. Before each
chunk it loads the newest published policy
(:class:`~gaikit.distributed.weights.WeightStore`); after ``train.chunk_steps``
vector steps it ships them as one chunk with its episode returns. Where the
learner gives action values, each transition carries an initial priority:
the actor's own one-step TD error ``|r + gamma * max_a' Q(s', a') - Q(s, a)|``
(Ape-X; the learner replaces it with its n-step error once sampled).

Seeds: collector ``i`` uses ``train.seed + COLLECTOR_SEED_STRIDE * (i + 1)``
plus the run step it starts at, so a resumed run does not replay the same
episodes; its selector is told it is actor ``i`` of N
(:meth:`~gaikit.core.components.ActionSelector.set_actor`).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import numpy as np
import torch

from gaikit.core.actions import ActionAdapter
from gaikit.core.agent import LearnedAgent
from gaikit.core.build import build_run
from gaikit.core.components import Preferences, Transition
from gaikit.core.config import RunConfig
from gaikit.core.episodes import EpisodeTracker, reports_episode_statistics
from gaikit.core.errors import ConfigError
from gaikit.core.registry import get_registry
from gaikit.core.runner import true_next_obs
from gaikit.distributed.chunks import chunk_nbytes, stack_steps
from gaikit.distributed.replay import ChunkReport

#: Seed distance between collectors (and from the run's own seed).
COLLECTOR_SEED_STRIDE = 1_000_003


def collector_seed(run_seed: int, index: int, start_step: int) -> int:
    """The seed of collector ``index`` in a run seeded ``run_seed``, started at run step ``start_step``."""
    return run_seed + COLLECTOR_SEED_STRIDE * (index + 1) + start_step


def td_priorities(
    values: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    gamma: float,
) -> np.ndarray:
    """One-step absolute TD errors ``|r + gamma * (1 - term) * max Q(s') - Q(s, a)|`` for any leading shape."""
    chosen = np.take_along_axis(values, actions[..., None].astype(np.int64), axis=-1)[..., 0]
    target = rewards + gamma * (1.0 - terminated.astype(np.float64)) * next_values.max(axis=-1)
    return np.abs(target - chosen).astype(np.float32)


class Collector:
    """One collector actor (see module doc)."""

    def __init__(self, index: int, count: int, config_data: dict[str, Any], seed: int) -> None:
        torch.set_num_threads(1)
        config = RunConfig.model_validate(config_data)
        built = build_run(config, get_registry(), seed=seed)
        if not isinstance(built.agent, LearnedAgent):
            built.envs.close()
            raise ConfigError(f"--actors needs a learned agent; agent kind {config.agent!r} has no learner to copy")
        self.index, self.count = index, count
        self.incarnation = uuid.uuid4().hex
        self.learner, self.selector = built.agent.learner, built.agent.selector
        self.selector.set_actor(index, count)
        self.envs = built.envs
        self.num_envs = self.envs.num_envs
        self.adapt = ActionAdapter(self.envs.single_action_space, self.num_envs)
        self.tracker = EpisodeTracker(self.num_envs, reported=reports_episode_statistics(self.envs))
        self.gamma = float(self.learner.gamma)
        space = self.envs.single_action_space
        self.action_start = int(space.start) if hasattr(space, "start") and np.ndim(space.start) == 0 else 0
        self.obs, _ = self.envs.reset(seed=seed)
        self.version = -1
        self.step = 0
        self.chunks = 0

    def ping(self) -> str:
        """This process's incarnation id (a restarted actor has a new one)."""
        return self.incarnation

    def where(self) -> dict[str, Any]:
        """This collector's process id and Ray node id (for fault tests and placement checks)."""
        import ray

        return {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(), "incarnation": self.incarnation}

    def _sync(self, store: Any, ray: Any) -> None:
        version, step, state = ray.get(store.newer_than.remote(self.version))
        if state is not None:
            self.learner.load_policy_state(state)
            self.version = version
        self.step = max(self.step, step)

    def collect(self, chunk_steps: int) -> tuple[Transition, ChunkReport]:
        """Act for ``chunk_steps`` vector steps with the current policy; the chunk (with priorities) and its report."""
        started = time.perf_counter()
        steps: list[Transition] = []
        values: list[np.ndarray] = []
        episodes: list[tuple[int, float, int]] = []
        for _ in range(chunk_steps):
            prefs: Preferences = self.learner.predict(self.obs)
            actions = self.adapt(self.selector.select(prefs, self.step))
            next_obs, rewards, terminated, truncated, infos = self.envs.step(actions)
            steps.append(Transition(self.obs, actions, rewards, true_next_obs(next_obs, infos), terminated, truncated))
            if prefs.values is not None:
                values.append(prefs.values)
            self.step += self.num_envs * self.count  # every collector advances the run about as fast
            for record in self.tracker.update(self.step, rewards, terminated, truncated, infos):
                episodes.append((record.env, record.ret, record.length))
            self.obs = next_obs
        chunk = stack_steps(steps)
        if len(values) == len(steps):
            next_values = self.learner.predict(_flatten(chunk.next_obs)).values
            assert next_values is not None
            chunk.priorities = td_priorities(np.stack(values), chunk.actions - self.action_start, chunk.rewards,
                                             next_values.reshape(len(steps), self.num_envs, -1),
                                             chunk.terminated, self.gamma)
        self.chunks += 1
        report = ChunkReport(self.index, len(steps) * self.num_envs, episodes, self.version,
                             time.perf_counter() - started, chunk_nbytes(chunk), self.incarnation)
        return chunk, report

    def run(self, shard: Any, store: Any, chunk_steps: int) -> dict[str, Any]:
        """Collect and ship chunks until the shard says the run stopped; returns totals."""
        import ray

        while True:
            self._sync(store, ray)
            chunk, report = self.collect(chunk_steps)
            if not ray.get(shard.insert.remote(self.index, chunk, report)):
                break
        self.envs.close()
        return {"collector": self.index, "chunks": self.chunks}


def _flatten(obs: Any) -> Any:
    """``(T, E, ...)`` arrays (or a dict of them) as ``(T * E, ...)``."""
    if isinstance(obs, dict):
        return {key: value.reshape(-1, *value.shape[2:]) for key, value in obs.items()}
    return obs.reshape(-1, *obs.shape[2:])
