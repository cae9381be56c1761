"""Reading JSON Lines files (``metrics.jsonl``, ``explain.jsonl``): one JSON value per line.

:func:`jsonl_rows` is the one reader of such files: it yields each
non-blank line's value with its line number, and a line that is not JSON is
one :class:`~gaikit.core.errors.GaikitError` line naming ``file:line``.

A run's logs are only complete up to their last line break: the runner
writes a row and its line break together, and on resume cuts each log back
to its last complete line (:mod:`gaikit.core.log_repair`). A last line with
no line break that is not JSON is therefore a row torn by a crash, or one
still being written by a live run, not damage; with ``torn_tail=True`` it
is skipped, as resuming the run would drop it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from gaikit.core.errors import GaikitError


def jsonl_rows(path: Path, *, torn_tail: bool = False, noun: str = "JSON object",
               error: type[GaikitError] = GaikitError) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank line of the JSON Lines file ``path``, in order.

    A line that is not JSON raises ``error`` (a :class:`GaikitError`) as
    ``"<path>:<line>: not a <noun> (<why>)"``; with ``torn_tail``, a last
    line without a line break that is not JSON is skipped instead (a row
    torn mid-write, see the module docstring). Values are not checked for
    type: callers that need objects check ``isinstance(value, dict)``.
    Opening or decoding the file raises :class:`OSError` or
    :class:`UnicodeDecodeError` for the caller to word.
    """
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                if torn_tail and not line.endswith("\n"):
                    return  # only the last line can lack its line break
                raise error(f"{path}:{number}: not a {noun} ({exc.msg})") from None
            yield number, value
