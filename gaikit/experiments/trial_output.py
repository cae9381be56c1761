"""Where a sweep or tune trial's console output goes: its own log file, appended across resumes."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def output_to(log_file: Path) -> Iterator[None]:
    """Send this thread's ``print``s and warnings (stdout and stderr) to ``log_file`` for the block."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        try:
            yield
        finally:
            log.flush()
