"""``gaikit plugins``: every registered component, every plugin that failed to load, every name clash."""

from __future__ import annotations

import json

import typer

from gaikit.cli.app import app
from gaikit.cli.component_check import any_failed, check_rows, echo_check_rows
from gaikit.cli.plugin_show import config_schema, echo_schema, find_component
from gaikit.core.registry import SINGULAR, get_registry


@app.command("plugins")
def plugins_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    check: bool = typer.Option(
        False, "--check", help="Build each component with its default config and use it once; exit 1 if any fails."
    ),
    show: str = typer.Option(
        None, "--show", metavar="NAME", help="Print one component's options (fields, types, ranges, defaults, "
        "descriptions); KIND/NAME (e.g. selector/gaussian) when the name is registered under several kinds."
    ),
) -> int:
    """List components (kind, name, plugin, version, description, with --json its config schema), failed plugins
    and name clashes; --show NAME prints one component's option schema."""
    registry = get_registry()
    if show is not None:
        spec = find_component(registry, show)
        if as_json:
            typer.echo(json.dumps({"kind": SINGULAR[spec.kind], "name": spec.name, "plugin": spec.plugin,
                                   "version": spec.version, "description": spec.description,
                                   "config_schema": config_schema(spec)}, indent=2, default=str))
        else:
            echo_schema(spec)
        return 0
    components = [
        {"kind": SINGULAR[spec.kind], "name": spec.name, "plugin": spec.plugin, "version": spec.version,
         "description": spec.description}
        for spec in registry.all()
    ]
    failed = [{"plugin": p.name, "version": p.version, "reason": p.reason} for p in registry.failures()]
    checks = check_rows(registry) if check else None  # --check: gaikit/cli/component_check.py
    if as_json:
        for row, spec in zip(components, registry.all()):
            row["config_schema"] = config_schema(spec)
        payload = {"components": components, "failed": failed, "clashes": list(registry.clashes)}
        if checks is not None:
            payload["checks"] = checks
        typer.echo(json.dumps(payload, indent=2, default=str))
        return 1 if checks and any_failed(checks) else 0
    columns = ("kind", "name", "plugin", "version", "description")
    widths = {c: max([len(c)] + [len(str(row[c])) for row in components]) for c in columns[:-1]}
    typer.echo("  ".join(c.upper().ljust(widths.get(c, 0)) for c in columns).rstrip())
    for row in components:
        typer.echo("  ".join(str(row[c]).ljust(widths.get(c, 0)) for c in columns).rstrip())
    if failed:
        typer.echo("\nfailed plugins:")
        for entry in failed:
            typer.echo(f"  {entry['plugin']} {entry['version']}: {entry['reason']}")
    if registry.clashes:
        typer.echo("\nname clashes (the later registration is skipped):")
        for clash in registry.clashes:
            typer.echo(f"  {clash}")
    if checks is not None:
        echo_check_rows(checks)
        return 1 if any_failed(checks) else 0
    return 0
