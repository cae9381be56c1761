"""Collect a HalfCheetah SAC run's evaluations into docs/results/halfcheetah/.

Reads the greedy evaluations (``"kind": "eval"`` rows) of ``RUN_DIR/metrics.jsonl``
and writes, next to the run's config:

- ``eval.csv``: step, mean, std, min, max of every evaluation;
- ``eval_curve.png``: mean +- std against env steps, with the rl-baselines3-zoo
  SAC reference (2,792 at 1M steps) and the issue's target (2,800 by 500k);
- ``summary.txt``: the final evaluation's 10-episode mean and the best one.

With ``--name N`` the files are ``eval_N.csv``, ``eval_curve_N.png`` and
``summary_N.txt``; each ``--compare RUN_DIR=LABEL`` adds another run's curve
to the plot (e.g. the plain-noise run next to the gSDE one); ``--zoo tqc`` also
draws the zoo's TQC figure (3,675 at 1M steps).

    .venv/bin/python scripts/halfcheetah_results.py runs/halfcheetah-sac-evidence [--out docs/results/halfcheetah]
    .venv/bin/python scripts/halfcheetah_results.py runs/halfcheetah-sac-gsde --name gsde --label "gaikit SAC + gSDE" \
        --compare "runs/halfcheetah-sac-evidence=gaikit SAC, plain Gaussian noise"
    .venv/bin/python scripts/halfcheetah_results.py runs/halfcheetah-tqc --name tqc --label "gaikit TQC + gSDE" \
        --zoo tqc --compare "runs/halfcheetah-sac-gsde=gaikit SAC + gSDE"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: rl-baselines3-zoo's figures on HalfCheetahBulletEnv-v0 at 1M steps (benchmark.md).
ZOO = {"sac": ("SAC", "2,792 +- 12", 2792.0), "tqc": ("TQC", "3,675", 3675.0)}
TARGET = (500_000, 2800.0)


def evaluations(run_dir: Path) -> list[dict]:
    """The ``"kind": "eval"`` rows of ``run_dir/metrics.jsonl``, in order."""
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    evals = [row for row in rows if row["kind"] == "eval"]
    if not evals:
        raise SystemExit(f"{run_dir}: no evaluation rows in metrics.jsonl yet")
    return evals


def plot_run(ax: plt.Axes, evals: list[dict], label: str) -> None:
    """Mean +- std of each evaluation against env steps."""
    steps = [row["step"] for row in evals]
    means = [row["mean"] for row in evals]
    stds = [row["std"] for row in evals]
    ax.plot(steps, means, marker="o", markersize=3, label=label)
    ax.fill_between(steps, [m - s for m, s in zip(means, stds)], [m + s for m, s in zip(means, stds)], alpha=0.25)


def main() -> None:
    """Write eval.csv, eval_curve.png and summary.txt from a run directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/results/halfcheetah"))
    parser.add_argument("--name", default="", help="suffix of the output files (eval_NAME.csv, ...)")
    parser.add_argument("--label", default="gaikit SAC, greedy, 10 episodes", help="the run's legend entry")
    parser.add_argument("--compare", action="append", default=[], metavar="RUN_DIR=LABEL",
                        help="another run to plot alongside (repeatable)")
    parser.add_argument("--zoo", action="append", choices=sorted(ZOO), default=[],
                        help="zoo reference lines to draw besides SAC's (repeatable)")
    args = parser.parse_args()
    evals = evaluations(args.run_dir)
    others = []
    for item in args.compare:
        run_dir, sep, label = item.partition("=")
        if not sep:
            parser.error(f"--compare {item!r}: expected RUN_DIR=LABEL")
        others.append((evaluations(Path(run_dir)), label))
    suffix = f"_{args.name}" if args.name else ""
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / f"eval{suffix}.csv").open("w") as handle:
        handle.write("step,mean,std,min,max,episodes\n")
        for row in evals:
            handle.write(f"{row['step']},{row['mean']:.2f},{row['std']:.2f},{row['min']:.2f},{row['max']:.2f},"
                         f"{row['episodes']}\n")
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    plot_run(ax, evals, args.label)
    for other, label in others:
        plot_run(ax, other, label)
    for style, key in zip(("--", ":"), ["sac", *[k for k in args.zoo if k != "sac"]]):
        name, _, value = ZOO[key]
        ax.axhline(value, color="gray", linestyle=style, label=f"rl-baselines3-zoo {name} at 1M steps ({value:,.0f})")
    ax.plot([TARGET[0]], [TARGET[1]], marker="*", color="red", linestyle="none", markersize=10,
            label="target: 2,800 by 500k steps")
    ax.set_xlabel("env steps")
    ax.set_ylabel("episode return")
    ax.set_title("HalfCheetahBulletEnv-v0 (pybullet-envs-gymnasium)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / f"eval_curve{suffix}.png")
    final, best = evals[-1], max(evals, key=lambda row: row["mean"])
    summary = (
        f"run: {args.run_dir}\n"
        f"final evaluation at step {final['step']:,}: mean {final['mean']:.1f} +- {final['std']:.1f} "
        f"over {final['episodes']} episodes\n"
        f"best evaluation at step {best['step']:,}: mean {best['mean']:.1f} +- {best['std']:.1f}\n"
    )
    for key in ["sac", *[k for k in args.zoo if k != "sac"]]:
        name, figure, _ = ZOO[key]
        summary += f"reference: rl-baselines3-zoo {name} {figure} at 1,000,000 steps\n"
    (args.out / f"summary{suffix}.txt").write_text(summary)
    print(summary, end="")


if __name__ == "__main__":
    main()
