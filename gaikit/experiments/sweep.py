"""``gaikit sweep``'s engine: every trial a Ray task running :func:`gaikit.train`, resumable, with a summary.

Ray is joined or started by :func:`gaikit.distributed.ray_cluster.ray_session`
(a local instance by default, ``RAY_ADDRESS`` or ``--ray-address`` for a
cluster, an instance already initialised in the process as it is). Each
trial asks for ``train.threads`` CPUs (1 by default); at most
``max_concurrent`` run at once, which may not exceed what the cluster's CPUs
hold (one clear error otherwise). Finished trials are skipped, interrupted
ones resumed from their newest checkpoint (:mod:`gaikit.experiments.sweep_trial`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from gaikit.core.errors import ConfigError, describe_exception
from gaikit.distributed.ray_cluster import import_ray, ray_session, trial_slots
from gaikit.experiments.sweep_setup import TRIAL_DEFAULTS, open_experiment, trial_config, validate_trials
from gaikit.experiments.sweep_spec import LOGS_DIR, SweepSpec, Trial
from gaikit.experiments.sweep_trial import TrialJob, last_eval, read_status, run_trial, trial_state

Echo = Callable[[str], Any]


@dataclass
class SweepResult:
    """Every trial's outcome (``name``, ``status``, ``step``, ``final_eval``, ``error``), in trial order."""

    exp_dir: Path
    outcomes: list[dict[str, Any]]

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Outcomes of trials that did not finish (failed or interrupted)."""
        return [o for o in self.outcomes if o["status"] not in ("finished", "stopped early")]


def run_sweep(spec: SweepSpec, exp_dir: Path, *, resuming: bool = False, ray_address: str | None = None,
              max_concurrent: int | None = None, echo: Echo = print) -> SweepResult:
    """Validate every trial, make or check ``exp_dir``, then run the trials not yet finished on Ray."""
    if max_concurrent is not None and max_concurrent < 1:
        raise ConfigError(f"--max-concurrent {max_concurrent}: must be at least 1")
    exp_dir = exp_dir.resolve()
    config_file = trial_config(exp_dir, spec) if resuming else (Path(spec.config) if spec.config else None)
    cpus = validate_trials(spec, config_file)
    import_ray("gaikit sweep")
    open_experiment(exp_dir, spec, resuming)
    config_file = trial_config(exp_dir, spec)
    trials = spec.trials()
    outcomes: dict[str, dict[str, Any]] = {}
    todo: list[Trial] = []
    for trial in trials:
        run_dir, status_file = _paths(exp_dir, trial)
        if trial_state(run_dir, status_file) == "finished":
            recorded = read_status(status_file) or {}
            outcome = {"name": trial.name, "status": recorded.get("status", "finished"), "step": recorded.get("step"),
                       "final_eval": recorded.get("final_eval") or last_eval(run_dir), "error": ""}
            outcomes[trial.name] = outcome
            echo(f"skip    {trial.name}: already {outcome['status']}{_eval_text(outcome)}")
        else:
            todo.append(trial)
    echo(f"sweep {exp_dir}: {len(trials)} trials, {len(outcomes)} already finished, {len(todo)} to run")
    if todo:
        jobs = [_job(exp_dir, spec, trial, config_file) for trial in todo]
        for outcome in _launch(jobs, cpus, ray_address, max_concurrent, echo):
            outcomes[outcome["name"]] = outcome
    result = SweepResult(exp_dir, [outcomes[t.name] for t in trials])
    for line in summary_lines(result):
        echo(line)
    return result


def _launch(jobs: list[TrialJob], cpus: dict[str, int], ray_address: str | None, max_concurrent: int | None,
            echo: Echo) -> list[dict[str, Any]]:
    """Run ``jobs`` as Ray tasks, at most ``max_concurrent`` at once; outcomes in the order they finished."""
    done: list[dict[str, Any]] = []
    with ray_session(ray_address) as ray:
        limit = trial_slots(ray, max(cpus[job.name] for job in jobs), max_concurrent)
        remote = ray.remote(run_trial)
        pending: dict[Any, tuple[TrialJob, float]] = {}
        queue = list(jobs)
        try:
            while queue or pending:
                while queue and len(pending) < limit:
                    job = queue.pop(0)
                    state = trial_state(Path(job.run_dir), Path(job.status_file))
                    ref = remote.options(num_cpus=cpus[job.name], max_retries=0).remote(job)
                    pending[ref] = (job, time.perf_counter())
                    verb = "resume  " if state == "interrupted" else "start   "
                    echo(f"{verb}{job.name} (seed {job.seed})")
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    job, started = pending.pop(ref)
                    outcome = _outcome(ray, ref, job)
                    done.append(outcome)
                    echo(_finish_line(outcome, job, time.perf_counter() - started))
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref, force=True)
            echo(f"interrupted; {len(pending)} running trial(s) stopped (they resume from their newest checkpoint)")
            raise
    return done


def _outcome(ray: Any, ref: Any, job: TrialJob) -> dict[str, Any]:
    """A task's outcome; a task that died (worker killed, out of memory) is a failed trial."""
    try:
        return ray.get(ref)
    except Exception as exc:  # Ray's own errors: the worker process died, the task was cancelled
        return {"name": job.name, "status": "failed", "step": 0, "final_eval": None,
                "error": describe_exception(exc)}


