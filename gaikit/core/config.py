"""Run configuration: pydantic models, layered YAML and ``--set`` overrides.

Input files (a game's shipped defaults, a user's ``--config FILE``) use the
*layered* layout, where options are kept per component name so a game can
carry defaults for every encoder it supports::

    components: {agent: learned, encoder: mixed, learner: ddqn,
                 memory: prioritized, selector: epsilon-greedy}
    game: {frame_skip: 4}
    train: {steps: 1000000, batch_size: 32}
    encoder: {mixed: {fusion: end}, ram: {hidden: [128, 128]}}
    learner: {ddqn: {lr: 2.5e-4}}

Resolution picks one name per component (CLI flag > ``--config`` > game
default), merges the layers (later wins) and applies ``--set`` overrides,
whose paths address the *chosen* component: ``--set encoder.fusion=mid``.
The result is a :class:`RunConfig`, saved flat in the run directory.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gaikit.core.errors import ConfigError
from gaikit.core.registry import Registry
from gaikit.core.yamlio import LineMap, line_of, load_yaml_file, load_yaml_text

#: Sections that name a registered component, with the registry kind they use.
COMPONENT_KINDS: dict[str, str] = {
    "encoder": "encoders",
    "learner": "learners",
    "memory": "memories",
    "selector": "selectors",
}
_LAYERED_KEYS = {"components", "game", "train", "strategy", *COMPONENT_KINDS}


class TrainConfig(BaseModel):
    """How the runner trains and evaluates (the ``train:`` section)."""

    model_config = ConfigDict(extra="forbid")

    steps: int = Field(100_000, gt=0, description="Environment steps to run, summed over all envs.")
    envs: int = Field(1, ge=1, description="Number of environments stepped in parallel.")
    seed: int = Field(0, ge=0, description="Seed for envs, networks, memory and selectors.")
    learning_starts: int = Field(1_000, ge=0, description="Env steps collected before learning starts.")
    train_freq: int = Field(4, ge=1, description="Env steps (summed over envs) between learning phases.")
    gradient_steps: int = Field(1, ge=1, description="Gradient steps per learning phase.")
    batch_size: int = Field(32, ge=1, description="Transitions per gradient step.")
    eval_every: int = Field(10_000, ge=0, description="Env steps between greedy evaluations (0: never).")
    eval_episodes: int = Field(10, ge=1, description="Episodes per greedy evaluation.")
    checkpoint_every: int = Field(50_000, ge=0, description="Env steps between checkpoints (0: only at the end).")
    log_every: int = Field(1_000, ge=1, description="Env steps between metric log lines.")
    keep_checkpoints: int = Field(2, ge=1, description="Checkpoints kept on disk; older ones are deleted.")
    threads: int = Field(
        1, ge=0, description="torch intra-op threads (0: torch's default; 1 suits small networks on few cores)."
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


class _Layer:
    """One source of layered config: its data, where it came from, its lines."""

    def __init__(self, data: Any, source: str, lines: LineMap | None = None) -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
        unknown = sorted(set(data) - _LAYERED_KEYS)
        if unknown:
            line = (lines or {}).get((unknown[0],))
            where = f"{source}:{line}" if line else source
            raise ConfigError(
                f"{where}: unknown section {unknown[0]!r}; expected one of {', '.join(sorted(_LAYERED_KEYS))}"
            )
        self.data = data
        self.source = source
        self.lines = lines or {}


def format_validation_error(exc: ValidationError, source: str, prefix: tuple[Any, ...] = (), lines: LineMap | None = None) -> str:
    """One line naming the source, line, field path and what was expected."""
    first = exc.errors()[0]
    loc = prefix + tuple(first["loc"])
    field_path = ".".join(str(p) for p in loc) or "(top level)"
    line = line_of(lines, loc) if lines else None
    where = f"{source}:{line}" if line else source
    got = first.get("input")
    expected = first["msg"]
    if first["type"] == "extra_forbidden":
        expected = "unknown field"
        return f"{where}: {field_path}: unknown field"
    suffix = f" (got {got!r})" if not isinstance(got, (dict, list)) else ""
    more = len(exc.errors()) - 1
    tail = f"; and {more} more error(s)" if more > 0 else ""
    return f"{where}: {field_path}: {expected}{suffix}{tail}"


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, merging nested mappings; lists and scalars are replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(text: str) -> tuple[list[str], Any]:
    """``section.field=value`` -> (path, YAML-parsed value)."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.field=value")
    key, raw = text.split("=", 1)
    path = [p for p in key.strip().split(".")]
    if len(path) < 2 or not all(path):
        raise ConfigError(f"--set {text!r}: expected section.field=value, e.g. train.steps=1000")
    if path[0] not in _LAYERED_KEYS - {"components"} and path[0] != "agent":
        raise ConfigError(
            f"--set {text!r}: unknown section {path[0]!r}; expected one of "
            f"{', '.join(sorted(_LAYERED_KEYS - {'components'}))}"
        )
    value, _ = load_yaml_text(raw, f"--set {text}") if raw.strip() else (None, {})
    return path, value


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        nxt = target.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            target[key] = nxt
        target = nxt
    target[path[-1]] = value


