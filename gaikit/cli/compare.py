"""``gaikit compare RUN_DIR...``: the Asterix study's results table and plots for any runs."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.compare_group_report import compare_groups_command
from gaikit.core.compare import (
    DEFAULT_EPISODES, EPISODE_SOURCES, check_episodes, compare_runs, episodes_header, load_run, read_failure)
from gaikit.core.errors import GaikitError
from gaikit.core.metrics import EPISODES_FILE, METRICS_FILE


def default_out_dir() -> Path:
    """``runs/compare-<YYYYmmdd-HHMMSS>/``, beside the run directories gaikit run makes."""
    return Path("runs") / f"compare-{time.strftime('%Y%m%d-%H%M%S')}"


def unreadable_message(run_dirs: List[Path], out_dir: Path, exc: BaseException,
                       episodes: str = DEFAULT_EPISODES) -> str:
    """One line naming the ``episodes.csv`` or ``metrics.jsonl`` (or output path) that could not be read or
    written, and why."""
    why = read_failure(exc)
    source = METRICS_FILE if episodes == "eval" else EPISODES_FILE
    for run_dir in run_dirs:  # which run's file: the first that fails the same way on its own
        try:
            load_run(run_dir, episodes=episodes)
        except type(exc):
            return f"{run_dir / source}: cannot read: {why}"
        except GaikitError:
            continue
    where = getattr(exc, "filename", None) or out_dir
    return f"{where}: {why}"


@app.command("compare")
def compare_command(
    run_dirs: List[Path] = typer.Argument(None, help="Run directories written by gaikit run (or sweep directories)."),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Directory for summary.csv and the PNG plots (default: runs/compare-<timestamp>/)."
    ),
    episodes: str = typer.Option(
        DEFAULT_EPISODES, "--episodes", help="Episodes scored per run: " + "; ".join(
            f"{name}: the {text}" for name, text in EPISODE_SOURCES.items()) + ". With --by-config both are reported."
    ),
    window: int = typer.Option(100, "--window", help="Episodes in the moving average."),
    label: List[str] = typer.Option([], "--label", help="Name of each run in the table and plots (once per run)."),
    until: Optional[int] = typer.Option(
        None, "--until", help="Count only episodes finished by this env step (compare runs at one budget)."
    ),
    by_config: bool = typer.Option(
        False, "--by-config", help="Group runs by config (seeds pooled): mean, median, IQM, optimality gap with "
        "bootstrap CIs, probability of improvement, performance profiles (docs/statistics.md)."
    ),
    group: List[str] = typer.Option([], "--group", help="A named group NAME=DIR,DIR,... (implies --by-config)."),
    normalise: str = typer.Option("raw", "--normalise", help="Group scores: raw returns or human (Atari)."),
    gap_target: Optional[float] = typer.Option(
        None, "--gap-target", help="Optimality gap target score (default 1.0 with --normalise human, else none)."
    ),
    reps: int = typer.Option(10_000, "--reps", help="Bootstrap replicates for the group CIs."),
    bootstrap_seed: int = typer.Option(0, "--bootstrap-seed", help="Seed of the bootstrap resampling."),
) -> int:
    """Print total games, total score, average and high score per run (Markdown); write CSV and plots.

    An unreadable or corrupt ``episodes.csv`` (not UTF-8, a runaway field) is one line naming it. With
    ``--by-config`` or ``--group``, runs are grouped and compared with bootstrap statistics instead.
    ``--episodes`` picks the training (default) or the evaluation episodes; the output's first line says which.
    """
    check_episodes(episodes)
    out_dir = out if out is not None else default_out_dir()
    if by_config or group:
        return compare_groups_command(run_dirs or [], group, out_dir, labels=label, window=window, until=until,
                                      scale=normalise, target=gap_target, reps=reps, seed=bootstrap_seed)
    try:
        result = compare_runs(run_dirs or [], out_dir, window=window, labels=label, until=until, episodes=episodes)
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        raise GaikitError(unreadable_message(run_dirs or [], out_dir, exc, episodes)) from None
    typer.echo(episodes_header(result.episodes))
    typer.echo("")
    typer.echo(result.markdown)
    for path in result.files:
        print(f"wrote {path}", file=sys.stderr)
    return 0
