"""The training loop: collect -> store -> update, with evaluation, logs and checkpoints.

One iteration steps all ``train.envs`` environments once (``SameStep``
autoreset, see :meth:`Game.make_vector_env`)::

    actions = agent.act(obs)                       # learner.predict -> selector
    next_obs, ... = envs.step(actions)             # Box actions clipped to bounds
    agent.observe(Transition(obs, actions, rewards, true_next_obs, ...))  # -> memory.add(transition)
    every train_freq env steps after learning_starts: gradient_steps x agent.learn()

``step`` counts env steps summed over envs. Between iterations the runner
logs (every ``log_every``), evaluates greedily on a separate env (every
``eval_every``) and checkpoints (every ``checkpoint_every``), each sent as a
run event (:mod:`gaikit.core.run_events`) to the log writers and every
``gaikit_run_event`` plugin; an evaluation that beats the best so far is
kept in ``best/`` (:mod:`gaikit.core.best_model`) and ``train.early_stop``
may end the run there (:mod:`gaikit.core.early_stop`). The first
Ctrl-C stops at the next iteration boundary and writes a checkpoint, from
which ``gaikit run --resume RUN_DIR`` continues exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import gymnasium as gym
import numpy as np
import torch

from gaikit.core.actions import ActionAdapter
from gaikit.core.best_model import BestModel
from gaikit.core.checkpoint import checkpoint_dirs, describe_os_error, mismatch, save_checkpoint
from gaikit.core.components import Agent, Game, Observation, Transition
from gaikit.core.config import RunConfig
from gaikit.core.cpu_flags import denormals_flushed
from gaikit.core.console import background_errors_as_warnings, warn
from gaikit.core.early_stop import EarlyStop
from gaikit.core.episodes import EpisodeRecord, EpisodeTracker, reports_episode_statistics
from gaikit.core.event_bus import RunEventBus
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.core.explain_log import append_explanations
from gaikit.core.evaluation import EVAL_SEED_OFFSET, EvalResult, evaluate
from gaikit.core.interrupt import GracefulStop
from gaikit.core.metrics import MetricsLogger
from gaikit.core.numerics import (
    DivergenceWatch, NonFiniteError, check_array, check_learner_metrics, check_state)
from gaikit.core.progress import RunProgress
from gaikit.core.registry import plugin_manager
from gaikit.core.run_events import CheckpointSaved, EpisodeEnded, Evaluated, RunEnded, RunStarted, TrainLogged
from gaikit.core.seeding import rng_state, set_rng_state


def true_next_obs(next_obs: Observation, infos: Mapping[str, Any]) -> Observation:
    """``next_obs`` with the rows of finished episodes replaced by ``infos["final_obs"]``."""
    mask = infos.get("_final_obs")
    if mask is None or not mask.any():
        return next_obs
    rows = np.flatnonzero(mask)
    final = infos["final_obs"]
    if isinstance(next_obs, Mapping):
        fixed = {key: value.copy() for key, value in next_obs.items()}
        for i in rows:
            for key in fixed:
                fixed[key][i] = final[i][key]
        return fixed
    fixed_array = next_obs.copy()
    for i in rows:
        fixed_array[i] = final[i]
    return fixed_array


def _next_boundary(current: int, every: int, step: int) -> int:
    while current <= step:
        current += every
    return current


@dataclass
class RunResult:
    """How a run ended: ``finished``, ``interrupted`` or ``stopped early``, at which step, with which checkpoint.

    ``signum`` is the signal that interrupted it (SIGINT or SIGTERM), if one did.
    """

    status: str
    step: int
    checkpoint: Path
    final_eval: dict[str, Any] | None = None
    signum: int | None = None


class Runner:
    """Drives an :class:`Agent` on a :class:`Game` as a :class:`RunConfig` says.

    ``envs`` may be passed when the caller already made them (to build the
    agent against their spaces); ``resume`` is a loaded checkpoint state.
    """

    def __init__(self, agent: Agent, game: Game, config: RunConfig, run_dir: Path | str, *,
                 envs: gym.vector.VectorEnv | None = None, resume: dict[str, Any] | None = None,
                 config_path: Path | str | None = None, progress: bool | None = None,
                 tensorboard: bool = True) -> None:
        self.agent, self.game, self.config = agent, game, config
        self.train = config.train
        self.run_dir = Path(run_dir)
        self.config_path = config_path
        self.show_progress = progress
        if self.train.threads:
            torch.set_num_threads(self.train.threads)
        self.envs = envs if envs is not None else game.make_vector_env(self.train.envs, seed=self.train.seed)
        mode = self.envs.metadata.get("autoreset_mode")
        if mode is not None and getattr(mode, "value", mode) != "SameStep":
            raise GaikitError(f"game {game.name!r}: vector env autoreset mode is {mode}; the runner needs SameStep")
        self.num_envs = self.envs.num_envs
        self.adapt = ActionAdapter(self.envs.single_action_space, self.num_envs)
        self.tracker = EpisodeTracker(self.num_envs, reported=reports_episode_statistics(self.envs))
        self.eval_seed = self.train.seed + EVAL_SEED_OFFSET
        self._eval_envs: gym.vector.VectorEnv | None = None
        self.stop = GracefulStop()
        self.step = self.updates = 0
        self.next_log, self.next_eval, self.next_checkpoint = (
            self.train.log_every, self.train.eval_every, self.train.checkpoint_every)
        self.last_eval_step = -1
        self.last_eval: dict[str, Any] | None = None
        self.elapsed_before = 0.0
        self.accum: dict[str, list[float]] = {}
        self.divergence = DivergenceWatch()
        self.early_stop, self.stop_reason = EarlyStop(self.train.early_stop), ""
        self.resumed = resume is not None
        if resume is None:
            self.obs, _ = self.envs.reset(seed=self.train.seed)
            check_array(self.obs, 0, "observation")
            self.metrics = MetricsLogger(self.run_dir, tensorboard=tensorboard)
        else:
            try:  # well-hashed state can still be wrong: missing keys, wrong types, weights of another shape
                self._restore(resume)
                positions = {str(name): int(size) for name, size in resume["runner"]["files"].items()}
            except Exception as exc:
                raise mismatch(exc) from None
            self.metrics = MetricsLogger(self.run_dir, positions=positions, step=self.step,
                                         tensorboard=tensorboard)
        self.start_step = self.step
        self._session_start = time.perf_counter()
        self.best = BestModel(self.run_dir) if self.train.save_best else None
        #: Run events go to the metrics writer, then to every ``gaikit_run_event`` plugin.
        self.events = RunEventBus(plugin_manager(), [self.metrics.gaikit_run_event])

    # ---- the loop -------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Train until ``train.steps`` or Ctrl-C; always ends with a checkpoint.

        Denormal floats are flushed to zero meanwhile when ``train.flush_denormal`` is set.
        """
        with denormals_flushed(self.train.flush_denormal), background_errors_as_warnings():
            return self._run()

    def _run(self) -> RunResult:
        total = self.train.steps
        with RunProgress(total, self.step, self.show_progress) as self.progress:
            self._header()
            try:
                self.events.emit(RunStarted(self.run_dir, self.config, self.step, self.resumed))
                with self.stop:
                    while True:
                        self._periodic()
                        if self.stop.requested or self.step >= total or self.stop_reason:
                            break
                        self._iteration()
                        if self.progress.due():
                            self._show_progress()
                    if self.step >= total and self.train.eval_every and self.last_eval_step != self.step:
                        self._evaluate(interruptible=False, final=True)  # the final evaluation always completes
                    path = self._checkpoint()
            except NonFiniteError as exc:
                self._shut_down(reason=str(exc))
                raise NonFiniteError(f"{exc}; the run stopped, {self._newest_checkpoint_text('last finite')}") from None
            except CheckpointError as exc:
                self._shut_down(reason=str(exc))
                raise CheckpointError(f"{exc}; the run stopped at step {self.step:,}") from None
            except OSError as exc:  # a log write on a full disk or a read-only run directory
                self._shut_down()
                raise GaikitError(f"cannot write to run directory {self.run_dir} at step {self.step:,}: "
                                  f"{describe_os_error(exc)}; the run stopped, "
                                  f"{self._newest_checkpoint_text()}") from None
            except KeyboardInterrupt:
                self._shut_down("aborted")
                self.progress.print(self._abort_text())
                raise
            except GaikitError as exc:  # a run-event plugin's refusal (a logger's package missing, say)
                self._shut_down(reason=str(exc))
                raise
            self._show_progress()
        self.metrics.plot(self.game.title)
        self.metrics.close()
        self.close_envs()
        status = "finished" if self.step >= total else "stopped early" if self.stop_reason else "interrupted"
        self.events.emit_quietly(RunEnded(self.step, status, self.last_eval, self.stop_reason,
                                          run_dir=self.run_dir))
        return RunResult(status, self.step, path, self.last_eval, signum=self.stop.signum)

    def _iteration(self) -> None:
        obs = self.obs
        actions = self.adapt(self.agent.act(obs, self.step))
        records = self.agent.explain_records()
        if records:
            append_explanations(self.run_dir, records)
        next_obs, rewards, terminated, truncated, infos = self.envs.step(actions)
        true_next = true_next_obs(next_obs, infos)
        check_array(true_next, self.step + self.num_envs, "observation")
        if true_next is not next_obs:
            check_array(next_obs, self.step + self.num_envs, "observation")
        check_array(rewards, self.step + self.num_envs, "reward")
        self.agent.observe(Transition(obs, actions, rewards, true_next, terminated, truncated, infos))
        before, self.step = self.step, self.step + self.num_envs
        self.obs = next_obs
        finished = self.tracker.update(self.step, rewards, terminated, truncated, infos)
        if finished:
            self._episodes_ended(finished)
        if self.step < self.train.learning_starts:
            return
        phases = self.step // self.train.train_freq - before // self.train.train_freq
        if phases and self.agent.can_learn():
            for _ in range(phases * self.train.gradient_steps):
                metrics = self.agent.learn()
                check_learner_metrics(metrics, self.step)
                self.divergence.record(metrics)
                for key, value in metrics.items():
                    entry = self.accum.setdefault(key, [0.0, 0])
                    entry[0] += float(value)
                    entry[1] += 1
                self.updates += 1

    def _periodic(self) -> None:
        train = self.train
        if self.step >= self.next_log:
            self._log()
            self.next_log = _next_boundary(self.next_log, train.log_every, self.step)
        if train.eval_every and self.step >= self.next_eval and not self.stop.requested:
            if self._evaluate(final=self.step >= train.steps) is not None:
                self.next_eval = _next_boundary(self.next_eval, train.eval_every, self.step)
        if (train.checkpoint_every and self.step >= self.next_checkpoint and self.step < train.steps
                and not self.stop.requested):  # a stop writes its own checkpoint
            self._checkpoint()
            self.next_checkpoint = _next_boundary(self.next_checkpoint, train.checkpoint_every, self.step)

    # ---- logging and evaluation -------------------------------------------------------------
    def _elapsed(self) -> float:
        return self.elapsed_before + time.perf_counter() - self._session_start

    def _speed(self) -> float:
        seconds = time.perf_counter() - self._session_start
        return (self.step - self.start_step) / seconds if seconds > 0 else 0.0

    def _show_progress(self) -> None:
        self.progress.update(self.step, self.tracker.count, self.tracker.mean_recent(), self._speed())

    def _log(self) -> None:
        values: dict[str, Any] = {
            "episodes": self.tracker.count,
            "mean_return_100": self.tracker.mean_recent(),
            "updates": self.updates,
            "steps_per_sec": self._speed(),
            "time": self._elapsed(),
        }
        values.update({key: total / count for key, (total, count) in sorted(self.accum.items()) if count})
        values.update(self._extra_log_values())
        self.accum = {}
        self.events.emit(TrainLogged(self.step, values, run_dir=self.run_dir))
        for message in self.divergence.check(self.step, values):
            warn(message)
        speed = values["steps_per_sec"]
        eta = (self.train.steps - self.step) / speed if speed > 0 else float("inf")
        self.progress.log(self.step, self.tracker.count, values["mean_return_100"], speed, eta)

    def _extra_log_values(self) -> dict[str, Any]:
        """Further figures for each ``metrics.jsonl`` train row (none here; the actor–learner loop adds its own)."""
        return {}

    def _evaluate(self, interruptible: bool = True, final: bool = False) -> EvalResult | None:
        if self._eval_envs is None:
            self._eval_envs = self.game.make_vector_env(1, seed=self.eval_seed)
        should_stop = (lambda: self.stop.requested) if interruptible else None
        on_episode = self._final_eval_started() if final else None
        result = evaluate(self.agent, self._eval_envs, self.train.eval_episodes, self.eval_seed, self.step,
                          should_stop=should_stop, epsilon=self.train.eval_epsilon, on_episode=on_episode)
        self.agent.explain_records()  # explain.jsonl logs training play only; drop evaluation decisions
        if result is None:
            return None
        summary = result.summary()
        best = self.best is not None and self.best.improves(float(summary["mean"]))
        returns = [float(r) for r in result.returns]
        self.events.emit(Evaluated(self.step, summary, returns, best, run_dir=self.run_dir))
        self.last_eval_step, self.last_eval = self.step, summary
        self.progress.print(f"eval at step {self.step:,}: mean return {summary['mean']:.2f} ± {summary['std']:.2f} "
                            f"over {summary['episodes']} episodes (min {summary['min']:.1f}, max {summary['max']:.1f})")
        if best and self.best is not None:
            path = self.best.save(self.step, float(summary["mean"]), self.agent, self._config_text())
            self.events.emit(CheckpointSaved(self.step, path, "best", run_dir=self.run_dir))
        self.stop_reason = self.early_stop.judge(summary)
        if self.stop_reason and self.step < self.train.steps:
            self.progress.print(f"stopped early at step {self.step:,}: {self.stop_reason}")
        return result

    def _episodes_ended(self, finished: list[EpisodeRecord]) -> None:
        """Send one ``EpisodeEnded`` event per finished training episode (``episodes.csv`` rows)."""
        elapsed = self._elapsed()
        for rec in finished:
            self.events.emit(EpisodeEnded(rec.step, rec.env, rec.ret, rec.length, elapsed, run_dir=self.run_dir))

    def _config_text(self) -> str:
        """The run's ``config.yaml`` as written in the run directory (else this config as YAML)."""
        path = self.run_dir / "config.yaml"
        return path.read_text(encoding="utf-8") if path.is_file() else self.config.to_yaml()

    def _final_eval_started(self) -> Callable[[int, int, float], None]:
        """Announce the final evaluation; return the callback that shows each finished episode (done / total)."""
        epsilon = self.train.eval_epsilon
        self.progress.print(f"final eval at step {self.step:,}: {self.train.eval_episodes} evaluation episodes"
                            + (f" (epsilon {epsilon:g})" if epsilon else " (greedy)"))

        def show(done: int, total: int, ret: float) -> None:
            self.progress.print(f"  final eval episode {done}/{total}: return {ret:,.1f}")

        return show

    def _warn_if_nothing_learned(self, info: Mapping[str, Any]) -> None:
        """One warning line when a learned agent's ``train.learning_starts`` leaves it no step to learn on."""
        starts, steps = self.train.learning_starts, self.train.steps
        if "learner" in info and starts >= steps:
            warn(f"train.learning_starts ({starts:,}) >= train.steps ({steps:,}) leaves the {info['learner']} learner "
                 "no steps to learn on, so nothing will be learned; lower train.learning_starts or raise --steps")

    def _header(self) -> None:
        info = self.agent.describe()
        self._warn_if_nothing_learned(info)
        parts = [f"{k} {info[k]}" for k in ("encoder", "learner", "memory", "selector") if k in info]
        params = info.get("encoder_parameters")
        lines = [
            f"gaikit run: {self.game.title}",
            f"  agent       {self.config.agent}" + (f": {', '.join(parts)}" if parts else ""),
        ]
        if params:
            lines.append(f"  encoder     {params:,} trainable parameters")
        if info.get("learner_precision"):
            lines.append(f"  precision   {info['learner_precision']}")
        lines += [
            f"  envs        {self.num_envs} x {self.game.title} (seed {self.train.seed})",
            f"  steps       {self.step:,} -> {self.train.steps:,}" + (" (resumed)" if self.start_step else ""),
            f"  config      {self.config_path or self.run_dir / 'config.yaml'}",
            f"  run dir     {self.run_dir}",
        ]
        for line in lines:
            self.progress.print(line)

    # ---- checkpoints and resume ---------------------------------------------------------------
    def _sub_envs(self) -> list[gym.Env] | None:
        return getattr(self.envs.unwrapped, "envs", None)

    def state_dict(self) -> dict[str, Any]:
        """Everything a checkpoint holds: agent, counters, episode stats, RNGs, env states."""
        env_states = None
        sub_envs = self._sub_envs()
        if sub_envs:
            env_states = [self.game.env_state(env) for env in sub_envs]
            if any(state is None for state in env_states):
                env_states = None
        return {"step": self.step, "agent": self.agent.state_dict(), "runner": self._runner_state(),
                "rng": rng_state(), "envs": env_states}

    def _runner_state(self) -> dict[str, Any]:
        """The loop's own part of a checkpoint: counters, schedule boundaries, episode stats, log positions."""
        return {
            "step": self.step, "updates": self.updates, "next_log": self.next_log, "next_eval": self.next_eval,
            "next_checkpoint": self.next_checkpoint, "last_eval_step": self.last_eval_step,
            "last_eval": self.last_eval, "elapsed": self._elapsed(), "accum": self.accum, "obs": self.obs,
            "episodes": self.tracker.state_dict(), "files": self.metrics.positions(),
            "early_stop": self.early_stop.state_dict(),
        }

    def _checkpoint(self) -> Path:
        state = self.state_dict()
        check_state(state["agent"], self.step)  # never write a non-finite checkpoint
        path = save_checkpoint(self.run_dir, self.step, state, self.train.keep_checkpoints)
        self.metrics.plot(self.game.title)
        self.events.emit(CheckpointSaved(self.step, path, run_dir=self.run_dir))
        return path

    def _abort_text(self) -> str:
        """What a second Ctrl-C leaves behind, as found on disk (a write it cut short left nothing)."""
        found = checkpoint_dirs(self.run_dir)
        resume = f"resume with: gaikit run --resume {self.run_dir}"
        if not found:
            return f"aborted at step {self.step:,}; no checkpoint was written, so this run cannot be resumed"
        newest_step, newest = found[0]
        if newest_step == self.step:
            return f"aborted at step {self.step:,}; checkpoint {newest} holds this step; {resume}"
        return (f"aborted at step {self.step:,} without saving it; the newest checkpoint is {newest} "
                f"(step {newest_step:,}); {resume}")

    def _newest_checkpoint_text(self, which: str = "newest") -> str:
        found = checkpoint_dirs(self.run_dir)
        if not found:
            return "no checkpoint was written"
        return f"the {which} checkpoint is {found[0][1]}"

    def _restore(self, state: dict[str, Any]) -> None:
        """Load a checkpoint's agent, counters, episode tracker, environments and RNG states."""
        runner = state["runner"]
        self.agent.load_state_dict(state["agent"])
        self.step, self.updates = int(runner["step"]), int(runner["updates"])
        self.next_log, self.next_eval = int(runner["next_log"]), int(runner["next_eval"])
        self.next_checkpoint, self.last_eval_step = int(runner["next_checkpoint"]), int(runner["last_eval_step"])
        self.last_eval = runner["last_eval"]
        self.elapsed_before = float(runner["elapsed"])
        self.accum = {key: [float(total), int(count)] for key, (total, count) in runner["accum"].items()}
        self.tracker.load_state_dict(runner["episodes"])
        self.early_stop.load_state_dict(runner.get("early_stop"))
        self._restore_envs(state)
        set_rng_state(state["rng"])

    def _restore_envs(self, state: dict[str, Any]) -> None:
        """Put the environments where the checkpoint left them, or restart their episodes."""
        runner = state["runner"]
        self.obs, _ = self.envs.reset(seed=self.train.seed)
        sub_envs, env_states = self._sub_envs(), state.get("envs")
        if sub_envs and env_states and len(env_states) == len(sub_envs):
            for env, env_state in zip(sub_envs, env_states):
                self.game.load_env_state(env, env_state)
            self.obs = runner["obs"]
        else:
            warn(f"game {self.game.name!r} does not save environment state; the environments restart their "
                 "episodes on resume (episodes in progress at the checkpoint are dropped)")
            self.obs, _ = self.envs.reset(seed=self.train.seed + self.step)
            self.tracker.reset_partial()

    def _shut_down(self, status: str = "failed", reason: str = "") -> None:
        """Close logs and envs after a failure (``RunEnded`` with ``status``); an unflushable log is dropped."""
        self.events.emit_quietly(RunEnded(self.step, status, self.last_eval, reason, run_dir=self.run_dir))
        try:
            self.metrics.close()
        except OSError:
            pass
        self.close_envs()

    def close_envs(self) -> None:
        """Close the training and evaluation envs."""
        self.envs.close()
        if self._eval_envs is not None:
            self._eval_envs.close()
            self._eval_envs = None
