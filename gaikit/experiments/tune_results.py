"""A finished (or interrupted) tune's results: the trial table and the best configuration as a config file.

``EXP_DIR/trials.csv`` lists every trial (id, status, last step, the metric
at its last report, the mean of its evaluation means, its parameters), best
first: ties in the metric (several trials at a game's maximum, say) go to the
higher mean over the evaluations, the trial that learned sooner and held it. ``EXP_DIR/best_config.yaml``
is the best trial that ran its whole budget, written as a layered config
that ``gaikit run GAME --config best_config.yaml`` accepts: the tune's
``--config`` with its component choices, ``--set`` values and the best
parameters on top (its seed is left to ``--seed``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gaikit.core.checkpoint import write_text_atomic
from gaikit.core.config import load_resolved_config
from gaikit.core.config_layout import COMPONENT_KINDS, component_override, deep_merge, set_path
from gaikit.core.yamlio import load_yaml_file
from gaikit.experiments.tune_setup import BASE_CONFIG_FILE, TuneSpec
from gaikit.experiments.tune_space import override
from gaikit.experiments.tune_trial import trial_run_dir

#: The trial table and the best configuration, in the experiment directory.
TRIALS_FILE = "trials.csv"
BEST_CONFIG_FILE = "best_config.yaml"


@dataclass(frozen=True)
class TrialOutcome:
    """One trial: ``finished`` (whole budget), ``stopped early`` (by the scheduler), ``interrupted``, ``failed`` or ``not run``."""

    trial_id: str
    status: str
    step: int
    value: float | None
    params: dict[str, Any]
    error: str = ""
    #: Mean of the trial's evaluation means up to ``step``: breaks ties in the metric (say, several at a cap).
    curve: float | None = None


@dataclass
class TuneResult:
    """Every trial's outcome, best first, and the best finished one (``None`` if no trial ran its budget)."""

    exp_dir: Path
    metric: str
    outcomes: list[TrialOutcome]
    best: TrialOutcome | None = None
    best_config: Path | None = None
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def unfinished(self) -> list[TrialOutcome]:
        """Trials that an interruption or an error kept from ending (``gaikit tune --resume`` runs them)."""
        return [o for o in self.outcomes if o.status in ("interrupted", "failed", "not run")]


def write_results(exp_dir: Path, spec: TuneSpec, outcomes: list[TrialOutcome]) -> TuneResult:
    """Write ``trials.csv`` and, when a trial finished, ``best_config.yaml``."""
    ranked = sorted(outcomes, key=_rank)
    finished = [o for o in ranked if o.status == "finished" and o.value is not None]
    result = TuneResult(exp_dir, spec.metric, ranked, best=finished[0] if finished else None)
    for outcome in ranked:
        result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
    _write_table(exp_dir / TRIALS_FILE, spec, ranked)
    if result.best is not None:
        result.best_config = exp_dir / BEST_CONFIG_FILE
        write_text_atomic(result.best_config, best_config_text(exp_dir, spec, result.best))
    return result


def _rank(outcome: TrialOutcome) -> tuple[int, float, float]:
    """Ended trials first, then by the metric, ties broken by the mean over the trial's evaluations."""
    order = {"finished": 0, "stopped early": 1, "interrupted": 2, "failed": 3, "not run": 4}
    value = outcome.value if outcome.value is not None else float("-inf")
    curve = outcome.curve if outcome.curve is not None else float("-inf")
    return order.get(outcome.status, 4), -value, -curve


def _write_table(path: Path, spec: TuneSpec, outcomes: list[TrialOutcome]) -> None:
    paths = list(outcomes[0].params) if outcomes else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["trial", "status", "step", spec.metric, "eval_curve_mean", *paths, "error"])
    for o in outcomes:
        writer.writerow([o.trial_id, o.status, o.step, "" if o.value is None else f"{o.value:.6g}",
                         "" if o.curve is None else f"{o.curve:.6g}", *(o.params.get(p) for p in paths), o.error])
    write_text_atomic(path, buffer.getvalue())


def best_config_text(exp_dir: Path, spec: TuneSpec, best: TrialOutcome) -> str:
    """The best trial's configuration as a layered config file, with a header saying where it came from."""
    base: dict[str, Any] = {}
    if spec.config is not None:
        data, _ = load_yaml_file(exp_dir / BASE_CONFIG_FILE)
        base = data or {}
    run_config = load_resolved_config(trial_run_dir(exp_dir, best.trial_id) / "config.yaml")
    names = {section: getattr(run_config, section).name for section in COMPONENT_KINDS
             if getattr(run_config, section, None) is not None}
    layer: dict[str, Any] = {"components": {k: v for k, v in spec.choices.items() if v}}
    layer["train"] = {"steps": spec.steps}
    for text in [*spec.overrides, *(override(p, v) for p, v in best.params.items())]:
        path, value = component_override(text, names)  # learner.lr -> learner.ddqn.lr
        set_path(layer, path, value)
    merged = deep_merge(base, layer)
    if not merged["components"]:
        del merged["components"]
    header = [
        f"# The best configuration of the tune in {exp_dir}",
        f"# (trial {best.trial_id}: {spec.metric} {best.value:.2f} at step {best.step:,}, seed {spec.seed};",
        f"# {spec.search} search, scheduler {spec.scheduler}, {spec.trials} trials). Train it with:",
        f"#   gaikit run {spec.game} --config {BEST_CONFIG_FILE} --seed N",
    ]
    return "\n".join(header) + "\n" + yaml.safe_dump(merged, sort_keys=False)


def summary_lines(result: TuneResult) -> list[str]:
    """The end-of-tune table (best first) and what to run next."""
    width = max([len("trial"), *(len(o.trial_id) for o in result.outcomes)])
    lines = ["", f"{'trial':<{width}}  {'status':<13} {'step':>9}  {result.metric:>14}  parameters"]
    for o in result.outcomes:
        value = "-" if o.value is None else f"{o.value:.2f}"
        params = ", ".join(f"{k}={short_value(v)}" for k, v in o.params.items())
        lines.append(f"{o.trial_id:<{width}}  {o.status:<13} {o.step:>9,}  {value:>14}  {params}")
    counts = ", ".join(f"{n} {status}" for status, n in result.statuses.items())
    lines.append(f"{len(result.outcomes)} trials: {counts}; table: {result.exp_dir / TRIALS_FILE}")
    if result.best is not None and result.best_config is not None:
        lines.append(f"best: {result.best.trial_id} ({result.metric} {result.best.value:.2f}); "
                     f"config: {result.best_config}")
    else:
        lines.append("no trial ran its whole budget, so there is no best configuration yet")
    if result.unfinished:
        lines.append(f"{len(result.unfinished)} trials did not finish; continue with gaikit tune --resume {result.exp_dir}")
    return lines


def short_value(value: Any) -> str:
    """A parameter value for a table: floats to four significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)
