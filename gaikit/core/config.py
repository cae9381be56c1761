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

import copy
import difflib
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gaikit.core.config_checks import number_problem
from gaikit.core.config_trackers import EarlyStopConfig, LoggersConfig
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.yamlio import LineMap, line_of, load_yaml_file, load_yaml_text


class RegistryView(Protocol):
    """What config resolution needs of :class:`gaikit.core.registry.Registry`.

    A protocol, so that this module does not import the registry (which
    imports the component contracts, which import this module).
    """

    def names(self, kind: str) -> list[str]:
        """The registered names of one component kind."""
        ...

    def get(self, kind: str, name: str) -> Any:
        """The spec (factory and options model) of one registered component."""
        ...

#: Sections that name a registered component, with the registry kind they use.
COMPONENT_KINDS: dict[str, str] = {
    "encoder": "encoders",
    "learner": "learners",
    "memory": "memories",
    "selector": "selectors",
}
_LAYERED_KEYS = {"components", "game", "train", "strategy", *COMPONENT_KINDS}
#: Keys of the ``components:`` section: the agent kind and one name per component.
COMPONENT_KEYS = ("agent", *COMPONENT_KINDS)
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


class _Layer:
    """One source of layered config: its data, where it came from, its lines.

    A run directory's ``config.yaml`` (the resolved layout: ``agent``,
    ``game: {name, options}``, ``learner: {name, options}`` ...) is turned
    into the layered layout first; ``game_name`` then records its game.
    Every section must be a mapping (or empty), ``components`` may name only
    the agent kind and the four component kinds: wrong shapes are refused
    here, before any layers are merged, so a later layer cannot hide them.
    """

    def __init__(self, data: Any, source: str, lines: LineMap | None = None, origin: str = "--config") -> None:
        #: Which layer this is: ``game defaults``, ``zoo``, ``--config`` or ``--set``.
        self.origin = origin
        #: Per-path labels where one layer mixes sources (the ``--set`` layer: GAME argument, each --set).
        self.path_sources: dict[tuple[str, ...], str] = {}
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
        lines = lines or {}
        self.game_name: str | None = None
        if is_resolved_layout(data):
            data, lines, self.game_name = _layered_from_resolved(data, source, lines)
        unknown = sorted((k for k in data if k not in _LAYERED_KEYS), key=str)
        if unknown:
            line = lines.get((unknown[0],))
            where = f"{source}:{line}" if line else source
            hint = " (choose the agent kind under components: agent)" if unknown[0] == "agent" else ""
            raise ConfigError(
                f"{where}: unknown section {unknown[0]!r}; expected one of {', '.join(sorted(_LAYERED_KEYS))}{hint}"
            )
        self.data = data
        self.source = source
        self.lines = lines
        self._check_shapes()

    def where(self, path: tuple[Any, ...]) -> str:
        """``source:line`` of ``path`` (or of its nearest recorded ancestor)."""
        line = line_of(self.lines, path) if self.lines else None
        return f"{self.source}:{line}" if line else self.source

    def fail(self, path: tuple[Any, ...], message: str) -> ConfigError:
        """A :class:`ConfigError` naming this layer's file and line, the field path and ``message``."""
        return ConfigError(f"{self.where(path)}: {'.'.join(str(p) for p in path)}: {message}")

    def _check_shapes(self) -> None:
        for section in list(self.data):
            value = self.data[section]
            if value is None:  # an empty section (every line commented out)
                self.data[section] = {}
                continue
            if not isinstance(value, dict):
                hint = ""
                if section in COMPONENT_KINDS and isinstance(value, str):
                    hint = f"; to choose the {section}, write components: {{{section}: {value}}} or pass --{section} {value}"
                raise self.fail((section,), f"expected a mapping, got {_kind(value)} {value!r}{hint}")
        for key, value in self.data.get("components", {}).items():
            if key not in COMPONENT_KEYS:
                raise self.fail(("components", key), f"unknown component kind; expected one of {', '.join(COMPONENT_KEYS)}")
            if not isinstance(value, str) or not value:
                raise self.fail(("components", key), f"expected a registered name, got {_kind(value)} {value!r}")
        for section in COMPONENT_KINDS:
            for name, block in list(self.data.get(section, {}).items()):
                if block is None:
                    self.data[section][name] = {}


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "the string", bool: "the boolean"}.get(type(value), type(value).__name__)


