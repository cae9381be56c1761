"""Before a tune launches anything: what it is (:class:`TuneSpec`), its space checked, its directory made or checked.

:func:`prepare_tune` resolves the run config exactly as ``gaikit run`` would
(:func:`gaikit.resolve.resolve_cli_config`) at both bounds of every
parameter (every value of a ``choice``), so an unknown config path, a bound
a field refuses or a float distribution on a whole-number field is one error
naming the space file's line before a single trial starts. The experiment
directory keeps ``tune.json`` (the spec), copies of the space file and of
``--config``, Ray Tune's own state under ``tune/``, each trial's run under
``runs/`` and its output under ``logs/``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from gaikit.core.config import RunConfig, TrainConfig
from gaikit.core.config_layout import COMPONENT_KINDS
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.registry import Registry, get_registry
from gaikit.experiments.manifest import create_experiment, experiment_copy, first_difference, read_manifest
from gaikit.experiments.tune_space import Parameter, check_space_against_config, read_space
from gaikit.experiments.tune_trial import METRICS
from gaikit.resolve import resolve_cli_config

#: The experiment directory's manifest.
MANIFEST_FILE = "tune.json"
#: The experiment's copy of the space file (what ``--resume`` reads).
SPACE_FILE = "space.yaml"
#: The experiment's copy of ``--config``.
BASE_CONFIG_FILE = "base_config.yaml"
#: Ray Tune's experiment state (searcher, scheduler, trial table) under the experiment directory.
TUNE_STATE_DIR = "tune"
#: Manifest format version.
MANIFEST_VERSION = 1
#: Search algorithms and schedulers ``gaikit tune`` offers.
SEARCHES = ("optuna", "random", "grid")
SCHEDULERS = ("asha", "none")
#: Evaluations per trial and checkpoints per trial that a tune asks for unless ``--set`` says otherwise.
EVALS_PER_TRIAL = 10
CHECKPOINTS_PER_TRIAL = 4


@dataclass
class TuneSpec:
    """Everything that decides a tune (what ``tune.json`` holds and a rerun is compared with).

    ``steps`` is the budget of a trial that is never stopped early; ``seed``
    seeds every trial's training and the search algorithm.
    """

    game: str
    space: str
    space_sha256: str
    trials: int
    search: str
    scheduler: str
    metric: str
    steps: int
    seed: int
    choices: dict[str, str | None]
    config: str | None
    config_sha256: str | None
    overrides: list[str]

    def to_json(self) -> dict[str, Any]:
        """The manifest's ``spec`` object."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, where: Path) -> "TuneSpec":
        """The spec stored in a manifest; a damaged one is one clear error."""
        try:
            return cls(**data)
        except TypeError:
            raise ConfigError(f"{where}: 'spec' is not a tune description this gaikit wrote") from None


def trial_defaults(steps: int) -> list[str]:
    """What every trial gets before ``--set``: one torch thread (one Ray CPU), evaluations and checkpoints to report and resume."""
    return ["train.threads=1", f"train.eval_every={max(1, steps // EVALS_PER_TRIAL)}",
            f"train.checkpoint_every={max(1, steps // CHECKPOINTS_PER_TRIAL)}"]


def budget_of(game: str, choices: dict[str, str | None], config: Path | None, overrides: list[str],
              budget: int | None) -> int:
    """``--budget``, or the ``train.steps`` the game's config (with ``--config`` and ``--set``) gives."""
    if budget is not None:
        if budget < 1:
            raise ConfigError(f"--budget {budget}: must be at least 1 step")
        return budget
    resolved = _resolve(get_registry(), game, choices, config, overrides, None, 0)
    return resolved.train.steps


