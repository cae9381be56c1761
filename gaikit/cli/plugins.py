"""``gaikit plugins``: every registered component and every plugin that failed to load."""

from __future__ import annotations

import json

import typer

from gaikit.cli.app import app
from gaikit.core.registry import SINGULAR, get_registry


@app.command("plugins")
def plugins_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> int:
    """List components (kind, name, plugin, version, description) and failed plugins."""
    registry = get_registry()
    components = [
        {"kind": SINGULAR[spec.kind], "name": spec.name, "plugin": spec.plugin, "version": spec.version,
         "description": spec.description}
        for spec in registry.all()
    ]
    failed = [{"plugin": p.name, "version": p.version, "reason": p.reason} for p in registry.failures()]
    if as_json:
        typer.echo(json.dumps({"components": components, "failed": failed}, indent=2))
        return 0
    columns = ("kind", "name", "plugin", "version", "description")
    widths = {c: max([len(c)] + [len(str(row[c])) for row in components]) for c in columns[:-1]}
    typer.echo("  ".join(c.upper().ljust(widths.get(c, 0)) for c in columns).rstrip())
    for row in components:
        typer.echo("  ".join(str(row[c]).ljust(widths.get(c, 0)) for c in columns).rstrip())
    if failed:
        typer.echo("\nfailed plugins:")
        for entry in failed:
            typer.echo(f"  {entry['plugin']} {entry['version']}: {entry['reason']}")
    return 0
