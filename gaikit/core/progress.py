"""What a training run shows while it runs.

On a terminal: a rich progress bar with env steps, steps/s, episodes, mean
return of the last 100 episodes and ETA. When stdout is not a terminal
(CI, ``nohup``, a pipe): no bar, one plain line per logged step instead.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

#: Seconds between progress-bar refreshes driven by the runner.
REFRESH_SECONDS = 0.25


def _fmt_return(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1f}"


class RunProgress:
    """A progress bar on a terminal, plain log lines elsewhere; use as a context manager."""

    def __init__(self, total: int, start: int, enabled: bool | None = None) -> None:
        self.total = total
        self.start = start
        self.enabled = sys.stdout.isatty() if enabled is None else enabled
        self._last_refresh = 0.0
        self._bar: Progress | None = None
        self._task: Any = None
        self.console = Console() if self.enabled else None

    def __enter__(self) -> "RunProgress":
        if self.enabled:
            self._bar = Progress(
                TextColumn("[bold]train"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[speed]:>7} steps/s"),
                TextColumn("ep {task.fields[episodes]}"),
                TextColumn("mean100 {task.fields[mean_return]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("train", total=self.total, completed=self.start,
                                            speed="-", episodes=0, mean_return="-")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def due(self) -> bool:
        """Whether the bar wants fresh figures now (cheap; call it before computing them)."""
        return self._bar is not None and time.monotonic() - self._last_refresh >= REFRESH_SECONDS

    def update(self, step: int, episodes: int, mean_return: float, speed: float) -> None:
        """Move the bar to ``step`` with these figures (a no-op without a terminal)."""
        if self._bar is None:
            return
        self._last_refresh = time.monotonic()
        self._bar.update(self._task, completed=step, speed=f"{speed:,.0f}", episodes=episodes,
                         mean_return=_fmt_return(mean_return))

    def log(self, step: int, episodes: int, mean_return: float, speed: float, eta_seconds: float) -> None:
        """A plain log line (only when there is no bar)."""
        if self._bar is not None:
            return
        eta = time.strftime("%H:%M:%S", time.gmtime(max(0.0, eta_seconds))) if math.isfinite(eta_seconds) else "-"
        percent = 100.0 * step / self.total if self.total else 100.0
        print(
            f"step {step:,}/{self.total:,} ({percent:.0f}%) | {speed:,.0f} steps/s | episodes {episodes:,} | "
            f"mean return (last 100) {_fmt_return(mean_return)} | ETA {eta}",
            flush=True,
        )

    def print(self, text: str) -> None:
        """A message that does not break the bar."""
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False)
        else:
            print(text, flush=True)
