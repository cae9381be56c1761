"""Where each value of a resolved config came from (``gaikit config show``).

Given the :class:`~gaikit.core.config.RunConfig` and the layers
:func:`~gaikit.core.config_resolve.resolve_run_config` recorded in its ``trace``,
every field of every section gets its value, its description (from the
pydantic ``Field``) and its source: the last layer that sets it (``game
defaults``, ``zoo``, ``--config``, ``--set``/GAME argument, each with its
file), else ``pydantic default``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from pydantic import BaseModel

from gaikit.core.config import RunConfig, StrategyConfig, TrainConfig
from gaikit.core.config_layout import COMPONENT_KEYS, COMPONENT_KINDS
from gaikit.core.config_resolve import RegistryView
from gaikit.core.config_schema import FieldRow, field_rows

#: Source of a value no layer sets.
PYDANTIC_DEFAULT = "pydantic default"


@dataclass(frozen=True)
class TracedField:
    """One resolved field: dotted path, value, description and where the value came from."""

    path: str
    value: Any
    description: str
    source: str


def layer_label(layer: Any, path: tuple[str, ...]) -> str:
    """``origin (file)`` for a file layer, or the ``--set``/GAME argument that set ``path``."""
    if layer.origin == "--set":
        return layer.path_sources.get(path, "--set")
    return f"{layer.origin} ({_short(layer.source)})"


def _short(source: str) -> str:
    """``source`` relative to the working directory when it lies below it, else as given."""
    try:
        relative = os.path.relpath(source)
    except ValueError:  # another drive (Windows)
        return source
    return source if relative.startswith("..") else relative


def _has_path(data: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return False
        data = data[key]
    return True


def source_of(layers: Sequence[Any], path: tuple[str, ...]) -> str:
    """The label of the last layer that sets ``path`` (layered layout), else :data:`PYDANTIC_DEFAULT`."""
    for layer in reversed(layers):
        if _has_path(layer.data, path):
            return layer_label(layer, path)
    return PYDANTIC_DEFAULT


def _section_rows(prefix: str, model: type[BaseModel], values: Mapping[str, Any], layers: Sequence[Any],
                  layered: tuple[str, ...]) -> list[TracedField]:
    rows: list[FieldRow] = field_rows(model)
    return [
        TracedField(f"{prefix}.{row.name}", values.get(row.name), row.description,
                    source_of(layers, (*layered, row.name)))
        for row in rows
    ]


def trace_config(registry: RegistryView, config: RunConfig, layers: Sequence[Any],
                 choices: Mapping[str, str | None]) -> list[TracedField]:
    """Every field of ``config`` with its description and source; component choices first."""
    traced: list[TracedField] = []
    for key in COMPONENT_KEYS:
        chosen = config.agent if key == "agent" else getattr(config, key)
        if chosen is None:
            continue
        name = chosen if isinstance(chosen, str) else chosen.name
        flag = choices.get(key)
        source = f"--{key} {flag}" if flag is not None else source_of(layers, ("components", key))
        description = "Agent kind: learned or strategy." if key == "agent" else f"The chosen {key}."
        traced.append(TracedField(f"components.{key}", name, description, source))
    game_model = registry.get("games", config.game.name).config
    traced += _section_rows("game", game_model, config.game.options, layers, ("game",))
    for section, kind in COMPONENT_KINDS.items():
        chosen = getattr(config, section)
        if chosen is not None:
            model = registry.get(kind, chosen.name).config
            traced += _section_rows(section, model, chosen.options, layers, (section, chosen.name))
    traced += _section_rows("train", TrainConfig, config.train.model_dump(mode="json"), layers, ("train",))
    traced += _section_rows("strategy", StrategyConfig, config.strategy.model_dump(mode="json"), layers, ("strategy",))
    return traced
