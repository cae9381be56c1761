"""Run outputs: ``metrics.jsonl``, ``episodes.csv``, TensorBoard events, the learning curve.

- ``metrics.jsonl``: one JSON object per line, ``{"kind": "train", "step": ...}``
  every ``train.log_every`` env steps (means of the learner's metrics since
  the previous line) and ``{"kind": "eval", "step": ..., "mean": ...}`` per
  greedy evaluation.
- ``episodes.csv``: ``step,env,return,length,time`` per finished episode
  (``time``: seconds of training wall time, summed over resumes).
- ``tb/``: the same scalars as TensorBoard events.
- ``plots/learning_curve.png``: see :mod:`gaikit.core.plots`.

The runner drives the writer with the same run events plugins receive
(:meth:`MetricsLogger.gaikit_run_event`, :mod:`gaikit.core.event_bus`).

On resume the text files (and the agent's ``explain.jsonl``, see
:mod:`gaikit.core.explain_log`) are cut back to their sizes at the
checkpoint (or, where a log disagrees with it, to its last complete line:
:mod:`gaikit.core.log_repair`) and TensorBoard purges events after its
step, so every row appears once. The text files are flushed and fsynced
with each checkpoint.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from gaikit.core.console import warn
from gaikit.core.episodes import EpisodeRecord
from gaikit.core.explain_log import EXPLAIN_FILE
from gaikit.core.log_repair import cut_back
from gaikit.core.plots import plot_learning_curve
from gaikit.core.run_events import EpisodeEnded, Evaluated, RunEvent, TrainLogged

METRICS_FILE = "metrics.jsonl"
EPISODES_FILE = "episodes.csv"
EPISODES_HEADER = "step,env,return,length,time\n"


def _clean(value: Any) -> Any:
    """JSON-safe scalar: numpy numbers to Python, NaN/inf to ``None``."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class MetricsLogger:
    """Writes a run's metrics; ``positions`` (from a checkpoint) cut files back on resume."""

    def __init__(self, run_dir: Path, positions: Mapping[str, int] | None = None, step: int = 0,
                 tensorboard: bool = True) -> None:
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in (METRICS_FILE, EPISODES_FILE, EXPLAIN_FILE):
            path = self.run_dir / name
            if positions is not None:
                problem = cut_back(path, int(positions.get(name, 0)))
                if problem:
                    warn(problem)
            elif path.exists():
                path.unlink()
        self._metrics = (self.run_dir / METRICS_FILE).open("a", encoding="utf-8")
        self._episodes = (self.run_dir / EPISODES_FILE).open("a", encoding="utf-8", newline="")
        if self._episodes.tell() == 0:
            self._episodes.write(EPISODES_HEADER)
        self._tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(self.run_dir / "tb"), purge_step=step if positions is not None else None)

    def log_train(self, step: int, values: Mapping[str, Any]) -> dict[str, Any]:
        """Append a training line; returns the row written."""
        row = {"kind": "train", "step": int(step), **{k: _clean(v) for k, v in values.items()}}
        self._write(row)
        if self._tb is not None:
            for key, value in row.items():
                if key not in ("kind", "step") and isinstance(value, (int, float)):
                    self._tb.add_scalar(f"train/{key}", value, step)
        return row

    def log_eval(self, step: int, summary: Mapping[str, Any], returns: Iterable[float]) -> dict[str, Any]:
        """Append an evaluation line (summary statistics and every return)."""
        row = {"kind": "eval", "step": int(step), **{k: _clean(v) for k, v in summary.items()},
               "returns": [_clean(r) for r in returns]}
        self._write(row)
        if self._tb is not None:
            self._tb.add_scalar("eval/mean_return", row["mean"], step)
            self._tb.add_scalar("eval/std_return", row["std"], step)
        return row

    def log_episodes(self, records: Iterable[EpisodeRecord], time: float) -> None:
        """Append one ``episodes.csv`` row per finished episode."""
        for rec in records:
            self._episodes.write(f"{rec.step},{rec.env},{rec.ret!r},{rec.length},{time:.3f}\n")
            if self._tb is not None:
                self._tb.add_scalar("episode/return", rec.ret, rec.step)
                self._tb.add_scalar("episode/length", rec.length, rec.step)

    def gaikit_run_event(self, event: RunEvent) -> None:
        """Write a run event (:mod:`gaikit.core.run_events`) to the files it belongs in; others are ignored.

        The runner sends every event here first: ``TrainLogged`` and
        ``Evaluated`` become ``metrics.jsonl`` rows, ``EpisodeEnded`` an
        ``episodes.csv`` row, each also as TensorBoard scalars.
        """
        if isinstance(event, EpisodeEnded):
            self.log_episodes([EpisodeRecord(event.step, event.env, event.episode_return, event.length)], event.time)
        elif isinstance(event, TrainLogged):
            self.log_train(event.step, event.values)
        elif isinstance(event, Evaluated):
            self.log_eval(event.step, event.summary, event.returns)

    def _write(self, row: Mapping[str, Any]) -> None:
        self._metrics.write(json.dumps(row, allow_nan=False) + "\n")

    def flush(self) -> None:
        """Push buffered rows and events to disk."""
        self._metrics.flush()
        self._episodes.flush()
        if self._tb is not None:
            self._tb.flush()

    def positions(self) -> dict[str, int]:
        """Sizes of the text files, flushed and fsynced, saved in a checkpoint for resume."""
        self.flush()
        os.fsync(self._metrics.fileno())
        os.fsync(self._episodes.fileno())
        explain = self.run_dir / EXPLAIN_FILE
        if explain.exists():
            fd = os.open(explain, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return {METRICS_FILE: self._metrics.tell(), EPISODES_FILE: self._episodes.tell(),
                EXPLAIN_FILE: explain.stat().st_size if explain.exists() else 0}

    def plot(self, title: str = "") -> Path:
        """Redraw ``plots/learning_curve.png`` from the files written so far."""
        self.flush()
        return plot_learning_curve(self.run_dir, title)

    def close(self) -> None:
        """Flush and close every file."""
        self.flush()
        self._metrics.close()
        self._episodes.close()
        if self._tb is not None:
            self._tb.close()
