"""The learning-curve PNG of a run directory, drawn from its own CSV/JSONL files.

Uses matplotlib's Agg canvas directly (no pyplot, no global backend switch),
so plotting works headless and never touches a user's interactive session.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gaikit.core.jsonl import jsonl_rows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Episodes in the moving average drawn over the episode returns (fewer in short runs).
MOVING_AVERAGE = 100


def agg_figure(width: float, height: float) -> Figure:
    """A ``width`` x ``height`` inch figure at 100 dpi on its own Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over up to ``window`` values (shorter at the start)."""
    if len(values) == 0:
        return values
    sums = np.cumsum(np.insert(values.astype(np.float64), 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(idx - window, 0)
    return (sums[idx] - sums[start]) / (idx - start)


def read_episodes(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, returns)`` from ``episodes.csv`` (empty arrays if absent)."""
    path = run_dir / "episodes.csv"
    if not path.exists():
        return np.zeros(0), np.zeros(0)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return (
        np.array([int(r["step"]) for r in rows], dtype=np.int64),
        np.array([float(r["return"]) for r in rows], dtype=np.float64),
    )


def read_evals(run_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(steps, means, stds)`` of the evaluations in ``metrics.jsonl``."""
    path = run_dir / "metrics.jsonl"
    steps, means, stds = [], [], []
    if path.exists():
        for _, row in jsonl_rows(path, torn_tail=True):
            if isinstance(row, dict) and row.get("kind") == "eval":
                steps.append(row["step"])
                means.append(row["mean"])
                stds.append(row["std"])
    return np.array(steps), np.array(means, dtype=float), np.array(stds, dtype=float)


def plot_learning_curve(run_dir: Path | str, title: str = "") -> Path:
    """Write ``plots/learning_curve.png``: episode returns, their moving average, eval points."""
    run_dir = Path(run_dir)
    steps, returns = read_episodes(run_dir)
    eval_steps, eval_means, eval_stds = read_evals(run_dir)
    fig = agg_figure(8, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    if len(returns):
        ax.plot(steps, returns, ".", color="tab:blue", alpha=0.25, markersize=3, label="episode return")
        window = min(MOVING_AVERAGE, max(1, len(returns) // 5))  # short runs: a window that still bends
        ax.plot(steps, moving_average(returns, window), color="tab:blue", label=f"moving average ({window})")
    if len(eval_steps):
        ax.errorbar(eval_steps, eval_means, yerr=eval_stds, fmt="o-", color="tab:orange",
                    capsize=3, label="greedy evaluation (mean ± std)")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("return")
    ax.set_title(title or run_dir.name)
    ax.grid(alpha=0.3)
    if len(returns) or len(eval_steps):
        ax.legend(loc="best")
    out = run_dir / "plots" / "learning_curve.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    fig.savefig(tmp, format="png")
    os.replace(tmp, out)
    return out
