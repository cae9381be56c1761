"""Load strategy files: safe YAML, mods layered, validation with file:line:field, compile.

YAML is read with :mod:`gaikit.core.yamlio` (``yaml.SafeLoader`` only); every
value keeps the file and line it came from, through mods too, so an error in
a mod names the mod's file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from pydantic import ValidationError

from gaikit.core.config_checks import number_problem
from gaikit.core.errors import ConfigError
from gaikit.strategies.compile import compile_strategies
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.mods import MOD_KEYS, Document, apply_mods, layer, read_yaml
from gaikit.strategies.schema import StrategyFile


def load_document(base: Path | str, mods: Sequence[Path | str] = ()) -> Document:
    """The base file (or every ``*.yaml`` of a directory, in name order) with ``mods`` layered on."""
    base = Path(base)
    if base.is_dir():
        files = sorted(p for p in base.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise ConfigError(f"{base}: no .yaml strategy files in the directory")
    elif base.is_file():
        files = [base]
    else:
        raise ConfigError(f"{base}: strategy file not found")
    doc = Document({}, {}, [])
    for i, path in enumerate(files):
        data, located, warnings = read_yaml(path)
        if i == 0:
            for key in MOD_KEYS:
                if key in data:
                    line = located[(key,)][1]
                    raise ConfigError(f"{path}:{line}: {key}: only mod files take {key!r}; pass this file with --mod")
        doc.warnings.extend(warnings)
        layer(doc, data, located, str(path), is_mod=i > 0)
    return apply_mods(doc, [Path(m) for m in mods])


def _clean_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union tags from ``loc``: keep only keys present in the document."""
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
    return tuple(out)


def format_error(exc: ValidationError, doc: Document) -> str:
    """One line: ``file:line: field.path: what was expected (got ...)``, for the most specific error."""
    best = None
    for err in exc.errors():
        loc = _clean_loc(doc.data, tuple(err["loc"]))
        if best is None or len(loc) > len(best[0]):
            best = (loc, err)
    assert best is not None
    loc, err = best
    field = ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{doc.where(loc)}: {field}: unknown field"
    if err["type"] == "missing":
        missing = err["loc"][-1]
        return f"{doc.where(loc)}: {field}: missing required field {missing!r}"
    message = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    quiet = err["type"] == "value_error" or isinstance(got, (dict, list)) or "got" in message
    suffix = "" if quiet else f" (got {got!r})"
    return f"{doc.where(loc)}: {field}: {message}{suffix}"


def validate_document(doc: Document) -> StrategyFile:
    """Validate layered data against :class:`StrategyFile`; errors name file, line and field.

    Numbers must be finite and fit 64 bits (:func:`~gaikit.core.config_checks.number_problem`).
    """
    try:
        model = StrategyFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(format_error(exc, doc)) from None
    problem = number_problem(doc.data, model)  # NaN, infinities and integers beyond 64 bits
    if problem is not None:
        path, message = problem
        raise ConfigError(f"{doc.where(path)}: {'.'.join(str(p) for p in path)}: {message}")
    return model


def load_strategies(
    base: Path | str,
    mods: Sequence[Path | str] = (),
    *,
    game_features: Iterable[str] = (),
    game_offers: Mapping[str, Sequence[str] | None] | None = None,
) -> StrategySet:
    """Load, layer, validate and compile; the result is ready for engines and agents.

    ``game_offers`` (decision -> option kinds the game offers, ``None``: any)
    refuses decisions and options the game would never use.
    """
    doc = load_document(base, mods)
    model = validate_document(doc)
    compiled = compile_strategies(model, doc.where, game_features, source=str(base), game_offers=game_offers)
    compiled.raw = doc.data
    compiled.warnings = list(doc.warnings)
    compiled.sources = list(doc.sources)
    return compiled
