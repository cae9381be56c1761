"""The layered config layout's sections, and merging and ``--set`` overrides over it.

The lowest layer of run configuration: :mod:`gaikit.core.config` (the
models) and :mod:`gaikit.core.config_layers` / :mod:`gaikit.core.config_resolve`
(layered resolution) build on it, and it imports neither.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from gaikit.core.errors import ConfigError
from gaikit.core.yamlio import load_yaml_text

#: Sections that name a registered component, with the registry kind they use.
COMPONENT_KINDS: dict[str, str] = {
    "encoder": "encoders",
    "learner": "learners",
    "memory": "memories",
    "selector": "selectors",
}
#: Top-level sections of a layered config file (``--config``, a game's defaults, a zoo entry).
LAYERED_KEYS = {"components", "game", "train", "strategy", *COMPONENT_KINDS}
#: Keys of the ``components:`` section: the agent kind and one name per component.
COMPONENT_KEYS = ("agent", *COMPONENT_KINDS)


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
    if path[0] not in LAYERED_KEYS - {"components"} and path[0] != "agent":
        raise ConfigError(
            f"--set {text!r}: unknown section {path[0]!r}; expected one of "
            f"{', '.join(sorted(LAYERED_KEYS - {'components'}))}"
        )
    shown = text if len(text) <= 100 else f"{text[:100]}... ({len(text):,} characters)"
    source = f"--set {shown}" if text.isprintable() else f"--set {shown!r}"  # a newline must not split the error
    value, _ = load_yaml_text(raw, source) if raw.strip() else (None, {})
    return path, value


def component_override(text: str, components: Mapping[str, str]) -> tuple[list[str], Any]:
    """``parse_override`` with a component section's path completed by the chosen name.

    ``learner.lr=0.001`` with ``{"learner": "ddqn"}`` is ``(["learner", "ddqn", "lr"], 0.001)``,
    the path in a layered config; a component section with none chosen is a :class:`ConfigError`.
    """
    path, value = parse_override(text)
    if path[0] in COMPONENT_KINDS:
        chosen = components.get(path[0])
        if chosen is None:
            raise ConfigError(f"--set {text!r}: no {path[0]} is chosen for this run")
        path = [path[0], chosen, *path[1:]]
    return path, value


def set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    """Set ``target[path[0]][path[1]]...`` to ``value``, making (or replacing non-mapping) levels on the way."""
    for key in path[:-1]:
        nxt = target.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            target[key] = nxt
        target = nxt
    target[path[-1]] = value