def is_resolved_layout(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` is a run directory's ``config.yaml`` (``agent`` and ``game: {name, ...}`` at the top)."""
    game = data.get("game")
    return "agent" in data and isinstance(game, Mapping) and "name" in game


def _layered_from_resolved(data: dict[str, Any], source: str, lines: LineMap) -> tuple[dict[str, Any], LineMap, str]:
    """A run's resolved config as one layered layer: ``(data, lines, game name)``."""
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, (), lines)) from None
    layered: dict[str, Any] = {
        "components": {"agent": config.agent},
        "game": dict(data["game"].get("options") or {}),
        "train": data.get("train") or {},
        "strategy": data.get("strategy") or {},
    }
    moved: LineMap = {}
    for path, line in lines.items():
        if path[:2] == ("game", "options"):
            moved[("game", *path[2:])] = line
        elif path[:1] in (("train",), ("strategy",)):
            moved[path] = line
        elif path == ("agent",):
            moved[("components", "agent")] = line
    for section in COMPONENT_KINDS:
        chosen = getattr(config, section)
        if chosen is None:
            continue
        layered["components"][section] = chosen.name
        layered[section] = {chosen.name: dict(data[section].get("options") or {})}
        for path, line in lines.items():
            if path[:2] == (section, "options"):
                moved[(section, chosen.name, *path[2:])] = line
            elif path == (section, "name"):
                moved[("components", section)] = line
    return layered, moved, config.game.name


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
    shown = text if len(text) <= 100 else f"{text[:100]}... ({len(text):,} characters)"
    source = f"--set {shown}" if text.isprintable() else f"--set {shown!r}"  # a newline must not split the error
    value, _ = load_yaml_text(raw, source) if raw.strip() else (None, {})
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
        validated = model.model_validate(data or {})
    except ValidationError as exc:
        loc = tuple(exc.errors()[0]["loc"])
        # Name the layer that supplied the offending field (the last one that has it).
        for layer in reversed(layers):
            if _has_path(layer.data, section + loc[:1]):
                raise ConfigError(format_validation_error(exc, layer.source, section, layer.lines)) from None
        raise ConfigError(format_validation_error(exc, layers[-1].source if layers else "config", section)) from None
    # Each layer's own values, even those a later layer overrides (a file's ``steps: true`` or
    # ``steps: [1, 2]`` under --steps): its block over the merged data is validated too, and any
    # error in a field the layer itself gives is that layer's (cross-field checks judge only the result).
    for layer in layers:
        block = _get_path(layer.data, section)
        if not isinstance(block, Mapping) or not block:
            continue
        own = validated
        if _differs(block, data or {}):
            try:
                own = model.model_validate(deep_merge(data or {}, block))
            except ValidationError as exc:
                mine = [e for e in exc.errors() if e["loc"] and e["loc"][0] in block]
                if mine:
                    raise ConfigError(format_error_dict(mine[0], layer.source, section, layer.lines)) from None
                own = validated
        problem = number_problem(block, own)
        if problem is not None:
            raise layer.fail(section + problem[0], problem[1])
    return validated


def _differs(block: Mapping[str, Any], merged: Mapping[str, Any]) -> bool:
    """Whether some value of ``block`` was overridden in ``merged`` (by a later layer)."""
    for key, value in block.items():
        if key not in merged:
            return True
        if isinstance(value, Mapping) and isinstance(merged[key], Mapping):
            if _differs(value, merged[key]):
                return True
        elif value != merged[key] or type(value) is not type(merged[key]):
            return True
    return False


def _get_path(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _check_blocks(registry: RegistryView, layers: list[_Layer], components: Mapping[str, str]) -> None:
    """Every key of a component option block must be a registered name of that kind.

    A flat block (``learner: {lr: 0.5}``) is refused, not guessed at: its keys
    are not learner names. The error shows the layered form for the chosen
    component, and ``--set``, which addresses the chosen component directly.
    """
    for layer in layers:
        for section, kind in COMPONENT_KINDS.items():
            known = registry.names(kind)
            for name, block in layer.data.get(section, {}).items():
                if name not in known:
                    chosen = components.get(section) or (known[0] if known else "NAME")
                    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
                    names = ", ".join(known) or "none registered"
                    if close:
                        how = f"did you mean {close[0]!r}? (option blocks are keyed by {section} name: {names})"
                    else:
                        how = (f"option blocks are keyed by {section} name ({names}): "
                               f"{section}: {{{chosen}: {{{name}: ...}}}}, or --set {section}.{name}=... for the chosen one")
                    raise layer.fail((section, name), f"unknown {section} {name!r}; {how}")
                if not isinstance(block, dict):
                    raise layer.fail((section, name), f"expected a mapping of options, got {_kind(block)} {block!r}")


def _has_path(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def load_layer_file(path: Path | str, origin: str = "--config") -> _Layer:
    """A user's ``--config FILE`` (or a game's defaults, ``origin``) as a validated layer."""
    data, lines = load_yaml_file(path)
    return _Layer(data, str(path), lines, origin)


def _merge_layers(layers: Iterable[_Layer]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer.data)
    return merged


def _add_learner_layer(layers: list[_Layer], learner_defaults: Callable[[str], Path | None],
                       choices: Mapping[str, str | None]) -> None:
    """Insert the game's tuned defaults for the chosen learner right above the game defaults."""
    merged = _merge_layers(layers)
    learner = choices.get("learner") or (merged.get("components") or {}).get("learner")
    agent = choices.get("agent") or (merged.get("components") or {}).get("agent", "learned")
    if learner is None or agent != "learned":
        return
    path = learner_defaults(learner)
    if path is None:
        return
    layer = load_layer_file(path, "zoo")
    other = layer.data.get("components", {}).get("learner")
    if other is not None and other != learner:
        raise layer.fail(("components", "learner"), f"learner defaults for {learner!r} choose learner {other!r}")
    at = 1 if layers and layers[0].origin == "game defaults" else 0
    layers.insert(at, layer)


def resolve_run_config(
    registry: RegistryView,
    game: str,
    game_defaults: Path | None,
    *,
    config_file: Path | str | None = None,
    choices: Mapping[str, str | None] | None = None,
    overrides: Iterable[str] = (),
    game_options: Mapping[str, Any] | None = None,
    learner_defaults: Callable[[str], Path | None] | None = None,
    trace: list[_Layer] | None = None,
) -> RunConfig:
    """Resolve the layers into a validated :class:`RunConfig`.

    Layers, later wins: pydantic defaults, ``game_defaults``, the game's tuned
    defaults for the chosen learner (``learner_defaults(learner)``, e.g. a zoo
    entry; the learner is the CLI choice, else ``--config``'s, else the game
    default's), ``config_file``, then ``game_options`` and ``overrides``.
    ``choices`` maps ``agent``/``encoder``/``learner``/``memory``/``selector``
    to a CLI choice (``None``: keep the layered default). ``game_options``
    are set before ``--set`` (e.g. the Gymnasium id for a generic game).
    ``trace``, if given, receives the layers in order (for ``gaikit config show``).
    """
    layers: list[_Layer] = []
    if game_defaults is not None:
        layers.append(load_layer_file(game_defaults, "game defaults"))
    if config_file is not None:
        layers.append(load_layer_file(config_file))
    if learner_defaults is not None:
        _add_learner_layer(layers, learner_defaults, choices or {})
    merged = _merge_layers(layers)

    components = dict(merged.get("components") or {})
    for key, value in (choices or {}).items():
        if value is not None:
            components[key] = value
    set_layer: dict[str, Any] = {}
    path_sources: dict[tuple[str, ...], str] = {}
    if game_options:
        set_layer["game"] = dict(game_options)
        path_sources.update({("game", key): "GAME argument" for key in game_options})
    for text in overrides:
        path, value = parse_override(text)
        if path[0] in COMPONENT_KINDS:
            chosen = components.get(path[0])
            if chosen is None:
                raise ConfigError(f"--set {text!r}: no {path[0]} is chosen for this run")
            path = [path[0], chosen, *path[1:]]
        _set_path(set_layer, path, value)
        path_sources[tuple(path)] = f"--set {text}"
    merged = deep_merge(merged, set_layer)
    layers.append(_Layer(set_layer, "--set", origin="--set"))
    layers[-1].path_sources = path_sources
    if trace is not None:
        trace.extend(layers)
    for layer in layers:
        if layer.game_name is not None and layer.game_name != game:
            raise ConfigError(f"{layer.source}: a run config of game {layer.game_name!r}, but the game is {game!r}")
        for key, name in layer.data.get("components", {}).items():
            if key in COMPONENT_KINDS and name not in registry.names(COMPONENT_KINDS[key]):
                try:
                    registry.get(COMPONENT_KINDS[key], name)  # its message lists the known names and a close one
                except GaikitError as exc:
                    raise layer.fail(("components", key), str(exc)) from None
    _check_blocks(registry, layers, components)

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
    for section, kind in COMPONENT_KINDS.items():  # blocks for components not chosen are checked too
        for name, block in sorted((merged.get(section) or {}).items()):
            if name != components.get(section):
                _validate(registry.get(kind, name).config, block, layers, (section, name))
    resolved["train"] = _validate(TrainConfig, merged.get("train"), layers, ("train",))
    resolved["strategy"] = _validate(StrategyConfig, merged.get("strategy"), layers, ("strategy",))
    return RunConfig(**{k: v for k, v in resolved.items()})


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
