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

import json
import math
from pathlib import Path

import numpy as np

from gaikit.core.errors import GaikitError
from gaikit.core.metrics import METRICS_FILE


def read_eval_episodes(run_dir: Path, until: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, returns)`` of every evaluation episode in ``run_dir/metrics.jsonl``, one entry per episode.

    ``steps[i]`` is the training step of the evaluation episode ``i`` belongs
    to; with ``until``, only evaluations at or before that step count.
    Problems (no file, a line that is not a JSON object, an eval row without
    a list of finite returns, no evaluation at all) are one
    :class:`GaikitError` line naming the file and line.
    """
    path = run_dir / METRICS_FILE
    if not path.is_file():
        raise GaikitError(f"{run_dir}: no {METRICS_FILE}; is this a directory written by gaikit run?")
    steps: list[int] = []
    returns: list[float] = []
    evaluations = 0
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GaikitError(f"{path}:{line_no}: not a JSON object ({exc.msg})") from None
            if not isinstance(row, dict) or row.get("kind") != "eval":
                continue
            step, values = row.get("step"), row.get("returns")
            if not isinstance(step, int) or isinstance(step, bool) or not isinstance(values, list):
                raise GaikitError(f"{path}:{line_no}: expected an eval row with an integer 'step' and a "
                                  f"'returns' list, got step={step!r}, returns={values!r}")
            if until is not None and step > until:
                continue
            for value in values:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise GaikitError(f"{path}:{line_no}: evaluation return {value!r} is not a finite number")
                steps.append(step)
                returns.append(float(value))
            evaluations += 1
    if not returns:
        if until is not None and evaluations == 0:
            raise GaikitError(f"{path}: no evaluation by step {until:,} (--until)")
        raise GaikitError(f"{path}: no evaluation episodes (the run had train.eval_every 0 or has not evaluated "
                          "yet); compare its training episodes with --episodes train")
    return np.array(steps, dtype=np.int64), np.array(returns)
