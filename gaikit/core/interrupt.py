"""Graceful Ctrl-C: the first SIGINT asks the run to stop, the second aborts.

While a :class:`GracefulStop` is active, Ctrl-C only sets :attr:`requested`;
the runner finishes the current iteration, writes a checkpoint and returns,
so the checkpoint holds a consistent state (never half an update). A second
Ctrl-C raises :class:`KeyboardInterrupt` at once. Outside the main thread
signal handlers cannot be installed and Ctrl-C behaves as usual.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any


class GracefulStop:
    """Context manager that turns the first SIGINT into a stop request."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def request(self) -> None:
        """Ask the run to stop after the current iteration (what Ctrl-C does)."""
        self.requested = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\ngaikit: stopping after this step to write a checkpoint (Ctrl-C again to abort without saving)",
              file=sys.stderr, flush=True)

    def __enter__(self) -> "GracefulStop":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
