"""One layer of layered run configuration: a ``--config`` file, a game's defaults, a zoo entry or the ``--set`` values.

A :class:`Layer` checks its own shape when made (sections are mappings,
``components`` names only known kinds), so a later layer cannot hide a
malformed one; a run directory's resolved ``config.yaml`` is turned back
into one layer. :mod:`gaikit.core.config_resolve` merges the layers and
validates the result into a :class:`~gaikit.core.config.RunConfig`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import ValidationError

from gaikit.core.config import RunConfig, format_validation_error
from gaikit.core.config_layout import COMPONENT_KEYS, COMPONENT_KINDS, LAYERED_KEYS, deep_merge
from gaikit.core.errors import ConfigError
from gaikit.core.yamlio import LineMap, line_of, load_yaml_file


class Layer:
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
        unknown = sorted((k for k in data if k not in LAYERED_KEYS), key=str)
        if unknown:
            line = lines.get((unknown[0],))
            where = f"{source}:{line}" if line else source
            hint = " (choose the agent kind under components: agent)" if unknown[0] == "agent" else ""
            raise ConfigError(
                f"{where}: unknown section {unknown[0]!r}; expected one of {', '.join(sorted(LAYERED_KEYS))}{hint}"
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
                raise self.fail((section,), f"expected a mapping, got {kind_of(value)} {value!r}{hint}")
        for key, value in self.data.get("components", {}).items():
            if key not in COMPONENT_KEYS:
                raise self.fail(("components", key), f"unknown component kind; expected one of {', '.join(COMPONENT_KEYS)}")
            if not isinstance(value, str) or not value:
                raise self.fail(("components", key), f"expected a registered name, got {kind_of(value)} {value!r}")
        for section in COMPONENT_KINDS:
            for name, block in list(self.data.get(section, {}).items()):
                if block is None:
                    self.data[section][name] = {}


def kind_of(value: Any) -> str:
    """How a value of the wrong type is named in an error: ``a mapping``, ``the string``... or its type's name."""
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


def load_layer_file(path: Path | str, origin: str = "--config") -> Layer:
    """A user's ``--config FILE`` (or a game's defaults, ``origin``) as a validated layer."""
    data, lines = load_yaml_file(path)
    return Layer(data, str(path), lines, origin)


def merge_layers(layers: Iterable[Layer]) -> dict[str, Any]:
    """The layers' data merged in order (later wins; nested mappings merge)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer.data)
    return merged
