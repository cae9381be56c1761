"""Per-country history files: starting strategies, desires, laws and values by country tag.

A history file (or every ``*.yaml``/``*.yml`` of a directory, in name order)
is YAML like::

    countries:
      AVA:                                    # a country tag (gaikit.plugins.games.realm.world.country_tags)
        strategies: {political: conservative} # strategy type -> starting strategy (instead of a roll)
        desires: {BOR: antagonize}            # tag -> starting desire toward that country
        laws: {taxation: high, conscription: low}
        values: {neutrality: {add: 20}, boldness: 30}   # like a strategy's values: override/add/multiply

It is given by ``game.history`` (``--set game.history=PATH``). Every error
is one line naming the file, the line and the field: an unknown tag, key,
strategy type or strategy, desire, law level or value name. A tag may be
set in one file only. Desires toward a country that is not relevant (see
:func:`gaikit.plugins.games.realm.diplomacy.relevant`) at the start are
dropped, as any desire is when its target stops being relevant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gaikit.core.errors import ConfigError
from gaikit.core.yamlio import LineMap, line_of, load_yaml_file
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.schema import StrategyValue
from gaikit.strategies.triggers import flag_key
from gaikit.strategies.weights import CompiledMerge, compile_merge

Desire = Literal["befriend", "reconcile", "protect", "antagonize", "conquer", "dominate"]
Level = Literal["low", "medium", "high"]
LAW_LEVELS: tuple[str, ...] = ("low", "medium", "high")


class CountryHistory(BaseModel):
    """One country's starting state."""

    model_config = ConfigDict(extra="forbid", strict=True)

    strategies: dict[str, str] = Field(default_factory=dict, description="Strategy type -> starting strategy.")
    desires: dict[str, Desire] = Field(default_factory=dict, description="Country tag -> starting desire toward it.")
    laws: dict[Literal["taxation", "conscription"], Level] = Field(default_factory=dict, description="Law -> level.")
    values: dict[str, StrategyValue] = Field(default_factory=dict, description="Default value -> this country's change.")


class HistoryFile(BaseModel):
    """A history file: ``countries:`` by tag."""

    model_config = ConfigDict(extra="forbid", strict=True)

    countries: dict[str, CountryHistory] = Field(default_factory=dict)


@dataclass
class Entry:
    """One country's history and where it was written."""

    tag: str
    history: CountryHistory
    source: str
    lines: LineMap

    def where(self, *path: Any) -> str:
        """``file:line: countries.TAG.path`` of a field of this entry."""
        full = ("countries", self.tag, *path)
        line = line_of(self.lines, full)
        return f"{self.source}:{line or 1}: {'.'.join(str(p) for p in full)}"


@dataclass
class History:
    """Every country's history, by tag, with compiled value changes."""

    entries: dict[str, Entry] = field(default_factory=dict)
    values: dict[str, dict[str, CompiledMerge]] = field(default_factory=dict)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise ConfigError(f"{path}: no .yaml history files in the directory")
        return files
    if not path.is_file():
        raise ConfigError(f"{path}: history file not found (game.history: a YAML file or a directory of them)")
    return [path]


def _validation_error(exc: ValidationError, source: str, lines: LineMap) -> ConfigError:
    err = min(exc.errors(), key=lambda e: -len(e["loc"]))
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("quantity", "block", "merge")))
    where = f"{source}:{line_of(lines, loc) or 1}: {'.'.join(str(p) for p in loc) or '(top level)'}"
    if err["type"] == "extra_forbidden":
        takes = "a history file takes 'countries:'" if len(loc) == 1 else "a country takes strategies, desires, laws, values"
        return ConfigError(f"{where}: unknown field ({takes})")
    message = err["msg"].removeprefix("Value error, ")
    return ConfigError(f"{where}: {message} (got {err.get('input')!r})")


def read_history(path: str | Path) -> list[Entry]:
    """Parse a history file or directory (syntax and shape only); errors name file, line and field."""
    entries: dict[str, Entry] = {}
    for file in _files(Path(path)):
        data, lines = load_yaml_file(file)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ConfigError(f"{file}:1: expected a mapping with 'countries:' at the top level, got {type(data).__name__}")
        try:
            model = HistoryFile.model_validate(data)
        except ValidationError as exc:
            raise _validation_error(exc, str(file), lines) from None
        for tag, country in model.countries.items():
            entry = Entry(tag, country, str(file), lines)
            if tag in entries:
                raise ConfigError(f"{entry.where()}: country {tag} is already set in {entries[tag].where()}")
            entries[tag] = entry
    return list(entries.values())


def check_history(entries: list[Entry], strategies: StrategySet, tags: list[str]) -> History:
    """Check every tag, strategy, desire and value against the world; compile the value changes."""
    out = History()
    known_tags = ", ".join(tags)
    values = strategies.default_values
    features = set(strategies.features)
    flags = {flag_key("has_strategy", sid) for sid in strategies.strategies} | {flag_key("country", tag) for tag in tags}
    flags |= {flag_key("has_game_rule", rule, preset) for rule, spec in strategies.rules.items() for preset in spec.presets}
    for e in entries:
        if e.tag not in tags:
            raise ConfigError(f"{e.where()}: unknown country tag {e.tag!r}; countries: {known_tags}")
        for type_name, sid in e.history.strategies.items():
            tp = strategies.types.get(type_name)
            if tp is None:
                raise ConfigError(f"{e.where('strategies', type_name)}: unknown strategy type {type_name!r}; "
                                  f"types: {', '.join(strategies.types)}")
            if sid not in tp.strategies:
                raise ConfigError(f"{e.where('strategies', type_name)}: {sid!r} is not a strategy of type {type_name!r}; "
                                  f"those are {', '.join(tp.strategies)}")
        for tag in e.history.desires:
            if tag not in tags or tag == e.tag:
                raise ConfigError(f"{e.where('desires', tag)}: expected the tag of another country; countries: {known_tags}")
        merges = {}
        for name, raw in e.history.values.items():
            if name not in values:
                raise ConfigError(f"{e.where('values', name)}: unknown value {name!r}; values: {', '.join(sorted(values))}")
            merge = compile_merge(raw, ("values", name))
            unknown = sorted(n for n in merge.weight.names() if n not in features and n not in flags)
            if unknown:
                raise ConfigError(f"{e.where('values', name)}: unknown name {unknown[0]!r}; a country's values read "
                                  f"the game's features and the conditions has_strategy, has_game_rule and country")
            merges[name] = merge
        out.entries[e.tag] = e
        out.values[e.tag] = merges
    return out


def apply_laws_and_values(history: History, countries: list[Any]) -> None:
    """Set each listed country's laws and its engine's value changes (before the world is founded)."""
    for c in countries:
        entry = history.entries.get(c.tag)
        if entry is None:
            continue
        for law, level in entry.history.laws.items():
            setattr(c, law, LAW_LEVELS.index(level))
        c.engine.overrides = dict(history.values.get(c.tag, {}))
        for type_name, sid in entry.history.strategies.items():
            c.engine.set_strategy(type_name, sid, cause="history")


def load_history(path: str | Path, strategies: StrategySet, tags: list[str]) -> History:
    """Read and check a history file or directory for a world whose countries have ``tags``."""
    return check_history(read_history(path), strategies, tags)
