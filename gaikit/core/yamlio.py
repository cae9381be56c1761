"""Safe YAML loading that remembers where every value stood.

Only ``yaml.SafeLoader`` is used: no Python tags, no code execution. Each
loaded document comes with a map from field path (a tuple of keys and list
indices) to its 1-based line number, so errors can name file, line and field.

Work is bounded by the size of the text: anchors and aliases (``&name`` /
``*name``), which let a few lines stand for exponentially many values, are
refused, and so are nesting deeper than :data:`MAX_DEPTH` and more than
:data:`MAX_NODES` values; each is one :class:`~gaikit.core.errors.ConfigError`
naming the line. Text longer than
:data:`MAX_BYTES` is refused before it is parsed (the pure-Python parser
this needs takes seconds per megabyte), and a file is never read past it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gaikit.core.errors import ConfigError

#: Field path -> 1-based line number.
LineMap = dict[tuple[Any, ...], int]
#: Deepest nesting of mappings and sequences accepted (gaikit's own files nest fewer than 10 levels).
MAX_DEPTH = 64
#: Largest YAML text accepted, in bytes (characters for text): far above any config or strategy file.
MAX_BYTES = 1 << 20
#: Most values (scalars, mappings, lists) in one document: realm's strategy file has about 2,300. The
#: pure-Python parser takes tens of microseconds per value, so this bounds a document's parse to seconds
#: (a megabyte of ``[1,1,1,...]`` would otherwise take most of a minute).
MAX_NODES = 20_000


class _Refused(yaml.YAMLError):
    """YAML gaikit does not accept: an alias, an anchor or too deep a nesting (``line`` is 1-based)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors, aliases, nesting deeper than :data:`MAX_DEPTH` and more than :data:`MAX_NODES` values."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node as the SafeLoader does, after refusing what could make the work unbounded."""
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, f"alias *{event.anchor} is not supported (write the value out)")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(line, f"anchor &{event.anchor} is not supported (write the value out)")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(line, f"more than {MAX_NODES:,} values in one file (the most gaikit reads)")
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(line, f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _line_map(root: yaml.Node) -> LineMap:
    """The line of every field path in the document ``root`` (one pass, no recursion)."""
    lines: LineMap = {}
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                if key_node.tag.endswith(":int"):
                    key = int(key)
                lines[path + (key,)] = key_node.start_mark.line + 1
                stack.append((value_node, path + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, path + (index,)) for index, item in enumerate(node.value))
    return lines


def load_yaml_text(text: str, source: str) -> tuple[Any, LineMap]:
    """Parse YAML text safely; ``source`` names it in errors (a file path or ``--set``)."""
    if len(text) > MAX_BYTES:
        raise ConfigError(_too_large(source))
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)  # the reader refuses non-printable characters (a NUL byte) right here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        raise ConfigError(f"{source}:{exc.line}: {exc.problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ConfigError(f"{source}:{line}: malformed YAML: non-printable character {char} is not allowed") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: malformed YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, (_line_map(node) if node is not None else {})


def load_yaml_file(path: Path | str) -> tuple[Any, LineMap]:
    """Read and safely parse a YAML file; a missing or unreadable file is a :class:`ConfigError`."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)  # never more, whatever the file (or /dev/zero) holds
        if len(raw) > MAX_BYTES:
            raise ConfigError(_too_large(str(path)))
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return load_yaml_text(text, str(path))


def _too_large(source: str) -> str:
    return f"{source}: larger than {MAX_BYTES // 1024} KiB, the most gaikit reads from one YAML file"


def line_of(lines: LineMap, path: tuple[Any, ...]) -> int | None:
    """Line of ``path``, or of its nearest recorded ancestor."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
