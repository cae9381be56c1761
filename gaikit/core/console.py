"""One-line messages to the user on stderr (warnings that are not errors)."""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    """Print ``gaikit: warning: <message>`` on stderr."""
    print(f"gaikit: warning: {message}", file=sys.stderr, flush=True)
