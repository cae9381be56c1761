"""Before a sweep launches anything: every trial's config validated, the experiment directory checked or made.

:func:`validate_trials` resolves each grid cell's config exactly as
``gaikit run`` would (:func:`gaikit.resolve.resolve_cli_config`), so a bad
value or an unknown config path in any cell is one clear error before a
single trial starts. :func:`open_experiment` writes ``experiment.json`` (and
the copy of ``--config``) for a new experiment directory, or checks that an
existing one describes the same sweep.
"""

from __future__ import annotations

import json
from pathlib import Path

from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.registry import get_registry
from gaikit.experiments.manifest import create_experiment, experiment_copy, read_manifest
from gaikit.experiments.sweep_spec import (
    BASE_CONFIG_FILE, MANIFEST_FILE, MANIFEST_VERSION, SweepSpec, Trial, spec_difference)
from gaikit.resolve import resolve_cli_config

#: Overrides every trial gets first (a ``--set`` may change them): one torch thread, as one Ray CPU is requested.
TRIAL_DEFAULTS = ("train.threads=1",)


def validate_trials(spec: SweepSpec, config_file: Path | None) -> dict[str, int]:
    """Resolve every grid cell's config (raising one clear error); returns the CPUs each trial asks Ray for, by name."""
    registry = get_registry()
    trials = spec.trials()
    if spec.grid:  # the settings every cell shares first, so their errors are not blamed on a cell
        _check_cell(spec, Trial(trials[0].name, trials[0].seed), config_file, registry)
    cpus: dict[str, int] = {}
    checked: dict[str, int] = {}
    for trial in trials:
        cell_key = json.dumps(trial.cell, sort_keys=True)
        if cell_key not in checked:
            checked[cell_key] = _check_cell(spec, trial, config_file, registry)
        cpus[trial.name] = checked[cell_key]
    return cpus


def _check_cell(spec: SweepSpec, trial: Trial, config_file: Path | None, registry: object) -> int:
    where = f"--grid cell {', '.join(trial.overrides())}: " if trial.cell else ""
    try:
        resolved = resolve_cli_config(
            registry, spec.game, config_file=config_file, choices=spec.choices,  # type: ignore[arg-type]
            train_flags={"--steps": spec.steps, "--seed": trial.seed, "--envs": spec.envs},
            overrides=[*TRIAL_DEFAULTS, *spec.overrides, *trial.overrides()],
        )
    except GaikitError as exc:
        text = str(exc).removeprefix("--set: ") if trial.cell else str(exc)  # the cell is the override at fault
        raise type(exc)(f"{where}{text}") from None
    if resolved.train.actors:
        raise ConfigError(f"{where}train.actors is {resolved.train.actors}; sweep trials train synchronously, "
                          "one Ray task each (drop train.actors, or sweep with gaikit run --actors by hand)")
    return max(1, resolved.train.threads)


def open_experiment(exp_dir: Path, spec: SweepSpec, resuming: bool) -> None:
    """Make ``exp_dir`` with its manifest, or check that its manifest describes ``spec``."""
    manifest = exp_dir / MANIFEST_FILE
    if manifest.is_file():
        stored = read_spec(exp_dir)
        if not resuming:
            difference = spec_difference(stored, spec)
            if difference is not None:
                raise ConfigError(f"{manifest}: this experiment directory holds a different sweep ({difference}); "
                                  f"continue it with gaikit sweep --resume {exp_dir}, or choose another --out")
        return
    if resuming:
        raise ConfigError(f"{exp_dir}: not a sweep's experiment directory ({MANIFEST_FILE} is missing)")
    trials = [{"name": t.name, "seed": t.seed, "cell": t.cell} for t in spec.trials()]
    create_experiment(exp_dir, MANIFEST_FILE, "sweep", MANIFEST_VERSION, spec.to_json(),
                      {BASE_CONFIG_FILE: None if spec.config is None else Path(spec.config)}, trials=trials)


def read_spec(exp_dir: Path) -> SweepSpec:
    """The sweep described by ``exp_dir/experiment.json`` (one clear error if it cannot be read)."""
    spec = read_manifest(exp_dir, MANIFEST_FILE, "sweep", MANIFEST_VERSION)
    return SweepSpec.from_json(spec, exp_dir / MANIFEST_FILE)


def trial_config(exp_dir: Path, spec: SweepSpec) -> Path | None:
    """The config file trials read: the experiment's copy of ``--config`` (absolute), if there was one."""
    if spec.config is None:
        return None
    return experiment_copy(exp_dir, BASE_CONFIG_FILE, "sweep", f"--config {spec.config}")
