"""Resolving layered run configuration into a validated :class:`~gaikit.core.config.RunConfig`.

:func:`resolve_run_config` picks one name per component, merges the layers
(:mod:`gaikit.core.config_layers`; later wins), applies ``--set`` overrides
to the chosen components and validates every section, naming the layer,
file and line that supplied a bad value (see :mod:`gaikit.core.config`).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol

from pydantic import BaseModel, ValidationError

from gaikit.core.config import (
    ComponentConfig, RunConfig, StrategyConfig, TrainConfig, format_error_dict, format_validation_error)
from gaikit.core.config_checks import number_problem
from gaikit.core.config_layers import Layer, kind_of, load_layer_file, merge_layers
from gaikit.core.config_layout import COMPONENT_KINDS, component_override, deep_merge, set_path
from gaikit.core.errors import ConfigError, GaikitError


class RegistryView(Protocol):
    """What config resolution needs of :class:`gaikit.core.registry.Registry`.

    A protocol, so that the config modules do not import the registry (which
    imports the component contracts, which import :mod:`gaikit.core.config`).
    """

    def names(self, kind: str) -> list[str]:
        """The registered names of one component kind."""
        ...

    def get(self, kind: str, name: str) -> Any:
        """The spec (factory and options model) of one registered component."""
        ...


def _validate(model: type[BaseModel], data: Any, layers: list[Layer], section: tuple[Any, ...]) -> BaseModel:
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


def _check_blocks(registry: RegistryView, layers: list[Layer], components: Mapping[str, str]) -> None:
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
                    raise layer.fail((section, name), f"expected a mapping of options, got {kind_of(block)} {block!r}")


def _has_path(data: Any, path: tuple[Any, ...]) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def _add_learner_layer(layers: list[Layer], learner_defaults: Callable[[str], Path | None],
                       choices: Mapping[str, str | None]) -> None:
    """Insert the game's tuned defaults for the chosen learner right above the game defaults."""
    merged = merge_layers(layers)
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
    trace: list[Layer] | None = None,
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
    layers: list[Layer] = []
    if game_defaults is not None:
        layers.append(load_layer_file(game_defaults, "game defaults"))
    if config_file is not None:
        layers.append(load_layer_file(config_file))
    if learner_defaults is not None:
        _add_learner_layer(layers, learner_defaults, choices or {})
    merged = merge_layers(layers)

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
        path, value = component_override(text, components)
        set_path(set_layer, path, value)
        path_sources[tuple(path)] = f"--set {text}"
    merged = deep_merge(merged, set_layer)
    layers.append(Layer(set_layer, "--set", origin="--set"))
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
