"""The ``--check`` part of ``gaikit plugins``: build and use every component once, report failures.

A plugin whose factory raises, or whose component breaks a contract clause on
first use, is listed with the clause and the reason; gaikit itself carries on.
"""

from __future__ import annotations

from typing import Any

import typer

from gaikit.core.registry import SINGULAR, Registry
from gaikit.testing.smoke import USE, check_component


#: Kinds with a contract to check: every kind, agent kinds (built for a game) and worlds (a short run) included.
CHECKED_KINDS: tuple[str, ...] = tuple(USE)


def check_rows(registry: Registry) -> list[dict[str, Any]]:
    """One row per component with a contract: kind, name, plugin, ``ok``/``failed``, and the spaces used or the reason.

    Agent kinds are built for a game (declared with ``agent_games``, or probed) and act once;
    worlds run a short run into a temporary directory.
    """
    return [
        {
            "kind": SINGULAR[result.spec.kind],
            "name": result.spec.name,
            "plugin": result.spec.plugin,
            "status": "ok" if result.ok else "failed",
            "detail": result.detail,
        }
        for result in (check_component(spec, registry) for spec in registry.all() if spec.kind in CHECKED_KINDS)
    ]


def echo_check_rows(rows: list[dict[str, Any]]) -> None:
    """Print the check results under the component table."""
    typer.echo("\ncheck (default config, sample spaces; full suite: pytest --gaikit-contract=PLUGIN):")
    width = max([len(f"{r['kind']} {r['name']}") for r in rows] + [0])
    for row in rows:
        label = f"{row['kind']} {row['name']}".ljust(width)
        status = "ok    " if row["status"] == "ok" else "FAILED"
        typer.echo(f"  {status} {label}  {row['plugin']}: {row['detail']}")
    failed = sum(row["status"] != "ok" for row in rows)
    typer.echo(f"{len(rows) - failed} ok, {failed} failed")


def any_failed(rows: list[dict[str, Any]]) -> bool:
    """Whether a component failed its check."""
    return any(row["status"] != "ok" for row in rows)
