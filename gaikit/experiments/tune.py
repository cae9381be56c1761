"""``gaikit tune``'s engine: Ray Tune over gaikit runs, Optuna's TPE or random or grid search, ASHA early stopping.

Every trial is :func:`gaikit.experiments.tune_trial.tune_trial` (a normal
gaikit run reporting its evaluations through the run events) with one CPU per
torch thread. Ray is joined or started by
:func:`gaikit.distributed.ray_cluster.ray_session`. Ray Tune keeps its state
(search algorithm, scheduler, trials) in ``EXP_DIR/tune``, so an interrupted
tune continues with :meth:`ray.tune.Tuner.restore`: finished and early-stopped
trials are kept, unfinished ones resume from their gaikit checkpoints.
At the end :mod:`gaikit.experiments.tune_results` writes the trial table and
the best configuration as a ``gaikit run --config`` file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from gaikit.core.errors import GaikitError
from gaikit.core.eval_episodes import read_evaluations
from gaikit.distributed.ray_cluster import ray_session, trial_slots
from gaikit.experiments.tune_results import TrialOutcome, TuneResult, short_value, summary_lines, write_results
from gaikit.experiments.tune_setup import (
    TUNE_STATE_DIR, TuneSpec, experiment_files, open_experiment, prepare_tune, trial_defaults)
from gaikit.experiments.tune_space import Parameter
from gaikit.experiments.tune_trial import LOGS_DIR, TuneJob, read_error, trial_run_dir, tune_trial

Echo = Callable[[str], Any]
#: What to install for ``gaikit tune``.
INSTALL_HINT = "pip install 'gaikit[tune]'"
#: ASHA: the first rung at this fraction of the budget; each rung keeps the best 1/REDUCTION_FACTOR.
GRACE_FRACTION = 0.25
REDUCTION_FACTOR = 2


def import_tune() -> Any:
    """``ray.tune``, or one clear error saying what to install."""
    try:
        from ray import tune
    except ImportError:
        raise GaikitError(f"gaikit tune needs Ray Tune, which is not installed: {INSTALL_HINT}") from None
    return tune


def run_tune(spec: TuneSpec, exp_dir: Path, *, space_file: Path, config_file: Path | None, resuming: bool = False,
             ray_address: str | None = None, max_concurrent: int | None = None, echo: Echo = print) -> TuneResult:
    """Check everything, make or reopen ``exp_dir``, run (or continue) the tune on Ray, write its results."""
    exp_dir = exp_dir.resolve()
    if resuming:
        space_file, config_file = experiment_files(exp_dir, spec)
    parameters, cpus = prepare_tune(spec, space_file, config_file, max_concurrent)
    tune = import_tune()
    if spec.search == "optuna":
        _import_optuna()
    continuing = open_experiment(exp_dir, spec, space_file, config_file)
    space_file, config_file = experiment_files(exp_dir, spec)
    job = TuneJob(exp_dir=str(exp_dir), game=spec.game, choices=dict(spec.choices), steps=spec.steps, seed=spec.seed,
                  config=None if config_file is None else str(config_file),
                  overrides=[*trial_defaults(spec.steps), *spec.overrides], metric=spec.metric)
    echo(f"tune {exp_dir}: {spec.trials} trials of up to {spec.steps:,} steps, {spec.search} search, "
         f"scheduler {spec.scheduler}, maximising {spec.metric}")
    for parameter in parameters:
        echo(f"  {parameter.path}: {parameter.describe()}")
    progress = _progress_callback(tune, spec, exp_dir, echo)
    with ray_session(ray_address, log_to_driver=False) as ray:
        slots = trial_slots(ray, cpus, max_concurrent)
        trainable = tune.with_resources(tune.with_parameters(tune_trial, job=job), {"cpu": cpus})
        state = exp_dir / TUNE_STATE_DIR
        with _quiet_ray_tune():
            if continuing and tune.Tuner.can_restore(str(state)):
                echo(f"continuing the tune in {exp_dir}")
                tuner = tune.Tuner.restore(str(state), trainable, resume_unfinished=True, resume_errored=True)
            else:
                tuner = tune.Tuner(
                    trainable,
                    param_space=_param_space(tune, parameters, spec.search),
                    tune_config=tune.TuneConfig(
                        metric=spec.metric, mode="max", num_samples=1 if spec.search == "grid" else spec.trials,
                        search_alg=_search(tune, spec), scheduler=_scheduler(spec),
                        max_concurrent_trials=slots, reuse_actors=True),
                    run_config=tune.RunConfig(name=TUNE_STATE_DIR, storage_path=str(exp_dir), verbose=0,
                                              callbacks=[progress]),
                )
            tuner.fit()
        outcomes = _outcomes(tune, state, spec, parameters)
    result = write_results(exp_dir, spec, outcomes)
    for line in summary_lines(result):
        echo(line)
    return result


def _import_optuna() -> None:
    """Optuna, quiet (its study-created lines are not gaikit's output), or one clear error."""
    try:
        import optuna
    except ImportError:
        raise GaikitError(f"--search optuna needs Optuna, which is not installed: {INSTALL_HINT}") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # OptunaSearch reports Tune's training_iteration, which a resumed trial counts again from 1
    warnings.filterwarnings("ignore", message="The reported value is ignored", category=UserWarning)


def _param_space(tune: Any, parameters: list[Parameter], search: str) -> dict[str, Any]:
    """Tune's search space: one domain per config path (``grid_search`` lists for ``--search grid``)."""
    space: dict[str, Any] = {}
    for p in parameters:
        if search == "grid":
            space[p.path] = tune.grid_search(p.grid_values())
        elif p.distribution == "choice":
            space[p.path] = tune.choice(list(p.values))
        elif p.distribution == "int":  # Tune's randint excludes its upper bound; ours includes it
            space[p.path] = (tune.lograndint if p.log else tune.randint)(int(p.low), int(p.high) + 1)  # type: ignore[arg-type]
        else:
            space[p.path] = (tune.loguniform if p.log else tune.uniform)(p.low, p.high)
    return space


def _search(tune: Any, spec: TuneSpec) -> Any:
    if spec.search == "optuna":
        from ray.tune.search.optuna import OptunaSearch

        return OptunaSearch(metric=spec.metric, mode="max", seed=spec.seed)
    from ray.tune.search import BasicVariantGenerator

    return BasicVariantGenerator(random_state=spec.seed)


def _scheduler(spec: TuneSpec) -> Any:
    if spec.scheduler == "none":
        return None
    from ray.tune.schedulers import ASHAScheduler

    return ASHAScheduler(time_attr="step", max_t=spec.steps, grace_period=max(1, int(spec.steps * GRACE_FRACTION)),
                         reduction_factor=REDUCTION_FACTOR)


def _progress_callback(tune: Any, spec: TuneSpec, exp_dir: Path, echo: Echo) -> Any:
    """A Tune callback printing one line when a trial starts, reports, finishes, is stopped early or fails."""

    class Progress(tune.Callback):  # type: ignore[misc]
        """One line per trial event (Tune's own table is off: ``verbose=0``)."""

        def __init__(self) -> None:
            self.started: dict[str, float] = {}

        def on_trial_start(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
            self.started[trial.trial_id] = time.perf_counter()
            params = ", ".join(f"{k}={short_value(v)}" for k, v in trial.config.items())
            echo(f"start   {trial.trial_id}: {params}")

        def on_trial_result(self, iteration: int, trials: list[Any], trial: Any, result: dict[str, Any],
                            **info: Any) -> None:
            echo(f"report  {trial.trial_id}: step {result.get('step', 0):,} {spec.metric} "
                 f"{result.get(spec.metric, float('nan')):.2f}")

        def on_trial_complete(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
            last = trial.last_result or {}
            seconds = time.perf_counter() - self.started.get(trial.trial_id, time.perf_counter())
            verb = "finish " if last.get("step", 0) >= spec.steps else "stopped"
            echo(f"{verb} {trial.trial_id}: step {last.get('step', 0):,} {spec.metric} "
                 f"{last.get(spec.metric, float('nan')):.2f} ({seconds:.0f} s)")

        def on_trial_error(self, iteration: int, trials: list[Any], trial: Any, **info: Any) -> None:
            echo(f"FAILED  {trial.trial_id}: its output is in {exp_dir / LOGS_DIR / (trial.trial_id + '.log')}")

    return Progress()


def _outcomes(tune: Any, state: Path, spec: TuneSpec, parameters: list[Parameter]) -> list[TrialOutcome]:
    """Every trial's outcome from Tune's saved experiment state, plus ``not run`` for trials never started."""
    analysis = tune.ExperimentAnalysis(str(state))
    outcomes = [_outcome(trial, state.parent, spec, parameters) for trial in analysis.trials]
    for n in range(len(outcomes), spec.trials):
        outcomes.append(TrialOutcome(trial_id=f"(trial {n + 1})", status="not run", step=0, value=None,
                                     params={p.path: None for p in parameters}))
    return outcomes


def _outcome(trial: Any, exp_dir: Path, spec: TuneSpec, parameters: list[Parameter]) -> TrialOutcome:
    """One trial's outcome: Tune's status and its last report."""
    last = trial.last_result or {}
    step = int(last.get("step", 0) or 0)
    if trial.status == "ERROR":
        status = "failed"
    elif trial.status == "TERMINATED":
        status = "finished" if step >= spec.steps else "stopped early"
    else:  # PENDING, RUNNING, PAUSED: the tune was interrupted before it ended
        status = "interrupted"
    value = last.get(spec.metric)
    params = {p.path: (trial.config or {}).get(p.path) for p in parameters}
    error = read_error(exp_dir, trial.trial_id) if status == "failed" else ""
    return TrialOutcome(trial_id=trial.trial_id, status=status, step=step,
                        value=None if value is None else float(value), params=params, error=error,
                        curve=_curve_mean(trial_run_dir(exp_dir, trial.trial_id), step))


def _curve_mean(run_dir: Path, step: int) -> float | None:
    """The mean of a trial's evaluation means up to ``step`` (the tie-break between equal final figures)."""
    try:
        evaluations = read_evaluations(run_dir, until=step)
    except GaikitError:
        return None
    means = [float(np.mean(e.returns)) for e in evaluations if e.returns and not e.non_finite()]
    return float(np.mean(means)) if means else None


@contextlib.contextmanager
def _quiet_ray_tune() -> Iterator[None]:
    """Keep Ray Tune's own console chatter out of gaikit's output for the block.

    Its info logs go (warnings stay), and its older output engine is chosen,
    which ``verbose=0`` silences; the newer one prints its configuration table
    whatever ``verbose`` says.
    """
    logger = logging.getLogger("ray.tune")
    level, engine = logger.level, os.environ.get("RAY_AIR_NEW_OUTPUT")
    logger.setLevel(logging.WARNING)
    os.environ["RAY_AIR_NEW_OUTPUT"] = "0"
    try:
        yield
    finally:
        logger.setLevel(level)
        if engine is None:
            os.environ.pop("RAY_AIR_NEW_OUTPUT", None)
        else:
            os.environ["RAY_AIR_NEW_OUTPUT"] = engine
