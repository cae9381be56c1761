"""The actor–learner loop: the driver learns, logs, evaluates and checkpoints while collectors act.

:class:`ActorLearnerRunner` is the synchronous :class:`~gaikit.core.runner.Runner`
with its iteration replaced: instead of stepping envs it drains the chunk
reports of the replay shards (advancing the run step by the env steps they
stored and logging their episodes), takes the next prefetched batch,
updates the learner, sends the new priorities back and publishes the policy
every ``train.sync_every`` updates. Logging, evaluation, checkpoints, the
progress bar and Ctrl-C/SIGTERM handling are the runner's own, so a run
directory looks the same with or without actors.

A checkpoint holds the learner, every shard's memories and limiter counts,
the run counters and RNGs; collectors are not checkpointed: on resume they
start fresh episodes (like a game without saved env state). A collector
process that dies is restarted by Ray (up to :data:`MAX_RESTARTS` times per
collector) and the run goes on, reporting it; only its chunk in flight is
lost. A replay shard that dies ends the run with a clear message, the last
checkpoint intact.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from gaikit.core.agent import LearnedAgent
from gaikit.core.components import Game
from gaikit.core.config import ComponentConfig, RunConfig
from gaikit.core.console import warn
from gaikit.core.episodes import EpisodeRecord
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.registry import Registry
from gaikit.core.runner import RunResult, Runner
from gaikit.core.seeding import rng_state
from gaikit.distributed.collector import Collector, collector_seed
from gaikit.distributed.rate_limiter import error_buffer_for
from gaikit.distributed.replay import ChunkReport, RemoteReplay, ReplayShard, ShardSpec
from gaikit.distributed.weights import WeightStore

#: Times Ray restarts a collector process that died, per collector.
MAX_RESTARTS = 3
#: Seconds between draining the shards' chunk reports.
DRAIN_EVERY_S = 0.05
#: Seconds the learner waits for a batch before doing its other chores.
POLL_S = 0.02
#: Seconds collectors get to finish their last chunk at the end of a run.
STOP_TIMEOUT_S = 10.0


def replay_ratio(config: RunConfig) -> float:
    """The run's samples per insert: ``train.samples_per_insert``, or the synchronous loop's own ratio."""
    train = config.train
    if train.samples_per_insert is not None:
        return float(train.samples_per_insert)
    return train.batch_size * train.gradient_steps / train.train_freq


def check_actor_config(config: RunConfig, cpus: int) -> None:
    """Refuse what an actor–learner run cannot do, with one clear line each."""
    actors = config.train.actors
    if config.agent != "learned":
        raise ConfigError(f"--actors needs a learned agent with an off-policy learner; agent kind {config.agent!r} "
                          "plays through the synchronous loop only (drop --actors)")
    if actors > cpus:
        raise ConfigError(f"--actors {actors}: each collector needs a CPU and the Ray cluster has {cpus}; "
                          f"use --actors {max(cpus, 1)} or fewer, or join a bigger cluster with --ray-address")
    if config.train.replay_shards > actors:
        raise ConfigError(f"train.replay_shards {config.train.replay_shards} > train.actors {actors}: every shard "
                          "needs at least one collector")


def _cause(exc: BaseException) -> str:
    """The innermost ``SomeError: message`` line of a Ray error, for a one-line report."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception|Interrupt|Exit)\b.*:", line)]
    return (errors[-1] if errors else lines[-1] if lines else type(exc).__name__)[:300]


