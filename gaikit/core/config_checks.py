"""Checks pydantic's lax validation leaves to gaikit: numbers that are really numbers.

Pydantic (lax mode) turns ``true`` into ``1``, accepts ``nan`` and ``inf``
for ``float`` fields and integers of any size. gaikit's config files must not:

- a boolean given where the field took it as a number is an error
  (``steps: true``);
- a float that is NaN or ±inf is an error, unless the field opts in with
  ``Field(allow_inf_nan=True)`` (and documents what a non-finite value means);
- an integer outside the signed 64-bit range is an error (it would overflow
  numpy and torch).

Only values the user supplied are checked (a walk of the raw input alongside
the validated model), so a model's own defaults are never second-guessed.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from pydantic import BaseModel
from pydantic.fields import FieldInfo

#: Integers must fit a signed 64-bit integer (numpy's int64, torch's int64).
INT64_MAX = 2**63 - 1

#: ``(field path relative to the checked section, message)`` of the first problem found.
Problem = tuple[tuple[Any, ...], str]


def _allows_non_finite(info: FieldInfo | None) -> bool:
    return info is not None and any(getattr(m, "allow_inf_nan", None) is True for m in info.metadata)


def number_problem(raw: Any, validated: Any) -> Problem | None:
    """The first number in ``raw`` that ``validated`` (its pydantic result) should not have accepted.

    ``raw`` is the input as read from YAML (mappings, lists, scalars);
    ``validated`` is the model (or value) pydantic made of it, or of a
    merge of ``raw`` with other layers (then values of ``raw`` that a later
    layer replaced are still checked on their own). Returns
    ``None`` when every supplied number is a real, finite, 64-bit-sized one.
    """
    # An explicit stack, not recursion: depth is bounded by the YAML loader, but a walk needs no stack frames.
    stack: list[tuple[Any, Any, tuple[Any, ...], FieldInfo | None]] = [(raw, validated, (), None)]
    while stack:
        raw_value, value, path, info = stack.pop()
        if isinstance(value, BaseModel) and isinstance(raw_value, Mapping):
            fields = type(value).model_fields
            by_key = {field.alias or name: name for name, field in fields.items()}  # ``if`` for ``if_``
            for key, item in raw_value.items():
                name = by_key.get(key) if isinstance(key, str) else None
                if name is not None:
                    stack.append((item, getattr(value, name, None), path + (key,), fields[name]))
            continue
        if isinstance(value, Mapping) and isinstance(raw_value, Mapping):
            for key, item in raw_value.items():
                if key in value:
                    stack.append((item, value[key], path + (key,), info))
            continue
        if isinstance(value, (list, tuple)) and isinstance(raw_value, (list, tuple)) and len(value) == len(raw_value):
            stack.extend((r, v, path + (i,), info) for i, (r, v) in enumerate(zip(raw_value, value)))
            continue
        problem = _leaf_problem(raw_value, value, info)
        if problem is not None:
            return path, problem
    return None


def _leaf_problem(raw: Any, value: Any, info: FieldInfo | None) -> str | None:
    # ``raw`` may come from a layer another one overrode, so both it and ``value`` are checked.
    if isinstance(raw, bool) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"expected a number, got the boolean {str(raw).lower()}"
    for number in (raw, value):
        if isinstance(number, float) and not math.isfinite(number) and not _allows_non_finite(info):
            return f"expected a finite number, got {number!r}" + (f" (from {raw!r})" if isinstance(raw, str) else "")
        if isinstance(number, int) and not isinstance(number, bool) and not -INT64_MAX - 1 <= number <= INT64_MAX:
            return f"{number} does not fit a 64-bit integer"
    return None
