"""Aggregate scores over runs with stratified bootstrap confidence intervals (Agarwal et al., 2021).

Pure numpy, no plotting and no files. A *group* (one configuration, seeds
pooled) is a list of per-task score arrays: ``scores[m]`` holds one score
per run (seed) on task (game) ``m``; tasks may have different numbers of
runs. The definitions follow "Deep Reinforcement Learning at the Edge of the
Statistical Precipice" (Agarwal et al., NeurIPS 2021) and its ``rliable``
library:

- ``mean``: the mean over tasks of each task's mean over runs;
- ``median``: the median over tasks of each task's mean over runs (with
  one task this is that task's mean, as in rliable);
- ``iqm``: the interquartile mean of all run x task scores pooled: sorted,
  ``floor(n / 4)`` dropped from each end, the rest averaged (scipy's
  ``trim_mean(x, 0.25)``, which rliable uses);
- ``optimality_gap``: ``target`` minus the mean over tasks of the mean of
  ``min(score, target)``: how far the group falls short of ``target``
  (1.0 on human-normalised scores); lower is better.

Confidence intervals are percentile intervals of the *stratified* bootstrap:
each replicate resamples, for every task separately, as many runs as the
task has, with replacement, and recomputes the statistic. Every statistic
is computed on all replicates at once (arrays of shape ``(reps, runs)``),
in chunks of :data:`CHUNK` replicates to bound memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from gaikit.core.errors import GaikitError

#: Statistics :func:`interval_estimates` knows, in the order tables show them.
METRICS = ("mean", "median", "iqm", "optimality_gap")
#: Fewest runs per task for a bootstrap confidence interval.
MIN_RUNS = 2
#: Bootstrap replicates computed together (memory bound: CHUNK x runs x thresholds values).
CHUNK = 2_000

GroupScores = Sequence[np.ndarray]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap confidence interval ``[low, high]``."""

    point: float
    low: float
    high: float


def check_group(name: str, scores: GroupScores) -> list[np.ndarray]:
    """``scores`` as 1-D float arrays; one clear error for no tasks, too few runs or non-finite scores."""
    if len(scores) == 0:
        raise GaikitError(f"group {name}: no scores")
    arrays = [np.asarray(task, dtype=np.float64).reshape(-1) for task in scores]
    for m, task in enumerate(arrays):
        if task.size < MIN_RUNS:
            raise GaikitError(
                f"group {name}: task {m} has {task.size} run(s); a bootstrap confidence interval needs at least "
                f"{MIN_RUNS} runs (seeds) per task"
            )
        if not np.all(np.isfinite(task)):
            raise GaikitError(f"group {name}: task {m} has a score that is not a finite number: {task.tolist()}")
    return arrays


def iqm_rows(values: np.ndarray) -> np.ndarray:
    """Interquartile mean of each row of ``values`` (shape ``(rows, n)``): ``floor(n/4)`` cut from each end."""
    n = values.shape[-1]
    cut = n // 4
    ordered = np.sort(values, axis=-1)
    return ordered[..., cut:n - cut].mean(axis=-1)


def _task_means(tasks: Sequence[np.ndarray]) -> np.ndarray:
    """``(rows, tasks)``: each task's mean over its runs, per row."""
    return np.stack([t.mean(axis=-1) for t in tasks], axis=-1)


def _statistic(metric: str, target: float | None) -> Callable[[Sequence[np.ndarray]], np.ndarray]:
    """The vectorised statistic: per-task arrays of shape ``(rows, runs_m)`` -> ``(rows,)``."""
    if metric == "mean":
        return lambda tasks: _task_means(tasks).mean(axis=-1)
    if metric == "median":
        return lambda tasks: np.median(_task_means(tasks), axis=-1)
    if metric == "iqm":
        return lambda tasks: iqm_rows(np.concatenate(tasks, axis=-1))
    if metric == "optimality_gap":
        if target is None:
            raise GaikitError("optimality_gap needs a target score (1.0 for human-normalised scores)")
        return lambda tasks: target - _task_means([np.minimum(t, target) for t in tasks]).mean(axis=-1)
    raise GaikitError(f"unknown statistic {metric!r}; expected one of {', '.join(METRICS)}")


def point_estimate(scores: GroupScores, metric: str, target: float | None = None) -> float:
    """One statistic of one group (no bootstrap); ``target`` is the optimality gap's threshold."""
    tasks = [np.asarray(t, dtype=np.float64).reshape(1, -1) for t in scores]
    return float(_statistic(metric, target)(tasks)[0])


