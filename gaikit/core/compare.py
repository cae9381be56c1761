"""Compare finished runs the way the Asterix study did: a table and four plots.

For each run directory, every finished episode in ``episodes.csv``
(``step,env,return,length,time``, written by :mod:`gaikit.core.metrics`) is
read. The table has one row per run: total games, total score, average score
and high score. The plots, one line or one box per run, are: total reward per
episode, its moving average, a box plot and a violin plot of the episode
rewards. :func:`compare_runs` writes ``summary.csv`` and the PNGs and returns
the Markdown table.

Which episodes are scored (``episodes``): ``train``, the training episodes
of ``episodes.csv`` (the exploring policy), or ``eval``, the evaluation
episodes of ``metrics.jsonl``'s eval rows (the evaluation policy; see
:mod:`gaikit.core.eval_episodes`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from gaikit.core.errors import GaikitError
from gaikit.core.eval_episodes import read_eval_episodes
from gaikit.core.metrics import EPISODES_FILE, METRICS_FILE
from gaikit.core.plots import agg_figure, moving_average

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Columns ``episodes.csv`` must have for a comparison.
REQUIRED_COLUMNS = ("step", "return")
SUMMARY_FILE = "summary.csv"
PLOT_FILES = ("total_reward.png", "moving_average.png", "box_plot.png", "violin_plot.png")
#: The episodes a comparison can score, and what each one is.
EPISODE_SOURCES = {
    "train": f"training episodes ({EPISODES_FILE}: every episode played while training, exploration on)",
    "eval": f"evaluation episodes ({METRICS_FILE} eval rows: every episode of each periodic and final "
            "evaluation, greedy or at train.eval_epsilon)",
}
#: The episodes scored when none are asked for.
DEFAULT_EPISODES = "train"


@dataclass(frozen=True)
class RunEpisodes:
    """The finished episodes of one run, in the order they finished."""

    name: str
    path: Path
    steps: np.ndarray
    returns: np.ndarray


@dataclass(frozen=True)
class RunSummary:
    """The study's four numbers for one run."""

    name: str
    total_games: int
    total_score: float
    average_score: float
    high_score: float
    last_step: int


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare_runs` produced."""

    summaries: list[RunSummary]
    markdown: str
    files: list[Path]
    episodes: str = DEFAULT_EPISODES


def episodes_header(episodes: str) -> str:
    """The line that says which episodes a comparison scores and how to score the others."""
    check_episodes(episodes)
    other = next(name for name in EPISODE_SOURCES if name != episodes)
    default = " (the default)" if episodes == DEFAULT_EPISODES else ""
    other_kind = EPISODE_SOURCES[other].split(" (")[0]
    return f"Scoring the {EPISODE_SOURCES[episodes]}{default}; --episodes {other} scores the {other_kind} instead."


def check_episodes(episodes: str) -> None:
    """A one-line error unless ``episodes`` is ``train`` or ``eval``."""
    if episodes not in EPISODE_SOURCES:
        raise GaikitError(f"--episodes {episodes!r}: expected one of {', '.join(EPISODE_SOURCES)}")


def check_window_until(window: int, until: int | None) -> None:
    """A one-line error unless the moving-average ``window`` is at least 1 and ``until`` (if given) positive."""
    if window < 1:
        raise GaikitError(f"--window {window}: must be at least 1")
    if until is not None and until < 1:
        raise GaikitError(f"--until {until}: must be a positive env step")


def read_failure(exc: BaseException) -> str:
    """Why a run's file could not be read, in a few words (what :func:`load_run` lets through unwrapped)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r})"
    if isinstance(exc, csv.Error):
        return f"malformed CSV: {exc}"
    return str(getattr(exc, "strerror", None) or exc)


def load_run(path: Path | str, name: str | None = None, until: int | None = None,
             episodes: str = DEFAULT_EPISODES) -> RunEpisodes:
    """Read a run directory's ``episodes.csv`` (or, with ``episodes="eval"``, its evaluation episodes).

    Clear errors for missing, malformed or empty runs. With ``until``, only
    the episodes that finished at or before env step ``until`` count (for
    ``eval``: the evaluations made by then): runs of different lengths
    compared at the same budget.
    """
    check_episodes(episodes)
    run_dir = Path(path)
    if not run_dir.is_dir():
        raise GaikitError(f"{run_dir}: no such run directory")
    if episodes == "eval":
        eval_steps, eval_returns = read_eval_episodes(run_dir, until)
        return RunEpisodes(name or run_dir.name, run_dir, eval_steps, eval_returns)
    csv_path = run_dir / EPISODES_FILE
    if not csv_path.is_file():
        raise GaikitError(f"{run_dir}: no {EPISODES_FILE}; is this a directory written by gaikit run?")
    steps: list[int] = []
    returns: list[float] = []
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise GaikitError(
                f"{csv_path}:1: missing column(s) {', '.join(missing)}; expected a header with "
                f"{', '.join(REQUIRED_COLUMNS)}"
            )
        for line, row in enumerate(reader, start=2):
            try:
                step, ret = int(row["step"]), float(row["return"])
            except (TypeError, ValueError):
                raise GaikitError(
                    f"{csv_path}:{line}: expected an integer step and a numeric return, "
                    f"got step={row.get('step')!r}, return={row.get('return')!r}"
                ) from None
            if not math.isfinite(ret):
                raise GaikitError(f"{csv_path}:{line}: return is {ret}, expected a finite number")
            if until is None or step <= until:
                steps.append(step)
                returns.append(ret)
    if not returns:
        if until is not None:
            raise GaikitError(f"{csv_path}: no episode finished by step {until:,} (--until)")
        raise GaikitError(f"{csv_path}: no finished episodes yet; let the run play at least one whole episode")
    return RunEpisodes(name or run_dir.name, run_dir, np.array(steps, dtype=np.int64), np.array(returns))


def summarise(run: RunEpisodes) -> RunSummary:
    """Total games, total score, average score and high score of one run."""
    return RunSummary(
        name=run.name,
        total_games=len(run.returns),
        total_score=float(run.returns.sum()),
        average_score=float(run.returns.mean()),
        high_score=float(run.returns.max()),
        last_step=int(run.steps.max()),
    )


def _number(value: float) -> str:
    """``1,402,800`` for whole numbers, ``1,402,800.5`` otherwise."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def markdown_table(summaries: Sequence[RunSummary]) -> str:
    """The study's table, one row per run, as GitHub Markdown."""
    lines = [
        "| run | total games | total score | average score | high score | env steps |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        lines.append(
            f"| {s.name} | {s.total_games:,} | {_number(s.total_score)} | {s.average_score:,.2f} "
            f"| {_number(s.high_score)} | {s.last_step:,} |"
        )
    return "\n".join(lines)


def write_summary_csv(summaries: Sequence[RunSummary], path: Path) -> Path:
    """``run,total_games,total_score,average_score,high_score,env_steps`` per run."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["run", "total_games", "total_score", "average_score", "high_score", "env_steps"])
        for s in summaries:
            writer.writerow([s.name, s.total_games, repr(s.total_score), f"{s.average_score:.4f}",
                             repr(s.high_score), s.last_step])
    return path


def _figure(title: str) -> tuple[Figure, Axes]:
    """One titled, gridded plot of the comparison's size."""
    fig = agg_figure(9, 5)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig, ax


def write_plots(runs: Sequence[RunEpisodes], out_dir: Path, window: int) -> list[Path]:
    """The four PNGs: reward per episode, moving average, box plot, violin plot."""
    names = [run.name for run in runs]
    paths = [out_dir / name for name in PLOT_FILES]

    fig, ax = _figure("Total reward per episode")
    for run in runs:
        ax.plot(np.arange(1, len(run.returns) + 1), run.returns, linewidth=0.8, alpha=0.7, label=run.name)
    ax.set_xlabel("episode")
    ax.set_ylabel("total reward")
    ax.legend(loc="best")
    fig.savefig(paths[0], format="png", bbox_inches="tight")

    fig, ax = _figure(f"Average reward (moving average over {window} episodes)")
    for run in runs:
        ax.plot(np.arange(1, len(run.returns) + 1), moving_average(run.returns, window), label=run.name)
    ax.set_xlabel("episode")
    ax.set_ylabel(f"mean total reward of the last {window} episodes")
    ax.legend(loc="best")
    fig.savefig(paths[1], format="png", bbox_inches="tight")

    fig, ax = _figure("Episode rewards (box plot)")
    ax.boxplot([run.returns for run in runs], showmeans=True)
    ax.set_xticks(range(1, len(runs) + 1), names, rotation=15)
    ax.set_ylabel("total reward per episode")
    fig.savefig(paths[2], format="png", bbox_inches="tight")

    fig, ax = _figure("Episode rewards (violin plot)")
    ax.violinplot([run.returns for run in runs], showmeans=True, showextrema=True)
    ax.set_xticks(range(1, len(runs) + 1), names, rotation=15)
    ax.set_ylabel("total reward per episode")
    fig.savefig(paths[3], format="png", bbox_inches="tight")
    return paths


def unique_names(paths: Sequence[Path], labels: Sequence[str] = ()) -> list[str]:
    """``labels`` if given (one per run), else directory names made unique with their parents."""
    if labels:
        if len(labels) != len(paths):
            raise GaikitError(f"--label given {len(labels)} time(s) for {len(paths)} run(s); give one per run or none")
        if len(set(labels)) != len(labels):
            raise GaikitError(f"--label values must differ, got {', '.join(labels)}")
        return list(labels)
    names = [p.resolve().name for p in paths]
    if len(set(names)) == len(names):
        return names
    return [f"{p.resolve().parent.name}/{p.resolve().name}" for p in paths]


def compare_runs(
    run_dirs: Sequence[Path | str],
    out_dir: Path | str,
    *,
    window: int = 100,
    labels: Sequence[str] = (),
    until: int | None = None,
    episodes: str = DEFAULT_EPISODES,
) -> Comparison:
    """Read every run's ``episodes`` (``train`` or ``eval``; up to env step ``until`` if given), write
    ``summary.csv`` and the plots to ``out_dir``; return the table."""
    check_episodes(episodes)
    if not run_dirs:
        raise GaikitError("compare needs at least one run directory")
    check_window_until(window, until)
    paths = [Path(p) for p in run_dirs]
    names = unique_names(paths, labels)
    runs = [load_run(path, name, until, episodes) for path, name in zip(paths, names)]
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise GaikitError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    summaries = [summarise(run) for run in runs]
    files = [write_summary_csv(summaries, out / SUMMARY_FILE)]
    files += write_plots(runs, out, window)
    return Comparison(summaries, markdown_table(summaries), files, episodes)