def _validate(model: type[BaseModel], data: Any, layers: list[_Layer], section: tuple[Any, ...]) -> BaseModel:
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        loc = tuple(exc.errors()[0]["loc"])
        # Name the layer that supplied the offending field (the last one that has it).
        for layer in reversed(layers):
            if _has_path(layer.data, section + loc[:1]):
                raise ConfigError(format_validation_error(exc, layer.source, section, layer.lines)) from None
        raise ConfigError(format_validation_error(exc, layers[-1].source if layers else "config", section)) from None


def _has_path(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def load_layer_file(path: Path | str) -> _Layer:
    """A user's ``--config FILE`` (or a game's defaults) as a validated layer."""
    data, lines = load_yaml_file(path)
    return _Layer(data, str(path), lines)


def resolve_run_config(
    registry: Registry,
    game: str,
    game_defaults: Path | None,
    *,
    config_file: Path | str | None = None,
    choices: Mapping[str, str | None] | None = None,
    overrides: Iterable[str] = (),
    game_options: Mapping[str, Any] | None = None,
) -> RunConfig:
    """Resolve the layers into a validated :class:`RunConfig`.

    ``choices`` maps ``agent``/``encoder``/``learner``/``memory``/``selector``
    to a CLI choice (``None``: keep the layered default). ``game_options``
    are set before ``--set`` (e.g. the Gymnasium id for a generic game).
    """
    layers: list[_Layer] = []
    if game_defaults is not None:
        layers.append(load_layer_file(game_defaults))
    if config_file is not None:
        layers.append(load_layer_file(config_file))
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer.data)

    components = dict(merged.get("components") or {})
    for key, value in (choices or {}).items():
        if value is not None:
            components[key] = value
    set_layer: dict[str, Any] = {}
    if game_options:
        set_layer["game"] = dict(game_options)
    for text in overrides:
        path, value = parse_override(text)
        if path[0] in COMPONENT_KINDS:
            chosen = components.get(path[0])
            if chosen is None:
                raise ConfigError(f"--set {text!r}: no {path[0]} is chosen for this run")
            path = [path[0], chosen, *path[1:]]
        _set_path(set_layer, path, value)
    merged = deep_merge(merged, set_layer)
    layers.append(_Layer(set_layer, "--set"))

    resolved: dict[str, Any] = {}
    game_spec = registry.get("games", game)
    resolved["game"] = ComponentConfig(
        name=game, options=_validate(game_spec.config, merged.get("game"), layers, ("game",)).model_dump(mode="json")
    )
    resolved["agent"] = components.get("agent", "learned")
    learned = resolved["agent"] == "learned"
    for section, kind in COMPONENT_KINDS.items():
        name = components.get(section)
        if name is None and not learned:
            continue  # strategy agents need only what the game or user chose
        if name is None:
            raise ConfigError(
                f"no {section} chosen: the game {game!r} has no default; pass --{section} NAME"
            )
        spec = registry.get(kind, name)
        per_name = (merged.get(section) or {}).get(name, {})
        options = _validate(spec.config, per_name, layers, (section, name))
        resolved[section] = ComponentConfig(name=name, options=options.model_dump(mode="json"))
    resolved["train"] = _validate(TrainConfig, merged.get("train"), layers, ("train",))
    resolved["strategy"] = _validate(StrategyConfig, merged.get("strategy"), layers, ("strategy",))
    return RunConfig(**{k: v for k, v in resolved.items()})


def load_resolved_config(path: Path) -> RunConfig:
    """Read a run directory's ``config.yaml``; errors name the file and field."""
    data, lines = load_yaml_file(path)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path), (), lines)) from None


def component_options(model: type[BaseModel], options: Mapping[str, Any]) -> BaseModel:
    """Re-validate a saved component's options into its config model."""
    return model.model_validate(dict(options))
