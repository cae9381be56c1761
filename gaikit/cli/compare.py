"""``gaikit compare RUN_DIR...``: the Asterix study's results table and plots for any runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from gaikit.cli.app import app
from gaikit.core.compare import compare_runs


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
    """Print total games, total score, average and high score per run (Markdown); write CSV and plots."""
    out_dir = out if out is not None else Path(f"compare-{time.strftime('%Y%m%d-%H%M%S')}")
    result = compare_runs(run_dirs, out_dir, window=window, labels=label, until=until)
    typer.echo(result.markdown)
    for path in result.files:
        print(f"wrote {path}", file=sys.stderr)
    return 0