def _slot_memory(registry: Registry, chosen: ComponentConfig, actors: int) -> ComponentConfig:
    """The memory config of one collector's memory: ``capacity`` (if any) divided among the collectors."""
    spec = registry.get("memories", chosen.name)
    if "capacity" not in spec.config.model_fields:
        return chosen
    capacity = int(chosen.options.get("capacity", spec.config.model_fields["capacity"].default))
    return chosen.model_copy(update={"options": {**chosen.options, "capacity": max(1, capacity // actors)}})


class ActorLearnerRunner(Runner):
    """Drives a learned agent with ``train.actors`` Ray collectors (see module doc).

    ``envs`` is a small vector env the driver needs only for the spaces (and
    the run header); ``ray`` the connected ``ray`` module.
    """

    def __init__(self, agent: LearnedAgent, game: Game, config: RunConfig, run_dir: Path | str, *, ray: Any,
                 registry: Registry, envs: gym.vector.VectorEnv, resume: dict[str, Any] | None = None,
                 config_path: Path | str | None = None, progress: bool | None = None,
                 tensorboard: bool = True) -> None:
        if not isinstance(agent, LearnedAgent) or not getattr(agent.learner, "off_policy", True):
            raise ConfigError("--actors needs a learned agent with an off-policy learner (experience from "
                              "collectors always lags the learner)")
        self.ray = ray
        train = config.train
        self.actors = train.actors
        self.sync_every = train.sync_every
        start_step = int(resume["step"]) if resume is not None else 0
        self.learner = agent.learner
        self._start_actors(config, registry, envs, start_step)
        agent.memory = self.replay
        self.steps_by_actor: dict[int, int] = defaultdict(int)
        self.seconds_by_actor: dict[int, float] = defaultdict(float)
        self.incarnations: dict[int, set[str]] = defaultdict(set)
        self.restarts: dict[int, int] = defaultdict(int)
        self.lags: list[int] = []
        self.bytes_shipped = 0
        self._last_drain = 0.0
        self._published = -1
        super().__init__(agent, game, config, run_dir, envs=envs, resume=resume, config_path=config_path,
                         progress=progress, tensorboard=tensorboard)
        self._start_updates = self.updates

    # ---- actors -------------------------------------------------------------------------------
    def _start_actors(self, config: RunConfig, registry: Registry, envs: gym.vector.VectorEnv, start_step: int) -> None:
        ray, train = self.ray, config.train
        assert config.memory is not None
        ratio = replay_ratio(config)
        self.ratio = ratio
        shards = train.replay_shards
        insert_size = train.chunk_steps * train.envs
        min_size = max(train.learning_starts, train.batch_size) // shards
        self.min_size_total = min_size * shards
        buffer = error_buffer_for(ratio, min_size, insert_size=insert_size,
                                  batch_size=train.batch_size * train.batches_per_call,
                                  tolerance=train.rate_tolerance)
        memory = _slot_memory(registry, config.memory, self.actors)
        shard_actor = ray.remote(num_cpus=0)(ReplayShard)
        self.shard_of = [i % shards for i in range(self.actors)]
        self.shards = [
            shard_actor.remote(ShardSpec(
                memory, envs.single_observation_space, envs.single_action_space,
                [i for i in range(self.actors) if self.shard_of[i] == s], train.envs, float(self.learner.gamma),
                int(getattr(self.learner, "n_step", 1)), train.seed + 17 * (s + 1), ratio, min_size, buffer,
                train.batch_size))
            for s in range(shards)
        ]
        self.store = ray.remote(num_cpus=0)(WeightStore).remote()
        collector_actor = ray.remote(num_cpus=1, max_restarts=MAX_RESTARTS, scheduling_strategy="SPREAD")(Collector)
        data = config.model_dump(mode="json")
        self.collectors = [
            collector_actor.remote(i, self.actors, data, collector_seed(train.seed, i, start_step))
            for i in range(self.actors)
        ]
        self.replay = RemoteReplay(ray, self.shards, train.batch_size, batches_per_call=train.batches_per_call)
        self.chunk_steps = train.chunk_steps
        self._wait_started()
        self._run_refs: dict[Any, int] = {}
        self._pings: dict[Any, int] = {}

    def _wait_started(self) -> None:
        try:
            self.ray.get([shard.stats.remote() for shard in self.shards])
        except Exception as exc:  # a Ray error carrying the shard's own
            raise GaikitError(f"a replay shard failed to start: {_cause(exc)}") from None
        #: Ray node id of each collector at start (they are spread over the nodes).
        self.collector_nodes: list[str] = []
        for i, collector in enumerate(self.collectors):
            try:
                self.collector_nodes.append(self.ray.get(collector.where.remote())["node"])
            except Exception as exc:
                raise GaikitError(f"collector {i} failed to start: {_cause(exc)}") from None

    def _launch(self, index: int) -> None:
        shard = self.shards[self.shard_of[index]]
        ref = self.collectors[index].run.remote(shard, self.store, self.chunk_steps)
        self._run_refs[ref] = index

    def _check_collectors(self) -> None:
        """Relaunch collectors whose process died once Ray has restarted them (a ping answers)."""
        exceptions = self.ray.exceptions
        pending = list(self._run_refs) + list(self._pings)
        if not pending:
            return
        done, _ = self.ray.wait(pending, num_returns=len(pending), timeout=0)
        for ref in done:
            if ref in self._pings:
                index = self._pings.pop(ref)
                try:
                    self.ray.get(ref)
                except exceptions.ActorUnavailableError:  # still restarting: ask again
                    self._pings[self.collectors[index].ping.remote()] = index
                except Exception as exc:
                    raise GaikitError(f"collector {index} could not be restarted ({_cause(exc)}); the last "
                                      f"checkpoint stays in {self.run_dir / 'checkpoints'}") from None
                else:
                    self._launch(index)
                continue
            index = self._run_refs.pop(ref)
            try:
                self.ray.get(ref)
            except Exception as exc:
                self.restarts[index] += 1
                if self.restarts[index] > MAX_RESTARTS:
                    raise GaikitError(f"collector {index} died {self.restarts[index]} times (last: {_cause(exc)}); "
                                      f"the last checkpoint stays in {self.run_dir / 'checkpoints'}") from None
                self.progress.print(f"collector {index} died at step {self.step:,} ({_cause(exc)}); Ray restarts "
                                    f"it ({self.restarts[index]} of {MAX_RESTARTS}); its chunk in flight is lost")
                self._pings[self.collectors[index].ping.remote()] = index
            else:
                if not self.stop.requested and self.step < self.train.steps:
                    self._launch(index)

    def _publish(self) -> None:
        self.ray.get(self.store.publish.remote(self.updates, self.step, self.learner.policy_state()))
        self._published = self.updates

    def _shutdown(self) -> None:
        ray = self.ray
        try:
            ray.get([shard.stop.remote() for shard in self.shards], timeout=STOP_TIMEOUT_S)
            if self._run_refs:
                ray.wait(list(self._run_refs), num_returns=len(self._run_refs), timeout=STOP_TIMEOUT_S)
        except Exception:  # a dead shard or collector: nothing left to stop there
            pass
        for handle in [*self.collectors, *self.shards, self.store]:
            ray.kill(handle, no_restart=True)
        self._run_refs = {}

    # ---- the loop -----------------------------------------------------------------------------
    def _header(self) -> None:
        super()._header()
        nodes = len(set(self.collector_nodes))
        self.progress.print(f"  actors      {self.actors} collector(s) on {nodes} Ray node(s), "
                            f"{len(self.shards)} replay shard(s), samples per insert {self.ratio:g}")

    def run(self) -> RunResult:
        """Start the collectors, train until ``train.steps`` or a stop, then stop every actor."""
        self._publish()
        for index in range(self.actors):
            self._launch(index)
        try:
            return super().run()
        finally:
            self._shutdown()

    def _iteration(self) -> None:
        now = time.perf_counter()
        if now - self._last_drain >= DRAIN_EVERY_S:
            self._last_drain = now
            self._absorb([report for reports in self._call_shards("drain") for report in reports])
            self._check_collectors()
        if self.step < self.train.learning_starts:
            time.sleep(POLL_S)
            return
        try:
            batch = self.replay.poll(timeout=POLL_S)
        except GaikitError:
            raise
        except Exception as exc:
            raise GaikitError(f"a replay shard died: {_cause(exc)}; the last checkpoint stays in "
                              f"{self.run_dir / 'checkpoints'}") from None
        if batch is None:
            return
        result = self.learner.update(batch)
        if result.td_errors is not None:
            self.replay.update_priorities(batch.indices, result.td_errors)
        for key, value in result.metrics.items():
            entry = self.accum.setdefault(key, [0.0, 0])
            entry[0] += float(value)
            entry[1] += 1
        self.updates += 1
        if self.updates - self._published >= self.sync_every:
            self._publish()

    def _call_shards(self, method: str) -> list[Any]:
        try:
            return self.ray.get([getattr(shard, method).remote() for shard in self.shards])
        except Exception as exc:
            raise GaikitError(f"a replay shard died: {_cause(exc)}; the last checkpoint stays in "
                              f"{self.run_dir / 'checkpoints'}") from None

    def _absorb(self, reports: list[ChunkReport]) -> None:
        """Advance the run by the stored chunks and log their episodes."""
        if not reports:
            return
        envs = self.train.envs
        finished: list[EpisodeRecord] = []
        for report in reports:
            self.step += report.steps
            self.steps_by_actor[report.collector] += report.steps
            self.seconds_by_actor[report.collector] += report.seconds
            self.incarnations[report.collector].add(report.incarnation)
            self.bytes_shipped += report.nbytes
            if report.policy_version >= 0:
                self.lags.append(self.updates - report.policy_version)
            finished += [EpisodeRecord(self.step, report.collector * envs + env, ret, length)
                         for env, ret, length in report.episodes]
        if finished:
            self.tracker.record(finished)
            self._episodes_ended(finished)  # run events: episodes.csv rows and every gaikit_run_event plugin
        self.store.set_step.remote(self.step)

    def _extra_log_values(self) -> dict[str, Any]:
        stats = self.replay.stats()
        inserts = sum(s["inserts"] for s in stats)
        samples = sum(s["samples"] for s in stats)
        seconds = time.perf_counter() - self._session_start
        values: dict[str, Any] = {
            "updates_per_sec": (self.updates - self._start_updates) / seconds if seconds > 0 else 0.0,
            "replay_ratio": samples / (inserts - self.min_size_total) if inserts > self.min_size_total else 0.0,
            "policy_lag": float(np.mean(self.lags)) if self.lags else 0.0,
            "collector_restarts": sum(self.restarts.values()),
        }
        for index in range(self.actors):
            spent = self.seconds_by_actor[index]
            values[f"actor{index}_steps_per_sec"] = self.steps_by_actor[index] / spent if spent > 0 else 0.0
        self.lags = []
        self.progress.print(
            f"  actors: {values['updates_per_sec']:.1f} updates/s, replay ratio {values['replay_ratio']:.2f}, "
            f"policy lag {values['policy_lag']:.1f} updates, per actor "
            + ", ".join(f"{values[f'actor{i}_steps_per_sec']:.0f}" for i in range(self.actors)) + " steps/s")
        return values

    # ---- checkpoints and resume ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Learner, every shard's memories and counts, run counters and RNGs; no env states.

        The shards' chunk reports not yet drained are taken with their
        states, so the run step counts exactly the steps the memories hold.
        """
        agent = self.agent.state_dict()
        self._absorb(self.replay.take_snapshot_reports())
        runner = self._runner_state()
        runner["obs"] = None
        runner["actors"] = {"count": self.actors, "restarts": dict(self.restarts), "nodes": self.collector_nodes}
        return {"step": self.step, "agent": agent, "runner": runner, "rng": rng_state(), "envs": None}

    def _restore_envs(self, state: dict[str, Any]) -> None:
        """Collectors start fresh episodes: the driver has no environments to restore."""
        self.tracker.reset_partial()
        self.obs = None
