"""Statistics of grouped runs as tables (Markdown, CSV) and PNG plots: ``gaikit compare --by-config``.

For each score source (``eval``, ``train``; :mod:`gaikit.cli.compare_groups`)
every group gets mean, median, IQM and optimality gap with stratified
bootstrap confidence intervals, every pair of groups the probability of
improvement, and every group a performance profile
(:mod:`gaikit.core.statistics`). Written to the output directory:

- ``statistics.md``: what is printed;
- ``aggregates.csv``: ``source,group,metric,point,low,high,runs,games``;
- ``improvement.csv``: ``source,x,y,p_x_beats_y,low,high``;
- ``scores.csv``: ``source,group,game,run,seed,score,normalised``;
- ``profiles.csv``: ``source,group,threshold,fraction,low,high``;
- ``interval_estimates_<source>.png`` and ``performance_profile_<source>.png``
  (:mod:`gaikit.cli.compare_group_plots`).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Sequence

import numpy as np

from gaikit.cli.compare_group_plots import METRIC_TITLES, write_plots
from gaikit.cli.compare_groups import SOURCES, Group, SourceReport, build_groups, load_scores
from gaikit.core.compare import check_window_until
from gaikit.core.errors import GaikitError
from gaikit.core.reference_scores import human_reference
from gaikit.core.statistics import (
    METRICS,
    MIN_RUNS,
    Estimate,
    interval_estimates,
    normalise,
    performance_profile,
    probability_of_improvement,
)

PROFILE_POINTS = 101
#: The score scales of ``--normalise``.
SCALES = ("raw", "human")


def check_scale(scale: str) -> None:
    """A one-line error unless ``scale`` is one of :data:`SCALES`."""
    if scale not in SCALES:
        raise GaikitError(f"--normalise {scale}: expected {' or '.join(SCALES)}")


def _check_runs(groups: Sequence[Group], games: list[str]) -> None:
    """Same games in every group, at least :data:`MIN_RUNS` runs of each game per group."""
    for group in groups:
        if group.games() != games:
            raise GaikitError(
                f"group {group.name} plays {', '.join(group.games())} but group {groups[0].name} plays "
                f"{', '.join(games)}; groups are compared game by game, so they must cover the same games"
            )
        for game in games:
            runs = [r for r in group.runs if r.game == game]
            if len(runs) < MIN_RUNS:
                raise GaikitError(
                    f"group {group.name}: {game} has {len(runs)} run ({runs[0].path}); a bootstrap confidence interval "
                    f"needs at least {MIN_RUNS} runs (seeds) per game and group (one run: gaikit compare without "
                    "--by-config/--group)"
                )


def _normalised(groups: Sequence[Group], source: str, games: list[str], scale: str) -> dict[str, list[np.ndarray]]:
    """Each group's per-game scores, human-normalised with ``scale == "human"``."""
    if scale == "raw" and len(games) > 1:
        raise GaikitError(
            f"the runs play {len(games)} games ({', '.join(games)}): raw returns of different games cannot be "
            "pooled; use --normalise human (Atari games) or compare one game at a time"
        )
    scores = {group.name: group.task_scores(source, games) for group in groups}
    if scale == "human":
        for m, game in enumerate(games):
            if game == "unknown":
                raise GaikitError("--normalise human: a --group run has no config.yaml, so its game is unknown")
            ref = human_reference(game)
            for name in scores:
                scores[name][m] = normalise(scores[name][m], ref.random, ref.human)
    return scores


