"""Cutting a run's text logs back to what a checkpoint recorded, on resume.

A checkpoint records the size of ``metrics.jsonl``, ``episodes.csv`` and
``explain.jsonl`` at the moment it was written (the logs are flushed and
fsynced first, see :meth:`gaikit.core.metrics.MetricsLogger.positions`).
On resume each log is cut back to that size so every row appears once. A
log can also disagree with the checkpoint: it may be longer (rows written
after the checkpoint: cut off), shorter (lost on a crash of the machine, or
cut by hand), missing, or not end on a line break at the recorded size.
It is then repaired to its last complete line within the recorded size,
with a warning; it is never padded (``truncate`` past the end would fill
the gap with NUL bytes).
"""

from __future__ import annotations

import os
from pathlib import Path

#: How far back from its end a log is searched for the last line break (larger files: read in chunks).
_CHUNK = 1 << 16


def _last_line_end(path: Path, limit: int) -> int:
    """Size of the longest prefix of the file's first ``limit`` bytes that ends with a line break (0: none)."""
    with path.open("rb") as handle:
        end = limit
        while end > 0:
            start = max(0, end - _CHUNK)
            handle.seek(start)
            chunk = handle.read(end - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                return start + cut + 1
            end = start
    return 0


def cut_back(path: Path, recorded: int) -> str | None:
    """Cut the log at ``path`` back to ``recorded`` bytes (or its last complete line within them).

    Returns a warning when the log disagreed with the checkpoint (shorter
    than recorded, or not ending on a line break there), else ``None``.
    A missing log stays missing (it is created afresh by the caller).
    """
    path = Path(path)
    if not path.exists():
        return f"{path.name} is missing (the checkpoint recorded {recorded:,} bytes); it starts afresh" \
            if recorded > 0 else None
    actual = path.stat().st_size
    limit = min(actual, recorded)
    keep = _last_line_end(path, limit) if limit > 0 else 0
    with path.open("r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    if actual < recorded:
        return (f"{path.name} is shorter than the checkpoint recorded ({actual:,} of {recorded:,} bytes): "
                f"cut back to its last complete line ({keep:,} bytes); the rows after it are lost")
    if keep != recorded:
        return (f"{path.name} does not end on a complete line at the {recorded:,} bytes the checkpoint "
                f"recorded: cut back to its last complete line ({keep:,} bytes)")
    return None
