"""The PNG plots of a grouped comparison: interval estimates and performance profiles, with their CIs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from gaikit.cli.compare_groups import Group, SourceReport
from gaikit.core.plots import agg_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

METRIC_TITLES = {"mean": "mean", "median": "median", "iqm": "IQM", "optimality_gap": "optimality gap"}


def _figure(columns: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    """A ``width`` x ``height`` inch figure with ``columns`` plots side by side."""
    fig = agg_figure(width, height)
    return fig, [fig.add_subplot(1, columns, i + 1) for i in range(columns)]


def write_plots(report: SourceReport, groups: Sequence[Group], out: Path, confidence: float) -> list[Path]:
    """The interval-estimates plot (one panel per metric) and the performance-profile plot of one source."""
    names = [g.name for g in groups]
    unit = "human-normalised score" if report.scale == "human" else "return"
    fig, axes = _figure(len(report.metrics), 3.2 * len(report.metrics) + 1.5, 0.5 * len(names) + 1.8)
    for ax, metric in zip(axes, report.metrics):
        for row, name in enumerate(names):
            e = report.estimates[name][metric]
            ax.plot([e.low, e.high], [row, row], linewidth=6, alpha=0.45, color=f"C{row % 10}", solid_capstyle="butt")
            ax.plot([e.point], [row], marker="|", markersize=14, color="black")
        ax.set_yticks(range(len(names)), names if ax is axes[0] else [""] * len(names))
        ax.set_ylim(len(names) - 0.5, -0.5)  # the first group on top, as in the table
        ax.set_title(METRIC_TITLES[metric])
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{report.source}: point estimates and {confidence:.0%} stratified bootstrap CIs", y=1.04)
    intervals = out / f"interval_estimates_{report.source}.png"
    fig.savefig(intervals, format="png", bbox_inches="tight")

    fig, (ax,) = _figure(1, 8, 5)
    for row, name in enumerate(names):
        p = report.profiles[name]
        ax.plot(p.thresholds, p.fraction, color=f"C{row % 10}", label=name)
        ax.fill_between(p.thresholds, p.low, p.high, color=f"C{row % 10}", alpha=0.2)
    ax.set_xlabel(f"{unit} threshold τ")
    ax.set_ylabel("fraction of runs with score > τ")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    ax.set_title(f"{report.source}: performance profile ({confidence:.0%} CI bands)")
    profile = out / f"performance_profile_{report.source}.png"
    fig.savefig(profile, format="png", bbox_inches="tight")
    return [intervals, profile]