def analyse(
    groups: Sequence[Group],
    source: str,
    label: str,
    *,
    scale: str = "raw",
    target: float | None = None,
    reps: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SourceReport:
    """Every statistic of ``source`` for ``groups`` (checked first: same games, enough runs, known references)."""
    games = groups[0].games()
    _check_runs(groups, games)
    if scale == "human" and target is None:
        target = 1.0
    metrics = [m for m in METRICS if m != "optimality_gap" or target is not None]
    scores = _normalised(groups, source, games, scale)
    rng = np.random.default_rng(seed)
    estimates = {
        name: interval_estimates(name, per_game, metrics, target=target, reps=reps, confidence=confidence, rng=rng)
        for name, per_game in scores.items()
    }
    improvements = [
        (x, y, probability_of_improvement(x, scores[x], y, scores[y], reps=reps, confidence=confidence, rng=rng))
        for x, y in combinations(scores, 2)
    ]
    pooled = np.concatenate([np.concatenate(per_game) for per_game in scores.values()])
    low, high = float(pooled.min()), float(pooled.max())
    margin = 0.05 * (high - low) if high > low else 0.5  # every profile starts at 1 and ends at 0
    thresholds = np.linspace(low - margin, high + margin, PROFILE_POINTS)
    profiles = {
        name: performance_profile(name, per_game, thresholds, reps=reps, confidence=confidence, rng=rng)
        for name, per_game in scores.items()
    }
    return SourceReport(source, label, games, scale, metrics, target, scores, estimates, improvements, profiles)


def _num(value: float) -> str:
    """Three decimals below 10 in size, one above (returns of hundreds, normalised scores near 1)."""
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def _cell(estimate: Estimate) -> str:
    return f"{_num(estimate.point)} [{_num(estimate.low)}, {_num(estimate.high)}]"


def markdown(report: SourceReport, groups: Sequence[Group], confidence: float) -> str:
    """One source's tables: aggregates per group, then the probability of improvement of each pair."""
    level = f"{confidence:.0%}"
    scale = "human-normalised score" if report.scale == "human" else "raw return"
    lines = [f"### {report.label}", "", f"Scores: {scale}; games: {', '.join(report.games)}; "
             f"point estimate [{level} stratified bootstrap CI].", ""]
    heads = [f"{METRIC_TITLES[m]}" + (f" (target {_num(report.target)})" if m == "optimality_gap" and report.target
                                      is not None else "") for m in report.metrics]
    lines.append("| group | runs | " + " | ".join(heads) + " |")
    lines.append("| --- | ---: | " + " | ".join("---:" for _ in heads) + " |")
    for group in groups:
        cells = [_cell(report.estimates[group.name][m]) for m in report.metrics]
        lines.append(f"| {group.name} | {len(group.runs)} | " + " | ".join(cells) + " |")
    if len(report.games) == 1:
        lines += ["", "One game: the median (over games, of each game's mean over runs, as in Agarwal et al. 2021) "
                      "equals the mean; the IQM is the robust statistic over runs."]
    if "optimality_gap" not in report.metrics:
        lines += ["", "Optimality gap left out: raw returns have no natural target; give --gap-target (e.g. 500 "
                      "for CartPole-v1) or --normalise human."]
    if report.improvements:
        lines += ["", f"| X | Y | P(X > Y) [{level} CI] |", "| --- | --- | ---: |"]
        lines += [f"| {x} | {y} | {_cell(e)} |" for x, y, e in report.improvements]
    return "\n".join(lines)


def write_csvs(reports: Sequence[SourceReport], groups: Sequence[Group], out: Path) -> list[Path]:
    """``aggregates.csv``, ``improvement.csv``, ``scores.csv`` and ``profiles.csv`` for every source."""
    paths = [out / name for name in ("aggregates.csv", "improvement.csv", "scores.csv", "profiles.csv")]
    with paths[0].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "group", "metric", "point", "low", "high", "runs", "games"])
        for report in reports:
            for group in groups:
                for metric, e in report.estimates[group.name].items():
                    writer.writerow([report.source, group.name, metric, repr(e.point), repr(e.low), repr(e.high),
                                     len(group.runs), len(report.games)])
    with paths[1].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "x", "y", "p_x_beats_y", "low", "high"])
        for report in reports:
            for x, y, e in report.improvements:
                writer.writerow([report.source, x, y, repr(e.point), repr(e.low), repr(e.high)])
    with paths[2].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "group", "game", "run", "seed", "score", "normalised"])
        for report in reports:
            for group in groups:
                for run in group.runs:
                    raw = run.scores[report.source]
                    scaled = raw
                    if report.scale == "human":
                        ref = human_reference(run.game)
                        scaled = float(normalise(np.array([raw]), ref.random, ref.human)[0])
                    writer.writerow([report.source, group.name, run.game, str(run.path),
                                     "" if run.seed is None else run.seed, repr(raw), repr(float(scaled))])
    with paths[3].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "group", "threshold", "fraction", "low", "high"])
        for report in reports:
            for name, p in report.profiles.items():
                for row in zip(p.thresholds, p.fraction, p.low, p.high):
                    writer.writerow([report.source, name, *(repr(float(v)) for v in row)])
    return paths


