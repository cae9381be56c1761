"""Graceful stop: the first SIGINT (Ctrl-C) or SIGTERM asks the run to stop, the second aborts.

SIGTERM is what Slurm, Kubernetes, Ray and ``kill`` send before killing a
job, so it is treated exactly like the first Ctrl-C. While a
:class:`GracefulStop` is active, either signal only sets :attr:`requested`
(and :attr:`signum`); the runner finishes the current iteration, writes a
checkpoint and returns, so the checkpoint holds a consistent state (never
half an update). A second signal of either kind raises
:class:`KeyboardInterrupt` at once; the runner then says whether a
checkpoint of the current step exists. Outside the main thread signal
handlers cannot be installed and the signals behave as usual.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any


#: The signals that ask a run to stop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulStop:
    """Context manager that turns the first SIGINT or SIGTERM into a stop request."""

    def __init__(self) -> None:
        self.requested = False
        #: The signal that asked for the stop (``None``: none, or :meth:`request` was called).
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}
        self._installed = False

    def request(self) -> None:
        """Ask the run to stop after the current iteration (what Ctrl-C does)."""
        self.requested = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.signum = signum
        name = signal.Signals(signum).name
        print(f"\ngaikit: {name} received: stopping after this step to write a checkpoint "
              "(Ctrl-C again to abort without saving)", file=sys.stderr, flush=True)

    def __enter__(self) -> "GracefulStop":
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
            self._installed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            for signum, previous in self._previous.items():
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            self._previous = {}
            self._installed = False
