"""``gaikit compare RUN_DIR...``: the Asterix study's results table and plots for any runs."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from gaikit.cli.app import app
from gaikit.core.compare import compare_runs, load_run
from gaikit.core.errors import GaikitError
from gaikit.core.metrics import EPISODES_FILE


def unreadable_message(run_dirs: List[Path], out_dir: Path, exc: BaseException) -> str:
    """One line naming the ``episodes.csv`` (or output path) that could not be read or written, and why."""
    if isinstance(exc, UnicodeDecodeError):
        why = f"not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r})"
    elif isinstance(exc, csv.Error):
        why = f"malformed CSV: {exc}"
    else:
        why = f"{getattr(exc, 'strerror', None) or exc}"
    for run_dir in run_dirs:  # which run's file: the first that fails the same way on its own
        try:
            load_run(run_dir)
        except type(exc):
            return f"{run_dir / EPISODES_FILE}: cannot read: {why}"
        except GaikitError:
            continue
    where = getattr(exc, "filename", None) or out_dir
    return f"{where}: {why}"


@app.command("compare")
def compare_command(
    run_dirs: List[Path] = typer.Argument(..., help="Run directories written by gaikit run."),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Directory for summary.csv and the PNG plots (default: ./compare-<timestamp>/)."
    ),
    window: int = typer.Option(100, "--window", help="Episodes in the moving average."),
    label: List[str] = typer.Option([], "--label", help="Name of each run in the table and plots (once per run)."),
    until: Optional[int] = typer.Option(
        None, "--until", help="Count only episodes finished by this env step (compare runs at one budget)."
    ),
) -> int:
    """Print total games, total score, average and high score per run (Markdown); write CSV and plots.

    An unreadable or corrupt ``episodes.csv`` (not UTF-8, a runaway field) is one line naming it.
    """
    out_dir = out if out is not None else Path(f"compare-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        result = compare_runs(run_dirs, out_dir, window=window, labels=label, until=until)
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        raise GaikitError(unreadable_message(run_dirs, out_dir, exc)) from None
    typer.echo(result.markdown)
    for path in result.files:
        print(f"wrote {path}", file=sys.stderr)
    return 0