@dataclass(frozen=True)
class GroupComparison:
    """What :func:`compare_groups` produced: the Markdown printed and the files written."""

    markdown: str
    files: list[Path]
    reports: list[SourceReport]


def _group_list(groups: Sequence[Group]) -> list[str]:
    lines = ["### Groups", ""]
    for group in groups:
        seeds = sorted({r.seed for r in group.runs if r.seed is not None})
        lines.append(f"- **{group.name}**: {len(group.runs)} runs on {', '.join(group.games())}"
                     + (f", seeds {', '.join(map(str, seeds))}" if seeds else ""))
    return lines


def compare_groups(
    groups: Sequence[Group],
    labels: dict[str, str],
    out: Path,
    *,
    sources: Sequence[str] = SOURCES,
    scale: str = "raw",
    target: float | None = None,
    reps: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> GroupComparison:
    """Analyse every source all runs have (a source some runs lack is left out with a note); write everything.

    ``groups`` carry their scores (:func:`gaikit.cli.compare_groups.load_scores`, which gives ``labels``).
    """
    check_scale(scale)
    reports: list[SourceReport] = []
    notes: list[str] = []
    for source in sources:
        lacking = [run for group in groups for run in group.runs if source not in run.scores]
        if lacking:
            notes.append(f"{source} scores left out: {lacking[0].path} has {lacking[0].missing.get(source, 'none')}"
                         + (f" (and {len(lacking) - 1} more runs)" if len(lacking) > 1 else ""))
            continue
        reports.append(analyse(groups, source, labels[source], scale=scale, target=target, reps=reps,
                               confidence=confidence, seed=seed))
    if not reports:
        raise GaikitError("; ".join(notes))
    out.mkdir(parents=True, exist_ok=True)
    parts = [f"## Groups compared: {', '.join(g.name for g in groups)}", "", *_group_list(groups)]
    for report in reports:
        parts += ["", markdown(report, groups, confidence)]
    parts += [""] + [f"Note: {note}." for note in notes] if notes else []
    text = "\n".join(parts).rstrip() + "\n"
    summary = out / "statistics.md"
    summary.write_text(text, encoding="utf-8")
    files = [summary, *write_csvs(reports, groups, out)]
    for report in reports:
        files += write_plots(report, groups, out, confidence)
    return GroupComparison(text, files, reports)


def compare_groups_command(
    run_dirs: Sequence[Path],
    explicit: Sequence[str],
    out: Path,
    *,
    labels: Sequence[str] = (),
    window: int = 100,
    until: int | None = None,
    scale: str = "raw",
    target: float | None = None,
    reps: int = 10_000,
    seed: int = 0,
) -> int:
    """``gaikit compare --by-config/--group``: group, score, analyse; print the Markdown, list the files on stderr."""
    if labels:
        raise GaikitError("--label names single runs; with --by-config name groups with --group NAME=DIR,DIR,...")
    check_window_until(window, until)
    check_scale(scale)
    if out.exists() and not out.is_dir():
        raise GaikitError(f"--out {out}: exists and is not a directory")
    groups = build_groups(run_dirs, explicit)
    score_labels = load_scores(groups, window, until)
    try:
        result = compare_groups(groups, score_labels, out, scale=scale, target=target, reps=reps, seed=seed)
    except OSError as exc:
        raise GaikitError(f"{exc.filename or out}: cannot write: {exc.strerror or exc}") from None
    print(result.markdown, end="")
    for path in result.files:
        print(f"wrote {path}", file=sys.stderr)
    return 0
