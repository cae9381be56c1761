"""Per-country time series of a realm run (GDP, treasury, army), as CSV and PNG.

Recorded every four weeks. Plots use matplotlib's Agg canvas directly (no
pyplot), so they work headless.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from gaikit.plugins.games.realm.world import Country

#: Series recorded per country, with their plot labels.
SERIES: dict[str, str] = {"gdp": "GDP per week", "treasury": "treasury", "army": "army (battalions)"}


class Series:
    """Monthly samples of each country's GDP, treasury and army."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.weeks: list[int] = []
        self.data: dict[str, list[np.ndarray]] = {key: [] for key in SERIES}

    def record(self, week: int, gdp: np.ndarray, countries: Sequence[Country]) -> None:
        """Sample the world in ``week``: each country's GDP (by index), treasury and army."""
        self.weeks.append(week)
        self.data["gdp"].append(gdp.copy())
        self.data["treasury"].append(np.array([c.treasury for c in countries]))
        self.data["army"].append(np.array([c.army for c in countries]))

    def array(self, key: str) -> np.ndarray:
        """``(samples, countries)`` array of one series."""
        return np.array(self.data[key]) if self.data[key] else np.zeros((0, len(self.names)))

    def write_csv(self, path: Path | str) -> Path:
        """``week,country,gdp,treasury,army`` rows (fixed precision, deterministic)."""
        path = Path(path)
        lines = ["week,country,gdp,treasury,army"]
        arrays = {key: self.array(key) for key in SERIES}
        for k, week in enumerate(self.weeks):
            for i, name in enumerate(self.names):
                lines.append(f"{week},{name},{arrays['gdp'][k, i]:.2f},{arrays['treasury'][k, i]:.2f},{arrays['army'][k, i]:.2f}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def plot(self, path: Path | str, title: str = "") -> Path:
        """One PNG with a panel per series and a line per country."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig = Figure(figsize=(10, 9), dpi=100)
        FigureCanvasAgg(fig)
        years = 1836 + np.array(self.weeks) / 52.0
        for row, (key, label) in enumerate(SERIES.items()):
            ax = fig.add_subplot(len(SERIES), 1, row + 1)
            values = self.array(key)
            for i, name in enumerate(self.names):
                if len(values):
                    ax.plot(years, values[:, i], label=name, linewidth=1.2)
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
            if row == 0:
                ax.set_title(title or "realm")
                ax.legend(loc="upper left", fontsize=7, ncol=4)
        ax.set_xlabel("year")
        fig.tight_layout()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
        return path