def prepare_tune(spec: TuneSpec, space_file: Path, config_file: Path | None,
                 max_concurrent: int | None) -> tuple[list[Parameter], int]:
    """Read and check the space against the config; returns the parameters and the CPUs one trial asks for."""
    if spec.metric not in METRICS:
        raise ConfigError(f"--metric {spec.metric!r}: expected one of {', '.join(METRICS)}")
    if spec.search not in SEARCHES:
        raise ConfigError(f"--search {spec.search!r}: expected one of {', '.join(SEARCHES)}")
    if spec.scheduler not in SCHEDULERS:
        raise ConfigError(f"--scheduler {spec.scheduler!r}: expected one of {', '.join(SCHEDULERS)}")
    if max_concurrent is not None and max_concurrent < 1:
        raise ConfigError(f"--max-concurrent {max_concurrent}: must be at least 1")
    parameters = read_space(space_file)
    if spec.search == "optuna":
        for parameter in parameters:
            odd = [v for v in parameter.values if not isinstance(v, (str, int, float, bool)) and v is not None]
            if odd:
                raise ConfigError(f"{parameter.where}: {parameter.path}: Optuna chooses among plain values "
                                  f"(numbers, strings, true/false), not {odd[0]!r}; use --search random or grid")
    if spec.search == "grid":
        cells = 1
        for parameter in parameters:
            cells *= len(parameter.grid_values())
        if spec.trials == 0:  # not given: every combination
            spec.trials = cells
        if spec.trials != cells:
            raise ConfigError(f"--trials {spec.trials}: --search grid runs every combination once, {cells} trials "
                              f"for this space; pass --trials {cells}")
    if spec.trials < 1:
        raise ConfigError(f"--trials {spec.trials}: must be at least 1")
    registry = get_registry()
    base = [*trial_defaults(spec.steps), *spec.overrides]
    resolved = _resolve(registry, spec.game, spec.choices, config_file, base, spec.steps, spec.seed)
    if resolved.train.actors:
        raise ConfigError(f"train.actors is {resolved.train.actors}; tune trials train synchronously, one Ray "
                          "trial each (drop train.actors)")
    if spec.metric == "eval_mean" and resolved.train.eval_every == 0:
        raise ConfigError("--metric eval_mean needs evaluations during training; train.eval_every is 0 "
                          "(drop that --set, or pass --metric train_mean_100)")
    check_space_against_config(
        parameters,
        lambda extra: _resolve(registry, spec.game, spec.choices, config_file, [*base, *extra], spec.steps, spec.seed),
        lambda config, section: section_model(registry, config, section),
    )
    return parameters, max(1, resolved.train.threads)


def _resolve(registry: Registry, game: str, choices: dict[str, str | None], config_file: Path | None,
             overrides: list[str], steps: int | None, seed: int) -> RunConfig:
    return resolve_cli_config(registry, game, config_file=config_file, choices=choices,
                              train_flags={"--steps": steps, "--seed": seed}, overrides=overrides)


def section_model(registry: Registry, config: RunConfig, section: str) -> type[BaseModel] | None:
    """The pydantic model of a config section's fields for this config (``train``, or the chosen component's)."""
    if section == "train":
        return TrainConfig
    choice = getattr(config, section, None) if section in COMPONENT_KINDS or section == "game" else None
    if choice is None:
        return None
    kind = "games" if section == "game" else COMPONENT_KINDS.get(section, section)
    try:
        return registry.get(kind, choice.name).config
    except GaikitError:
        return None


def open_experiment(exp_dir: Path, spec: TuneSpec, space_file: Path, config_file: Path | None) -> bool:
    """Make ``exp_dir`` for a new tune (False), or check it holds this one (True: continue it)."""
    manifest = exp_dir / MANIFEST_FILE
    if manifest.is_file():
        stored = read_spec(exp_dir)
        difference = first_difference(stored.to_json(), spec.to_json(), ignore=("config", "space"))
        if difference is not None:
            raise ConfigError(f"{manifest}: this experiment directory holds a different tune ({difference}); "
                              f"continue it with gaikit tune --resume {exp_dir}, or choose another --out")
        return True
    create_experiment(exp_dir, MANIFEST_FILE, "tune", MANIFEST_VERSION, spec.to_json(),
                      {SPACE_FILE: space_file, BASE_CONFIG_FILE: config_file})
    return False


def read_spec(exp_dir: Path) -> TuneSpec:
    """The tune described by ``exp_dir/tune.json`` (one clear error if it cannot be read)."""
    spec = read_manifest(exp_dir, MANIFEST_FILE, "tune", MANIFEST_VERSION)
    return TuneSpec.from_json(spec, exp_dir / MANIFEST_FILE)


def experiment_files(exp_dir: Path, spec: TuneSpec) -> tuple[Path, Path | None]:
    """The experiment's copies of the space file and of ``--config`` (absolute; ``None``: no ``--config``)."""
    space = experiment_copy(exp_dir, SPACE_FILE, "tune", f"--space {spec.space}")
    if spec.config is None:
        return space, None
    return space, experiment_copy(exp_dir, BASE_CONFIG_FILE, "tune", f"--config {spec.config}")
