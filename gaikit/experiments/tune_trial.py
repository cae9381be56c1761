"""One ``gaikit tune`` trial: a normal gaikit run whose evaluations reach Ray Tune through the run events.

:func:`tune_trial` is the Tune trainable. It trains with :func:`gaikit.train`
into ``EXP_DIR/runs/<trial id>`` (a normal run directory: ``gaikit compare``,
``gaikit eval`` and ``gaikit run --resume`` read it as any other) and
registers a :class:`TuneReporter` plugin for the length of the run, which
turns each :class:`~gaikit.core.run_events.Evaluated` (or, for
``train_mean_100``, :class:`~gaikit.core.run_events.TrainLogged`) event into a
``ray.tune.report`` — what the search algorithm and ASHA see. A trial whose
run directory already holds a checkpoint (the experiment was interrupted)
resumes from it, as ``gaikit run --resume`` would.
"""

from __future__ import annotations

import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from gaikit.core.checkpoint import checkpoint_dirs
from gaikit.core.errors import GaikitError, describe_exception, first_line
from gaikit.core.hookspecs import hookimpl
from gaikit.core.registry import plugin_manager
from gaikit.core.run_events import Evaluated, RunEvent, TrainLogged
from gaikit.experiments.trial_output import output_to
from gaikit.experiments.tune_space import override

#: The metrics a tune may optimise: the greedy evaluation's mean, or the mean of the last 100 training episodes.
METRICS = ("eval_mean", "train_mean_100")
#: Where each trial's run directory lies under the experiment directory.
RUNS_DIR = "runs"
#: Where each trial's console output goes under the experiment directory.
LOGS_DIR = "logs"


@dataclass(frozen=True)
class TuneJob:
    """What every trial shares (plain values: Ray pickles it to the workers).

    ``overrides`` are ``--set`` strings applied before the trial's own
    parameters; ``config`` is the experiment's copy of ``--config`` (absolute) or ``None``.
    """

    exp_dir: str
    game: str
    choices: dict[str, str | None]
    steps: int
    seed: int
    config: str | None
    overrides: list[str]
    metric: str


class TuneReporter:
    """A ``gaikit_run_event`` plugin that reports one run's metric to Ray Tune (``report`` is ``ray.tune.report``)."""

    def __init__(self, run_dir: Path, metric: str, report: Callable[[dict[str, Any]], None]) -> None:
        self.run_dir = run_dir.resolve()
        self.metric = metric
        self.report = report

    @hookimpl
    def gaikit_run_event(self, event: RunEvent) -> None:
        """Report ``step`` and the metric (with the evaluation's spread) when ``event`` carries it."""
        if Path(event.run_dir).resolve() != self.run_dir:
            return
        if self.metric == "eval_mean" and isinstance(event, Evaluated):
            summary = event.summary
            self.report({"step": event.step, "eval_mean": float(summary["mean"]), "eval_std": float(summary["std"]),
                         "eval_episodes": int(summary["episodes"])})
        elif self.metric == "train_mean_100" and isinstance(event, TrainLogged):
            value = event.values.get("mean_return_100")
            if value is not None:
                self.report({"step": event.step, "train_mean_100": float(value)})


def trial_run_dir(exp_dir: Path, trial_id: str) -> Path:
    """A trial's run directory."""
    return exp_dir / RUNS_DIR / trial_id


def trial_overrides(job: TuneJob, params: dict[str, Any]) -> list[str]:
    """The ``--set`` strings of a trial: the experiment's, then its sampled parameters."""
    return [*job.overrides, *(override(path, value) for path, value in params.items())]


def tune_trial(params: dict[str, Any], job: TuneJob) -> None:
    """Ray Tune trainable: train one configuration, reporting through the run events (output to ``logs/<id>.log``)."""
    from ray import tune

    from gaikit.api import train  # the API sits above this package's Ray plumbing; import where the trial runs

    trial_id = tune.get_context().get_trial_id()
    exp_dir = Path(job.exp_dir)
    run_dir = trial_run_dir(exp_dir, trial_id)
    reporter = TuneReporter(run_dir, job.metric, tune.report)
    name = f"gaikit-tune-reporter-{trial_id}"
    manager = plugin_manager()
    manager.register(reporter, name=name)
    error_file = exp_dir / LOGS_DIR / f"{trial_id}.error"
    try:
        with output_to(exp_dir / LOGS_DIR / f"{trial_id}.log"):
            try:
                if run_dir.is_dir() and checkpoint_dirs(run_dir):
                    print(f"resuming {run_dir} from its newest checkpoint")
                    train(job.game, resume=run_dir)
                else:
                    if run_dir.exists():  # killed before its first checkpoint: nothing to resume
                        shutil.rmtree(run_dir)
                    train(job.game, **job.choices, steps=job.steps, seed=job.seed, config=job.config,
                          overrides=trial_overrides(job, params), run_dir=run_dir)
            except Exception as exc:  # one line for the trial table, the traceback in the trial's log
                traceback.print_exc()
                line = first_line(exc) if isinstance(exc, GaikitError) else describe_exception(exc)
                error_file.write_text(line + "\n", encoding="utf-8")
                raise RuntimeError(line) from None
    finally:
        manager.unregister(name=name)


def read_error(exp_dir: Path, trial_id: str) -> str:
    """The one-line error a failed trial recorded (empty if it recorded none)."""
    try:
        return (exp_dir / LOGS_DIR / f"{trial_id}.error").read_text(encoding="utf-8").strip()
    except OSError:
        return ""