def _job(exp_dir: Path, spec: SweepSpec, trial: Trial, config_file: Path | None) -> TrialJob:
    run_dir, status_file = _paths(exp_dir, trial)
    return TrialJob(
        name=trial.name, game=spec.game, seed=trial.seed, run_dir=str(run_dir),
        log_file=str(exp_dir / LOGS_DIR / f"{trial.name}.log"), status_file=str(status_file),
        choices=dict(spec.choices), steps=spec.steps, envs=spec.envs,
        config=None if config_file is None else str(config_file),
        overrides=[*TRIAL_DEFAULTS, *spec.overrides, *trial.overrides()],
    )


def _paths(exp_dir: Path, trial: Trial) -> tuple[Path, Path]:
    """A trial's run directory and status file."""
    return exp_dir / trial.name, exp_dir / LOGS_DIR / f"{trial.name}.status.json"


def _eval_text(outcome: dict[str, Any]) -> str:
    e = outcome.get("final_eval")
    if not e or "mean" not in e:
        return ""
    return f", eval mean {e['mean']:.2f} ± {e.get('std', 0.0):.2f} over {e.get('episodes', '?')} episodes"


def _finish_line(outcome: dict[str, Any], job: TrialJob, seconds: float) -> str:
    if outcome["status"] == "failed":
        return f"FAILED  {job.name}: {outcome['error']} (log: {job.log_file})"
    step = outcome.get("step") or 0
    return f"{outcome['status']:<7} {job.name}: step {step:,}{_eval_text(outcome)} ({seconds:.1f} s)"


def summary_lines(result: SweepResult) -> list[str]:
    """The end-of-sweep table (trial, status, step, eval mean, std) and what to run next."""
    width = max([len("trial"), *(len(o["name"]) for o in result.outcomes)])
    lines = ["", f"{'trial':<{width}}  {'status':<13} {'step':>9}  {'eval mean':>10}  {'std':>8}"]
    for o in result.outcomes:
        e = o.get("final_eval") or {}
        mean = f"{e['mean']:.2f}" if "mean" in e else "-"
        std = f"{e['std']:.2f}" if "std" in e else "-"
        step = f"{o['step']:,}" if isinstance(o.get("step"), int) else "-"
        lines.append(f"{o['name']:<{width}}  {o['status']:<13} {step:>9}  {mean:>10}  {std:>8}")
    failed = result.failed
    if failed:
        lines.append(f"{len(failed)} of {len(result.outcomes)} trials did not finish; fix and rerun the same command "
                     f"(or gaikit sweep --resume {result.exp_dir}) to run only those")
    lines.append(f"compare the configurations: gaikit compare --by-config {result.exp_dir}")
    return lines
