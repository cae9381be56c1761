"""The evaluation episodes of a run, read back from ``metrics.jsonl``.

Every evaluation the runner makes is one ``{"kind": "eval", "step": S, ...,
"returns": [...]}`` row of ``metrics.jsonl`` (:mod:`gaikit.core.metrics`):
``returns`` holds each evaluation episode's return, in the order they
finished, and ``S`` is the training step the evaluation ran at. These are
the episodes played by the evaluation policy (greedy, or at
``train.eval_epsilon``), as opposed to the training episodes of
``episodes.csv``, which the exploring policy played.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gaikit.core.errors import GaikitError
from gaikit.core.jsonl import jsonl_rows
from gaikit.core.metrics import METRICS_FILE


@dataclass(frozen=True)
class Evaluation:
    """One eval row of ``metrics.jsonl``: its line number, training step and episode returns as written."""

    line: int
    step: int
    returns: tuple[Any, ...]

    def non_finite(self) -> list[Any]:
        """The returns that are not finite numbers (``None``, booleans, strings, NaN, infinities), in order."""
        return [value for value in self.returns
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)]


def read_evaluations(run_dir: Path, until: int | None = None) -> list[Evaluation]:
    """Every evaluation in ``run_dir/metrics.jsonl`` (at or before step ``until``), in order.

    An empty list means the run has no evaluation (by ``until``); a missing
    file, a line that is not JSON or an eval row without an integer
    ``step`` and a ``returns`` list is a :class:`GaikitError` naming the file
    (and line). Returns are not checked here: see :meth:`Evaluation.non_finite`.
    A torn last line is skipped (:func:`gaikit.core.jsonl.jsonl_rows`).
    """
    path = run_dir / METRICS_FILE
    if not path.is_file():
        raise GaikitError(f"{run_dir}: no {METRICS_FILE}; is this a directory written by gaikit run?")
    found: list[Evaluation] = []
    for line_no, row in jsonl_rows(path, torn_tail=True):
        if not isinstance(row, dict) or row.get("kind") != "eval":
            continue
        step, values = row.get("step"), row.get("returns")
        if not isinstance(step, int) or isinstance(step, bool) or not isinstance(values, list):
            raise GaikitError(f"{path}:{line_no}: expected an eval row with an integer 'step' and a "
                              f"'returns' list, got step={step!r}, returns={values!r}")
        if until is None or step <= until:
            found.append(Evaluation(line_no, step, tuple(values)))
    return found


def read_eval_episodes(run_dir: Path, until: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, returns)`` of every evaluation episode in ``run_dir/metrics.jsonl``, one entry per episode.

    ``steps[i]`` is the training step of the evaluation episode ``i`` belongs
    to; with ``until``, only evaluations at or before that step count.
    Problems (no file, a line that is not a JSON object, an eval row without
    a list of finite returns, no evaluation at all) are one
    :class:`GaikitError` line naming the file and line.
    """
    path = run_dir / METRICS_FILE
    evaluations = read_evaluations(run_dir, until)
    steps: list[int] = []
    returns: list[float] = []
    for evaluation in evaluations:
        bad = evaluation.non_finite()
        if bad:
            raise GaikitError(f"{path}:{evaluation.line}: evaluation return {bad[0]!r} is not a finite number")
        steps.extend([evaluation.step] * len(evaluation.returns))
        returns.extend(float(value) for value in evaluation.returns)
    if not returns:
        if until is not None and not evaluations:
            raise GaikitError(f"{path}: no evaluation by step {until:,} (--until)")
        raise GaikitError(f"{path}: no evaluation episodes (the run had train.eval_every 0 or has not evaluated "
                          "yet); compare its training episodes with --episodes train")
    return np.array(steps, dtype=np.int64), np.array(returns)
