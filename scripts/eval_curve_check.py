"""Does a new run track a committed evaluation curve? A table and one plot.

Reads the greedy evaluations (``"kind": "eval"`` rows of ``RUN_DIR/metrics.jsonl``)
of one or more runs and one or more committed curves (CSVs with
``step,mean,std``, as ``scripts/halfcheetah_results.py`` writes), keeps the
references' rows up to the runs' last evaluation, prints a Markdown table
(each reference and each run at every step the first reference has) and
writes a PNG with every curve as mean +- std.

    .venv/bin/python scripts/eval_curve_check.py \
        --reference "docs/results/halfcheetah/eval_gsde.csv=committed SAC + gSDE" \
        --run "runs/hc-sac-100k=autograd SAC + gSDE" --out curve.png
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def run_curve(run_dir: Path) -> dict[int, tuple[float, float]]:
    """``step -> (mean, std)`` of the run's greedy evaluations."""
    rows = (json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip())
    return {int(r["step"]): (float(r["mean"]), float(r["std"])) for r in rows if r.get("kind") == "eval"}


def csv_curve(path: Path) -> dict[int, tuple[float, float]]:
    """``step -> (mean, std)`` of a committed ``step,mean,std,...`` CSV."""
    with path.open(newline="") as handle:
        return {int(r["step"]): (float(r["mean"]), float(r["std"])) for r in csv.DictReader(handle)}


def main() -> None:
    """Print the table and write the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", action="append", required=True, metavar="CSV=LABEL",
                        help="a committed curve: CSV with step,mean,std")
    parser.add_argument("--run", action="append", required=True, metavar="RUN_DIR=LABEL", help="a run to compare")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--title", default="Greedy evaluation (mean +- std)")
    args = parser.parse_args()

    runs = []
    for item in args.run:
        path, _, label = item.partition("=")
        runs.append((label or path, run_curve(Path(path))))
    last = max(max(curve) for _, curve in runs)
    references = []
    for item in args.reference:
        path, _, label = item.partition("=")
        references.append((label or path, {s: v for s, v in csv_curve(Path(path)).items() if s <= last}))
    curves = [*references, *runs]

    print("| env steps | " + " | ".join(label for label, _ in curves) + " |")
    print("| ---: |" + " ---: |" * len(curves))
    for step in sorted(references[0][1]):
        cells = [f"{c[step][0]:,.1f} ± {c[step][1]:,.1f}" if step in c else "–" for _, c in curves]
        print(f"| {step:,} | " + " | ".join(cells) + " |")

    fig, ax = plt.subplots(figsize=(9, 5), dpi=100)
    for label, curve in curves:
        steps = sorted(curve)
        means = [curve[s][0] for s in steps]
        stds = [curve[s][1] for s in steps]
        ax.plot(steps, means, marker="o", markersize=3, label=label)
        ax.fill_between(steps, [m - s for m, s in zip(means, stds)], [m + s for m, s in zip(means, stds)], alpha=0.2)
    ax.set_xlabel("env steps")
    ax.set_ylabel("mean return")
    ax.set_title(args.title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
