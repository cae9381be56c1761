"""A run directory's logs without their wall-clock fields, for tests that compare two runs row for row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

#: Fields of ``metrics.jsonl`` rows that depend on the clock, not on the run.
WALL_CLOCK = {"time", "steps_per_sec"}


def run_metrics(run_dir: Path) -> list[dict]:
    """``metrics.jsonl`` rows without :data:`WALL_CLOCK` fields."""
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k not in WALL_CLOCK} for row in rows]


def run_episodes(run_dir: Path) -> list[dict]:
    """``episodes.csv`` rows without their ``time`` column."""
    with (run_dir / "episodes.csv").open(newline="") as handle:
        return [{k: v for k, v in row.items() if k != "time"} for row in csv.DictReader(handle)]
