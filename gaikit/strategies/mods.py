"""Mods: further YAML layered over a strategy file (``--mod DIR``, repeatable).

A mod is a directory of ``*.yaml`` files (or a single file). Files load in
name order; a file may list ``include: [other.yaml, ...]`` (paths relative
to it), which load first, once each. Each file may set ``mode``:

* ``inject`` (the default): mappings are merged key by key, lists are
  appended (a new modifier joins a weight block's modifiers), numbers and
  strings are overwritten. An entry with an ``id`` replaces the entry with
  the same ``id`` instead: a list item (a modifier) in place, a mapping (a
  weight or tier block) whole.
* ``replace``: every entry the file names -- a rule, strategy type, event,
  decision, strategy or define -- replaces the earlier entry whole.

Later layers win: mods after the base, later ``--mod`` after earlier ones,
later files after earlier ones. An entry changed by two mod files is warned
about, and so is a key written twice in one file. An include cycle, a missing
file or directory, and a mod for another game are errors.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gaikit.core.errors import ConfigError
from gaikit.core.yamlio import load_yaml_file

#: Path in a document -> (file, line).
Located = dict[tuple[Any, ...], tuple[str, int]]
#: Sections whose entries are named (replace works per entry).
NAMED_SECTIONS: tuple[str, ...] = ("defines", "rules", "strategy_types", "events", "decisions", "strategies")
MOD_KEYS: tuple[str, ...] = ("mode", "include")
MODES: tuple[str, ...] = ("inject", "replace")


@dataclass
class Document:
    """Layered YAML data with the file and line every value came from."""

    data: dict[str, Any]
    located: Located
    sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    touched: dict[tuple[str, str], str] = field(default_factory=dict)

    def where(self, path: tuple[Any, ...]) -> str:
        """``file:line`` of ``path`` or its nearest located ancestor."""
        while path:
            if path in self.located:
                source, line = self.located[path]
                return f"{source}:{line}"
            path = path[:-1]
        return self.sources[0] if self.sources else "strategies"


def read_yaml(path: Path) -> tuple[dict[str, Any], Located, list[str]]:
    """A YAML mapping with its located paths and duplicate-key warnings."""
    data, lines = load_yaml_file(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of sections at the top level, got {type(data).__name__}")
    located = {p: (str(path), line) for p, line in lines.items()}
    return data, located, _duplicate_keys(path)


def _duplicate_keys(path: Path) -> list[str]:
    warnings: list[str] = []
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # already reported by load_yaml_file
        return warnings
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if key.value in seen:
                    warnings.append(
                        f"{path}:{line}: duplicate key {key.value!r} (first at line {seen[key.value]}); the later one wins"
                    )
                seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return warnings


def _copy_located(src: Located, src_path: tuple[Any, ...], dst: Located, dst_path: tuple[Any, ...]) -> None:
    n = len(src_path)
    for p, where in src.items():
        if p[:n] == src_path:
            dst[dst_path + p[n:]] = where


def _drop_located(located: Located, path: tuple[Any, ...]) -> None:
    n = len(path)
    for p in [p for p in located if p[:n] == path]:
        del located[p]


def _set(doc: Document, target: dict[str, Any], key: Any, value: Any, path: tuple[Any, ...], src: Located) -> None:
    _drop_located(doc.located, path)
    target[key] = copy.deepcopy(value)
    _copy_located(src, path, doc.located, path)


def _id(entry: Any) -> Any:
    return entry.get("id") if isinstance(entry, dict) else None


def _inject(doc: Document, target: dict[str, Any], key: Any, value: Any, path: tuple[Any, ...], src: Located) -> None:
    current = target.get(key)
    if isinstance(value, dict) and isinstance(current, dict):
        if _id(value) is not None and _id(value) == _id(current):
            _set(doc, target, key, value, path, src)  # the same id: the block is replaced whole
            return
        for k, v in value.items():
            _inject(doc, current, k, v, path + (k,), src)
    elif isinstance(value, list) and isinstance(current, list):
        for i, item in enumerate(value):
            ids = [_id(x) for x in current]
            at = ids.index(_id(item)) if _id(item) is not None and _id(item) in ids else len(current)
            if at == len(current):
                current.append(copy.deepcopy(item))
            else:
                current[at] = copy.deepcopy(item)
                _drop_located(doc.located, path + (at,))
            _copy_located(src, path + (i,), doc.located, path + (at,))
    else:
        _set(doc, target, key, value, path, src)


def layer(doc: Document, data: dict[str, Any], located: Located, source: str, *, is_mod: bool = True) -> None:
    """Layer one file's ``data`` over ``doc`` in the file's ``mode`` (in place)."""
    mode = data.get("mode", "inject")
    if mode not in MODES:
        line = located.get(("mode",), (source, 1))[1]
        raise ConfigError(f"{source}:{line}: mode: expected 'inject' or 'replace', got {mode!r}")
    game, base_game = data.get("game"), doc.data.get("game")
    if is_mod and game is not None and base_game is not None and game != base_game:
        line = located.get(("game",), (source, 1))[1]
        raise ConfigError(f"{source}:{line}: game: this mod is for {game!r}, but the strategies are for {base_game!r}")
    doc.sources.append(source)
    for section, value in data.items():
        if section in MOD_KEYS:
            continue
        if section in NAMED_SECTIONS and isinstance(value, dict):
            target = doc.data.setdefault(section, {})
            if not isinstance(target, dict):
                _set(doc, doc.data, section, value, (section,), located)
                continue
            doc.located.setdefault((section,), located[(section,)])
            for name, entry in value.items():
                _note(doc, section, name, source, is_mod)
                if mode == "replace":
                    _set(doc, target, name, entry, (section, name), located)
                else:
                    _inject(doc, target, name, entry, (section, name), located)
        elif mode == "inject":
            _inject(doc, doc.data, section, value, (section,), located)
        else:
            _set(doc, doc.data, section, value, (section,), located)


def _note(doc: Document, section: str, name: str, source: str, is_mod: bool) -> None:
    key = (section, str(name))
    previous = doc.touched.get(key)
    if previous is not None and previous != source:
        doc.warnings.append(f"{section}.{name}: changed by {previous} and again by {source}; the later one wins")
    if is_mod:
        doc.touched[key] = source


def mod_files(mod: Path) -> list[Path]:
    """The files of one mod in load order: name order, each file's includes first."""
    mod = Path(mod)
    if mod.is_file():
        roots = [mod]
    elif mod.is_dir():
        roots = sorted(p for p in mod.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not roots:
            raise ConfigError(f"mod {mod}: no .yaml files in the directory")
    else:
        raise ConfigError(f"mod {mod}: no such file or directory")
    order: list[Path] = []
    for root in roots:
        _visit(root.resolve(), [], order, None)
    return order


def _visit(path: Path, stack: list[Path], order: list[Path], referrer: str | None) -> None:
    if path in order:
        return
    if path in stack:
        cycle = " -> ".join(p.name for p in stack[stack.index(path):] + [path])
        raise ConfigError(f"{referrer}: include cycle: {cycle}")
    if not path.is_file():
        raise ConfigError(f"{referrer}: include {path.name!r}: file not found ({path})")
    data, located, _ = read_yaml(path)
    includes = data.get("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        line = located.get(("include",), (str(path), 1))[1]
        raise ConfigError(f"{path}:{line}: include: expected a list of file paths")
    for i, name in enumerate(includes):
        line = located.get(("include", i), located.get(("include",), (str(path), 1)))[1]
        _visit((path.parent / name).resolve(), stack + [path], order, f"{path}:{line}")
    order.append(path)


def apply_mods(doc: Document, mods: list[Path] | tuple[Path, ...]) -> Document:
    """Layer each mod (directory or file) over ``doc`` in order; returns ``doc``."""
    for mod in mods:
        for path in mod_files(Path(mod)):
            data, located, warnings = read_yaml(path)
            doc.warnings.extend(warnings)
            layer(doc, data, located, str(path))
    return doc
