"""Mean, median and IQM with 95% bootstrap confidence intervals over the episodes of `gaikit eval --json` files.

One agent's evaluation episodes are its samples (one task, the episodes
resampled with replacement, 10,000 replicates; gaikit.core.statistics), so
the intervals say how precisely those games pin the agent's score down, not
how another training seed would do. Prints a Markdown table, one row per file.

    python scripts/eval_statistics.py NAME=FILE.json [NAME=FILE.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from gaikit.core.statistics import interval_estimates


def main(argv: list[str]) -> int:
    """Print the table for ``NAME=FILE`` arguments; 2 with a one-line message on bad input."""
    if not argv:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    print("| agent | checkpoint | games | mean [95% CI] | median | IQM [95% CI] | min | max |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for item in argv:
        name, sep, file = item.partition("=")
        if not sep:
            print(f"{item!r}: expected NAME=FILE.json", file=sys.stderr)
            return 2
        try:
            record = json.loads(Path(file).read_text(encoding="utf-8"))
            returns = np.asarray(record["returns"], dtype=np.float64)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{file}: not a gaikit eval --json file ({exc})", file=sys.stderr)
            return 2
        found = interval_estimates(name, [returns], ("mean", "iqm"))
        mean, iqm = found["mean"], found["iqm"]
        print(f"| {name} | {record.get('checkpoint', '?')} | {len(returns)} | {mean.point:.1f} [{mean.low:.1f}, "
              f"{mean.high:.1f}] | {np.median(returns):.1f} | {iqm.point:.1f} [{iqm.low:.1f}, {iqm.high:.1f}] | "
              f"{returns.min():.0f} | {returns.max():.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
