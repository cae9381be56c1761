"""``gaikit tune``'s search space file: one distribution per config path, read and checked like every config.

A space file maps ``section.field`` paths (the paths of ``--set``) to a
distribution::

    learner.lr: {distribution: loguniform, low: 1.0e-4, high: 3.0e-3}
    learner.target_update_period: {distribution: int, low: 1, high: 1000, log: true}
    learner.n_step: {distribution: choice, values: [1, 3, 5]}
    selector.end_epsilon: {distribution: uniform, low: 0.01, high: 0.2}

``uniform`` and ``loguniform`` draw floats, ``int`` whole numbers (``log:
true`` on a log scale; ``high`` included), ``choice`` one of ``values``
(any YAML value ``--set`` takes). Every mistake is one error naming the file
and line: an unknown distribution or key, an inverted or empty range, a log
range that is not above 0, a float distribution on a whole-number field,
and (by :func:`check_space_against_config`) a path the chosen components do
not have or a bound the field refuses.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from pydantic import BaseModel

from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.yamlio import LineMap, line_of, load_yaml_file

#: The distributions a space file may name, and the keys each takes.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "int": ("low", "high", "log"),
    "choice": ("values",),
}


@dataclass(frozen=True)
class Parameter:
    """One searched config path: its distribution and bounds (``values`` for ``choice``)."""

    path: str
    distribution: str
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    values: tuple[Any, ...] = ()
    #: ``file:line`` of its entry, for errors found later.
    where: str = ""

    def probe_values(self) -> list[Any]:
        """The values checked against the config before any trial runs: both bounds, or every choice."""
        return list(self.values) if self.distribution == "choice" else [self.low, self.high]

    def grid_values(self) -> list[Any]:
        """The values ``--search grid`` runs (``choice`` only)."""
        if self.distribution != "choice":
            raise ConfigError(f"{self.where}: {self.path}: --search grid runs every value of each parameter, so "
                              f"each must be distribution: choice (this one is {self.distribution})")
        return list(self.values)

    def describe(self) -> str:
        """``loguniform [0.0001, 0.003]`` / ``choice [1, 3, 5]`` (for the run header)."""
        if self.distribution == "choice":
            return f"choice {list(self.values)}"
        scale = " log" if self.log and self.distribution == "int" else ""
        return f"{self.distribution}{scale} [{self.low}, {self.high}]"


def read_space(path: Path) -> list[Parameter]:
    """The parameters of a space file, in file order (one :class:`ConfigError` naming file and line otherwise)."""
    data, lines = load_yaml_file(path)
    if not isinstance(data, Mapping) or not data:
        raise ConfigError(f"{path}: expected a mapping of config paths to distributions, e.g. "
                          "learner.lr: {distribution: loguniform, low: 1.0e-4, high: 3.0e-3}")
    return [_parameter(str(key), value, path, lines) for key, value in data.items()]


def _parameter(key: str, spec: Any, path: Path, lines: LineMap) -> Parameter:
    line = line_of(lines, (key,))
    where = f"{path}:{line}" if line else str(path)
    parts = key.split(".")
    if len(parts) < 2 or not all(parts):
        raise ConfigError(f"{where}: {key!r} is not a config path; expected section.field as for --set "
                          "(e.g. learner.lr, train.batch_size)")
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{where}: {key}: expected a mapping such as {{distribution: uniform, low: 0.01, high: 0.2}}, "
                          f"got {spec!r}")
    kind = spec.get("distribution")
    if kind not in DISTRIBUTIONS:
        raise ConfigError(f"{where}: {key}: distribution {kind!r}; expected one of {', '.join(DISTRIBUTIONS)}")
    allowed = ("distribution", *DISTRIBUTIONS[kind])
    unknown = [k for k in spec if k not in allowed]
    if unknown:
        raise ConfigError(f"{where}: {key}: unknown key {unknown[0]!r} for {kind}; expected {', '.join(allowed)}")
    if kind == "choice":
        return _choice(key, spec, where)
    missing = [k for k in ("low", "high") if k not in spec]
    if missing:
        raise ConfigError(f"{where}: {key}: {kind} needs low and high ({missing[0]} is missing)")
    low, high = spec["low"], spec["high"]
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise ConfigError(f"{where}: {key}: {name} must be a finite number, got {bound!r}")
        if kind == "int" and not isinstance(bound, int):
            raise ConfigError(f"{where}: {key}: int needs whole-number bounds, {name} is {bound!r}")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(f"{where}: {key}: log must be true or false, got {log!r}")
    if not low < high:
        raise ConfigError(f"{where}: {key}: low ({low}) must be below high ({high})")
    if (kind == "loguniform" or log) and low <= 0:
        raise ConfigError(f"{where}: {key}: a log scale needs low above 0 (got {low})")
    return Parameter(key, kind, low=low, high=high, log=kind == "loguniform" or log, where=where)


def _choice(key: str, spec: Mapping[str, Any], where: str) -> Parameter:
    values = spec.get("values")
    if not isinstance(values, list) or not values:
        raise ConfigError(f"{where}: {key}: choice needs values, a non-empty list (e.g. values: [1, 3, 5])")
    seen: list[Any] = []
    for value in values:
        if value in seen:
            raise ConfigError(f"{where}: {key}: value {value!r} is listed twice")
        seen.append(value)
    return Parameter(key, "choice", values=tuple(values), where=where)


def check_space_against_config(
    parameters: list[Parameter],
    resolve: Callable[[list[str]], Any],
    field_model: Callable[[Any, str], type[BaseModel] | None],
) -> None:
    """Resolve the run config at each parameter's probe values; the first refusal is one error at its line.

    ``resolve(overrides)`` resolves the run's config with extra ``--set``
    strings (raising :class:`GaikitError`); ``field_model(config, section)``
    gives the pydantic model that holds a section's fields for that config
    (``None`` when unknown), so a float distribution on a whole-number field is refused.
    """
    for parameter in parameters:
        config = None
        for value in parameter.probe_values():
            text = override(parameter.path, value)
            try:
                config = resolve([text])
            except GaikitError as exc:
                message = str(exc).removeprefix("--set: ").removeprefix(f"--set {text}: ")
                raise ConfigError(f"{parameter.where}: {parameter.path} = {value!r}: {message}") from None
        parts = parameter.path.split(".")
        if parameter.distribution not in ("uniform", "loguniform") or config is None or len(parts) != 2:
            continue
        model = field_model(config, parts[0])
        field = model.model_fields.get(parts[1]) if model is not None else None
        if field is not None and _whole_number_field(field.annotation):
            raise ConfigError(f"{parameter.where}: {parameter.path} takes whole numbers; "
                              f"{parameter.distribution} draws fractions (use distribution: int or choice)")


def _whole_number_field(annotation: Any) -> bool:
    """Whether a field's type is ``int`` (``int | None`` included) and not also ``float``."""
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) or \
        typing.get_origin(annotation) is typing.Union else (annotation,)
    kinds = {arg for arg in args if arg is not type(None)}
    return int in kinds and float not in kinds


def override(path: str, value: Any) -> str:
    """``path=value`` as a ``--set`` string (JSON, which YAML reads back as the same value)."""
    return f"{path}={json.dumps(value)}"
