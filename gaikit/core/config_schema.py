"""A pydantic options model as rows a person can read: field, type, range, default, description.

Used by ``gaikit plugins --show`` (a component's option schema) and
``gaikit config show`` (each resolved field's description).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

#: Range constraints of a field, as ``annotated_types`` classes and the symbols shown for them.
_BOUNDS = ((annotated_types.Ge, "ge", ">="), (annotated_types.Gt, "gt", ">"),
           (annotated_types.Le, "le", "<="), (annotated_types.Lt, "lt", "<"))


@dataclass(frozen=True)
class FieldRow:
    """One option of a config model."""

    name: str
    type: str
    range: str
    default: Any
    description: str


def type_text(field: FieldInfo) -> str:
    """The field's annotation as short text, e.g. ``float | None`` or ``list[int]``."""
    annotation = field.annotation
    text = annotation.__name__ if isinstance(annotation, type) and not getattr(annotation, "__args__", None) else repr(annotation)
    text = re.sub(r"\btyping\.", "", text)
    text = re.sub(r"Annotated\[(\w+), [^\]]*\]", r"\1", text)  # PositiveInt -> int (its range is shown apart)
    return text.replace("NoneType", "None")


def range_text(field: FieldInfo) -> str:
    """The field's bounds, e.g. ``>= 0, <= 1`` (empty when unbounded)."""
    parts = []
    for meta in field.metadata:
        for cls, attr, symbol in _BOUNDS:
            if isinstance(meta, cls):
                parts.append(f"{symbol} {getattr(meta, attr)}")
    return ", ".join(parts)


def default_of(field: FieldInfo) -> Any:
    """The field's default (a default factory is called); ``"(required)"`` when it has none."""
    if field.default is not PydanticUndefined:
        return field.default
    if field.default_factory is not None:
        return field.default_factory()  # type: ignore[call-arg]
    return "(required)"


def field_rows(model: type[BaseModel]) -> list[FieldRow]:
    """Every field of ``model``, in declaration order."""
    return [
        FieldRow(name, type_text(field), range_text(field), default_of(field), field.description or "")
        for name, field in model.model_fields.items()
    ]
