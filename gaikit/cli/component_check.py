"""The ``--check`` part of ``gaikit plugins``: build and use every component once, report failures.

A plugin whose factory raises, or whose component breaks a contract clause on
first use, is listed with the clause and the reason; gaikit itself carries on.
"""

from __future__ import annotations

from typing import Any

import typer

from gaikit.core.registry import SINGULAR, Registry
from gaikit.testing.smoke import check_registry


def check_rows(registry: Registry) -> list[dict[str, Any]]:
    """One row per component: kind, name, plugin, ``ok``/``failed``, and the spaces used or the reason."""
    return [
        {
            "kind": SINGULAR[result.spec.kind],
            "name": result.spec.name,
            "plugin": result.spec.plugin,
            "status": "ok" if result.ok else "failed",
            "detail": result.detail,
        }
        for result in check_registry(registry)
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