def stratified_replicates(scores: Sequence[np.ndarray], reps: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``reps`` stratified bootstrap resamples: per task an array ``(reps, runs_m)`` drawn from that task only."""
    return [task[rng.integers(0, task.size, size=(reps, task.size))] for task in scores]


def _chunks(reps: int) -> list[int]:
    """``reps`` split into chunk sizes of at most :data:`CHUNK`."""
    return [min(CHUNK, reps - start) for start in range(0, reps, CHUNK)]


def _interval(point: float, replicates: np.ndarray, confidence: float) -> Estimate:
    """Percentile interval of ``replicates`` around ``point``."""
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha])
    return Estimate(float(point), float(low), float(high))


def _check_bootstrap(reps: int, confidence: float) -> None:
    if reps < 100:
        raise GaikitError(f"bootstrap replicates {reps}: use at least 100 (2,000 or more for reported intervals)")
    if not 0.0 < confidence < 1.0:
        raise GaikitError(f"confidence {confidence}: expected a level between 0 and 1, e.g. 0.95")


def interval_estimates(
    name: str,
    scores: GroupScores,
    metrics: Sequence[str] = METRICS,
    *,
    target: float | None = None,
    reps: int = 10_000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
) -> dict[str, Estimate]:
    """Each of ``metrics`` for group ``name`` with its stratified bootstrap ``confidence`` interval.

    Every metric is computed on the same replicates. ``target`` is the
    optimality gap's threshold (required when ``optimality_gap`` is asked).
    """
    _check_bootstrap(reps, confidence)
    tasks = check_group(name, scores)
    rng = rng if rng is not None else np.random.default_rng(0)
    functions = {metric: _statistic(metric, target) for metric in metrics}
    collected: dict[str, list[np.ndarray]] = {metric: [] for metric in metrics}
    for size in _chunks(reps):
        resampled = stratified_replicates(tasks, size, rng)
        for metric, function in functions.items():
            collected[metric].append(function(resampled))
    return {
        metric: _interval(point_estimate(tasks, metric, target), np.concatenate(collected[metric]), confidence)
        for metric in metrics
    }


def _improvement_rows(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> np.ndarray:
    """P(X > Y) per row: the mean over tasks of P(x > y) + P(x = y) / 2 over every pair of runs."""
    per_task = []
    for x, y in zip(xs, ys):
        above = (x[:, :, None] > y[:, None, :]).mean(axis=(1, 2))
        ties = (x[:, :, None] == y[:, None, :]).mean(axis=(1, 2))
        per_task.append(above + 0.5 * ties)
    return np.mean(per_task, axis=0)


def probability_of_improvement(
    x_name: str,
    x_scores: GroupScores,
    y_name: str,
    y_scores: GroupScores,
    *,
    reps: int = 10_000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
) -> Estimate:
    """P(X > Y): the chance a run of group X scores above a run of group Y on a task, averaged over tasks.

    Ties count one half (Mann-Whitney U over ``n * k`` run pairs, divided by
    ``n * k``). Task ``m`` of X is compared with task ``m`` of Y; the
    interval resamples the runs of X and of Y independently within each task.
    """
    _check_bootstrap(reps, confidence)
    xs, ys = check_group(x_name, x_scores), check_group(y_name, y_scores)
    if len(xs) != len(ys):
        raise GaikitError(
            f"probability of improvement: group {x_name} has {len(xs)} task(s), group {y_name} has {len(ys)}; "
            "both must cover the same tasks"
        )
    rng = rng if rng is not None else np.random.default_rng(0)
    point = float(_improvement_rows([x[None, :] for x in xs], [y[None, :] for y in ys])[0])
    replicates = []
    for size in _chunks(reps):
        replicates.append(_improvement_rows(stratified_replicates(xs, size, rng), stratified_replicates(ys, size, rng)))
    return _interval(point, np.concatenate(replicates), confidence)


@dataclass(frozen=True)
class Profile:
    """A performance profile: at each threshold, the fraction of runs scoring above it, with its interval."""

    thresholds: np.ndarray
    fraction: np.ndarray
    low: np.ndarray
    high: np.ndarray


def _fraction_above_rows(tasks: Sequence[np.ndarray], thresholds: np.ndarray) -> np.ndarray:
    """``(rows, thresholds)``: the mean over tasks of the fraction of runs with a score above each threshold."""
    per_task = [(t[:, :, None] > thresholds[None, None, :]).mean(axis=1) for t in tasks]
    return np.mean(per_task, axis=0)


def performance_profile(
    name: str,
    scores: GroupScores,
    thresholds: np.ndarray,
    *,
    reps: int = 10_000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
) -> Profile:
    """The run-score distribution (rliable's performance profile) of one group with pointwise intervals.

    At threshold ``tau`` the value is the mean over tasks of the fraction
    of that task's runs with a score above ``tau``.
    """
    _check_bootstrap(reps, confidence)
    tasks = check_group(name, scores)
    taus = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    rng = rng if rng is not None else np.random.default_rng(0)
    point = _fraction_above_rows([t[None, :] for t in tasks], taus)[0]
    replicates = np.concatenate(
        [_fraction_above_rows(stratified_replicates(tasks, size, rng), taus) for size in _chunks(reps)]
    )
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha], axis=0)
    return Profile(taus, point, low, high)


def normalise(scores: np.ndarray, low: float, high: float) -> np.ndarray:
    """``(score - low) / (high - low)``: ``low`` maps to 0 and ``high`` to 1 (e.g. random and human scores)."""
    if not high > low:
        raise GaikitError(f"normalisation range [{low}, {high}]: the high reference must exceed the low one")
    return (np.asarray(scores, dtype=np.float64) - low) / (high - low)
