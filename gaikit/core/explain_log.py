"""``explain.jsonl``: the decisions an agent explained during a run, one JSON object a line.

Agents that can explain their decisions (the strategy agent) hand records
over through :meth:`gaikit.core.components.Agent.explain_records`; the runner
appends them here after each step. ``gaikit explain RUN_DIR`` prints them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

#: File name of the explanation log inside a run directory.
EXPLAIN_FILE = "explain.jsonl"


def append_explanations(run_dir: Path | str, records: Iterable[dict[str, Any]]) -> None:
    """Append ``records`` (JSON-serialisable dicts) to ``run_dir/explain.jsonl``."""
    lines = [json.dumps(record, default=_plain) for record in records]
    if not lines:
        return
    path = Path(run_dir) / EXPLAIN_FILE
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays -> Python numbers and lists; anything else -> its string."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
