"""Run configuration: the pydantic models of a resolved run config, and reading one back.

This module holds the models (:class:`RunConfig` and its sections) and the
one-line error formatting every config module shares; the layered input
below is resolved into a :class:`RunConfig` by
:func:`gaikit.core.config_resolve.resolve_run_config`, over the layers of
:mod:`gaikit.core.config_layers` and the layout of :mod:`gaikit.core.config_layout`.

Input files (a game's shipped defaults, a user's ``--config FILE``) use the
*layered* layout, where options are kept per component name so a game can
carry defaults for every encoder it supports::

    components: {agent: learned, encoder: mixed, learner: ddqn,
                 memory: prioritized, selector: epsilon-greedy}
    game: {frame_skip: 4}
    train: {steps: 1000000, batch_size: 32}
    encoder: {mixed: {fusion: end}, ram: {hidden: [128, 128]}}
    learner: {ddqn: {lr: 2.5e-4}}

Resolution picks one name per component (CLI flag > ``--config`` > the
game's tuned defaults for the chosen learner, e.g. a zoo entry > game
default), merges the layers (pydantic defaults < game defaults < learner
defaults < ``--config``; later wins) and applies ``--set`` overrides,
whose paths address the *chosen* component: ``--set encoder.fusion=mid``.
The result is a :class:`RunConfig`, saved flat in the run directory; that
flat file is accepted as ``--config`` too (it is turned back into one layer).

Every level is validated (docs/config.md): unknown sections, unknown keys
under ``components``, option blocks for unknown component names (a flat
block such as ``learner: {lr: 0.5}`` included) and sections of the wrong
type are errors; blocks for components not chosen are validated against
their own config models; numbers must be real (not booleans), finite and
fit 64 bits (:mod:`gaikit.core.config_checks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gaikit.core.config_checks import number_problem
from gaikit.core.config_trackers import EarlyStopConfig, LoggersConfig
from gaikit.core.errors import ConfigError
from gaikit.core.yamlio import LineMap, line_of, load_yaml_file


#: Largest run seed: numpy's seed range (seeds derived from it by small offsets still fit torch's).
MAX_SEED = 2**32 - 1


class TrainConfig(BaseModel):
    """How the runner trains and evaluates (the ``train:`` section)."""

    model_config = ConfigDict(extra="forbid")

    steps: int = Field(100_000, gt=0, description="Environment steps to run, summed over all envs.")
    envs: int = Field(1, ge=1, description="Number of environments stepped in parallel.")
    seed: int = Field(
        0, ge=0, le=MAX_SEED, description="Seed for envs, networks, memory and selectors (numpy's seed range)."
    )
    learning_starts: int = Field(1_000, ge=0, description="Env steps collected before learning starts.")
    train_freq: int = Field(4, ge=1, description="Env steps (summed over envs) between learning phases.")
    gradient_steps: int = Field(1, ge=1, description="Gradient steps per learning phase.")
    batch_size: int = Field(32, ge=1, description="Transitions per gradient step.")
    eval_every: int = Field(10_000, ge=0, description="Env steps between greedy evaluations (0: never).")
    eval_episodes: int = Field(10, ge=1, description="Episodes per greedy evaluation.")
    eval_epsilon: float = Field(
        0.0, ge=0.0, le=1.0, description="Chance of a uniformly random action at each evaluation step (discrete "
        "actions; Nature DQN evaluates Atari with 0.05); 0: fully greedy."
    )
    checkpoint_every: int = Field(50_000, ge=0, description="Env steps between checkpoints (0: only at the end).")
    log_every: int = Field(1_000, ge=1, description="Env steps between metric log lines.")
    keep_checkpoints: int = Field(2, ge=1, description="Checkpoints kept on disk; older ones are deleted.")
    threads: int = Field(
        1, ge=0, description="torch intra-op threads of the learning process (0: torch's default; 1 suits small networks on "
        "few cores); collectors of actor-learner runs use one each."
    )
    actors: int = Field(
        0, ge=0, description="Collector actors on Ray (actor-learner training, Ape-X); 0: the synchronous loop."
    )
    replay_shards: int = Field(1, ge=1, description="Replay actors the memory is split over (with actors > 0).")
    sync_every: int = Field(
        100, ge=1, description="Learner updates between weight publications; collectors load the newest at their next chunk."
    )
    chunk_steps: int = Field(
        64, ge=1, description="Vector-env steps a collector gathers before shipping them to the replay (with actors > 0)."
    )
    batches_per_call: int = Field(
        4, ge=1, description="Batches the learner fetches from a replay shard per request (with actors > 0): more "
        "spread Ray's per-call cost, and new priorities reach the replay that many updates later."
    )
    samples_per_insert: float | None = Field(
        None,
        ge=0.0,
        description="Transitions sampled per transition inserted, held by a rate limiter (with actors > 0); "
        "default: the synchronous replay ratio batch_size * gradient_steps / train_freq; 0: no limit.",
    )
    rate_tolerance: float = Field(
        0.1, gt=0.0, le=1.0, description="Slack of the rate limiter, as a fraction of the ratio over learning_starts."
    )
    save_best: bool = Field(
        True, description="Keep the model of the best evaluation so far in RUN_DIR/best/ (config.yaml, checkpoint, "
        "best.json with step and score): `gaikit eval RUN_DIR/best`."
    )
    early_stop: EarlyStopConfig | None = Field(
        None, description="Stop before train.steps on an evaluation metric: {metric: eval_mean, threshold: 195} "
        "and/or patience (evaluations without a new best); none: train all steps."
    )
    loggers: LoggersConfig = Field(
        default_factory=LoggersConfig, description="Experiment trackers fed with the run events: "
        "{wandb: {project: P}, mlflow: {tracking_uri: file:...}} or [wandb, mlflow] (docs/loggers.md)."
    )
    flush_denormal: bool = Field(
        True,
        description="Flush denormal floats to zero on the CPU (torch.set_flush_denormal): Adam's decaying moments "
        "otherwise pass through the denormal range, where every operation is many times slower.",
    )


class StrategyConfig(BaseModel):
    """Strategy files and mods for strategy agents (the ``strategy:`` section)."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = Field(None, description="Strategy YAML file (default: the game's shipped one).")
    mods: list[str] = Field(default_factory=list, description="Mod directories layered on top, in order.")
    rules: dict[str, str] = Field(
        default_factory=dict, description="Game-rule presets, e.g. {ai_aggression: high} (rules the file declares)."
    )


class ComponentConfig(BaseModel):
    """A chosen component and its validated options."""

    model_config = ConfigDict(extra="forbid")

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class RunConfig(BaseModel):
    """The fully resolved configuration of one run, as saved in ``config.yaml``."""

    model_config = ConfigDict(extra="forbid")

    game: ComponentConfig
    #: ``learned`` (encoder + learner + memory + selector) or ``strategy``.
    agent: str = "learned"
    encoder: ComponentConfig | None = None
    learner: ComponentConfig | None = None
    memory: ComponentConfig | None = None
    selector: ComponentConfig | None = None
    strategy: StrategyConfig = Field(default_factory=StrategyConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)

    def to_yaml(self) -> str:
        """The config as YAML text (what ``config.yaml`` in a run directory holds)."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def format_validation_error(exc: ValidationError, source: str, prefix: tuple[Any, ...] = (), lines: LineMap | None = None) -> str:
    """One line naming the source, line, field path and what was expected."""
    errors = exc.errors()
    more = len(errors) - 1 if errors[0]["type"] != "extra_forbidden" else 0
    return format_error_dict(errors[0], source, prefix, lines) + (f"; and {more} more error(s)" if more > 0 else "")


def format_error_dict(first: Mapping[str, Any], source: str, prefix: tuple[Any, ...] = (),
                      lines: LineMap | None = None) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as one line: source, line, field, problem."""
    loc = prefix + tuple(first["loc"])
    field_path = ".".join(str(p) for p in loc) or "(top level)"
    line = line_of(lines, loc) if lines else None
    where = f"{source}:{line}" if line else source
    got = first.get("input")
    expected = first["msg"]
    if first["type"] == "extra_forbidden":
        return f"{where}: {field_path}: unknown field"
    suffix = f" (got {_shown(got)})" if not isinstance(got, (dict, list)) else ""
    return f"{where}: {field_path}: {expected}{suffix}"


def _shown(value: Any, limit: int = 80) -> str:
    """``repr(value)``, shortened to ``limit`` characters (a value may be megabytes long)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def load_resolved_config(path: Path) -> RunConfig:
    """Read a run directory's ``config.yaml``; errors name the file and field."""
    data, lines = load_yaml_file(path)
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path), (), lines)) from None
    problem = number_problem(data, config)
    if problem is not None:
        where = line_of(lines, problem[0])
        raise ConfigError(f"{path}{f':{where}' if where else ''}: {'.'.join(map(str, problem[0]))}: {problem[1]}")
    return config


def component_options(model: type[BaseModel], options: Mapping[str, Any]) -> BaseModel:
    """Re-validate a saved component's options into its config model."""
    return model.model_validate(dict(options))
