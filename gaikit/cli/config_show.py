"""``gaikit config show GAME``: the fully resolved run config, each field with its description and source.

Resolves exactly as ``gaikit run`` does (:func:`gaikit.resolve.resolve_cli_config`)
and prints, per field, its value, where the value came from (``pydantic default``:
the pydantic default; ``game defaults``, ``zoo``, ``--config`` with the file;
the ``--set`` that set it) and its description.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.options import component_option, config_option, set_option
from gaikit.core.build import check_agent_kind
from gaikit.core.config_trace import TracedField, trace_config
from gaikit.core.registry import get_registry
from gaikit.resolve import resolve_cli_config

config_app = typer.Typer(help="Inspect how a run's config is resolved.", no_args_is_help=True)
app.add_typer(config_app, name="config")


def _shown(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _echo_rows(rows: list[TracedField]) -> None:
    width_path = max(len(r.path) for r in rows)
    width_value = min(max(len(_shown(r.value)) for r in rows), 24)
    section = None
    for row in rows:
        head = row.path.split(".", 1)[0]
        if head != section:
            typer.echo(f"{'' if section is None else chr(10)}[{head}]")
            section = head
        typer.echo(f"  {row.path.ljust(width_path)}  {_shown(row.value).ljust(width_value)}  "
                   f"<- {row.source}\n  {' ' * width_path}  {row.description}".rstrip())


@config_app.command("show")
def show_command(
    game: str = typer.Argument(..., help="A gaikit game or any Gymnasium id, e.g. Pendulum-v1."),
    agent: Optional[str] = component_option("agent"),
    encoder: Optional[str] = component_option("encoder"),
    learner: Optional[str] = component_option("learner"),
    memory: Optional[str] = component_option("memory"),
    selector: Optional[str] = component_option("selector"),
    config: Optional[Path] = config_option(),
    set_: Optional[list[str]] = set_option(),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of {path, value, source, description}."),
) -> int:
    """Print GAME's fully resolved config: per field its value, source and description."""
    registry = get_registry()
    if agent is not None:
        check_agent_kind(registry, agent)
    choices = {"agent": agent, "encoder": encoder, "learner": learner, "memory": memory, "selector": selector}
    layers: list[Any] = []
    resolved = resolve_cli_config(registry, game, config_file=config, choices=choices, train_flags={},
                                  overrides=set_ or [], trace=layers)
    rows = trace_config(registry, resolved, layers, choices)
    if as_json:
        typer.echo(json.dumps([row.__dict__ for row in rows], indent=2))
    else:
        _echo_rows(rows)
    return 0
