"""``gaikit plugins --show NAME``: one component's option schema (fields, types, ranges, defaults, descriptions).

NAME is a registered name, or ``KIND/NAME`` (kind singular or plural, e.g.
``selector/gaussian``) when the name is registered under several kinds.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

import typer

from gaikit.core.config_schema import field_rows
from gaikit.core.errors import RegistryError
from gaikit.core.registry import KINDS, SINGULAR, ComponentSpec, Registry


def _kind_of(text: str, shown: str) -> str:
    """``selector``/``selectors`` -> ``selectors``; an unknown kind is an error naming ``--show shown``."""
    for kind in KINDS:
        if text in (kind, SINGULAR[kind]):
            return kind
    raise RegistryError(f"--show {shown}: unknown component kind {text!r}; kinds are "
                        f"{', '.join(SINGULAR[k] for k in KINDS)}")


def find_component(registry: Registry, text: str) -> ComponentSpec:
    """The component ``text`` names (``NAME`` or ``KIND/NAME``); unknown or ambiguous names are one clear error."""
    specs = registry.all()
    kind_text, _, name = text.rpartition("/") if "/" in text else ("", "", text)
    if kind_text:
        kind = _kind_of(kind_text, text)
        specs = [s for s in specs if s.kind == kind]
    found = [s for s in specs if s.name == name]
    if len(found) == 1:
        return found[0]
    if found:
        options = ", ".join(f"{SINGULAR[s.kind]}/{s.name}" for s in found)
        raise RegistryError(f"--show {text}: the name is registered under several kinds; pass one of {options}")
    known = sorted({s.name for s in specs})
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else f"; known: {', '.join(known) or '(none)'}"
    what = f"{SINGULAR[_kind_of(kind_text, text)]} " if kind_text else "component "
    raise RegistryError(f"--show {text}: unknown {what}{name!r}{hint}")


def config_schema(spec: ComponentSpec) -> dict[str, Any]:
    """The component's options as a JSON schema (pydantic's ``model_json_schema``)."""
    return spec.config.model_json_schema()


def echo_schema(spec: ComponentSpec) -> None:
    """Print ``spec``'s header and one block per option: name, type, range, default, description."""
    typer.echo(f"{SINGULAR[spec.kind]} {spec.name} ({spec.plugin} {spec.version}): {spec.description}")
    typer.echo(f"options ({spec.config.__name__}); set with --set {SINGULAR[spec.kind]}.FIELD=VALUE"
               if spec.kind in ("encoders", "learners", "memories", "selectors")
               else f"options ({spec.config.__name__})")
    rows = field_rows(spec.config)
    if not rows:
        typer.echo("  (no options)")
        return
    width = max(len(r.name) for r in rows)
    for row in rows:
        bounds = f", {row.range}" if row.range else ""
        typer.echo(f"  {row.name.ljust(width)}  {row.type}{bounds}; default {json.dumps(row.default, default=str)}")
        if row.description:
            typer.echo(f"  {' ' * width}  {row.description}")
