"""Safe YAML loading that remembers where every value stood.

Only ``yaml.SafeLoader`` is used: no Python tags, no code execution. Each
loaded document comes with a map from field path (a tuple of keys and list
indices) to its 1-based line number, so errors can name file, line and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gaikit.core.errors import ConfigError

#: Field path -> 1-based line number.
LineMap = dict[tuple[Any, ...], int]


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every mapping key and sequence item."""


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: LineMap) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag.endswith(":int"):
                key = int(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines)


def load_yaml_text(text: str, source: str) -> tuple[Any, LineMap]:
    """Parse YAML text safely; ``source`` names it in errors (a file path or ``--set``)."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: malformed YAML: {problem}") from None
    lines: LineMap = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def load_yaml_file(path: Path | str) -> tuple[Any, LineMap]:
    """Read and safely parse a YAML file; a missing or unreadable file is a :class:`ConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return load_yaml_text(text, str(path))


def line_of(lines: LineMap, path: tuple[Any, ...]) -> int | None:
    """Line of ``path``, or of its nearest recorded ancestor."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
