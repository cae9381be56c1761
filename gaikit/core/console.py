"""One-line messages to the user on stderr (warnings that are not errors)."""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Iterator


def warn(message: str) -> None:
    """Print ``gaikit: warning: <message>`` on stderr."""
    print(f"gaikit: warning: {message}", file=sys.stderr, flush=True)


@contextmanager
def background_errors_as_warnings() -> Iterator[None]:
    """Meanwhile, an ``OSError`` that kills a background thread (e.g. TensorBoard's event writer on a
    full disk) is one warning line instead of a traceback; other exceptions are reported as usual."""
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.exc_value, OSError):
            exc = args.exc_value
            name = args.thread.name if args.thread is not None else "a background thread"
            warn(f"{name} stopped writing: {exc.strerror or exc} ({exc.filename})")
        else:
            previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous
