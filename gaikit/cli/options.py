"""Options several commands share (``run``, ``sweep``, ``tune``, ``config show``): one declaration, one help text.

Each function returns a fresh ``typer.Option`` to use as a parameter's
default, e.g. ``learner: Optional[str] = component_option("learner")``.
"""

from __future__ import annotations

from typing import Any

import typer

#: Help text of each component flag.
COMPONENT_HELP = {
    "agent": "Agent kind: learned, strategy or a plugin's (see gaikit plugins).",
    "encoder": "Encoder plugin (see gaikit plugins).",
    "learner": "Learner plugin (see gaikit plugins).",
    "memory": "Replay memory plugin (see gaikit plugins).",
    "selector": "Action selector plugin (see gaikit plugins).",
}


def component_option(kind: str) -> Any:
    """``--agent``/``--encoder``/``--learner``/``--memory``/``--selector``."""
    return typer.Option(None, f"--{kind}", help=COMPONENT_HELP[kind])


def config_option() -> Any:
    """``--config FILE``."""
    return typer.Option(None, "--config", help="YAML file layered over the game's defaults.")


def set_option(scope: str = "") -> Any:
    """``--set section.field=value`` (repeatable); ``scope`` says what it applies to (``for every trial``)."""
    where = f" {scope}" if scope else ""
    return typer.Option(None, "--set", help=f"Override section.field=value{where} (repeatable).")


def ray_address_option(when: str = "") -> Any:
    """``--ray-address auto|HOST:PORT``; ``when`` qualifies it (``with --actors``)."""
    suffix = f" ({when})" if when else ""
    return typer.Option(None, "--ray-address",
                        help=f"Join this Ray cluster (auto or HOST:PORT) instead of starting a local one{suffix}.")


def max_concurrent_option() -> Any:
    """``--max-concurrent N`` of an experiment's trials."""
    return typer.Option(None, "--max-concurrent",
                        help="Trials running at once (default and maximum: what the cluster's CPUs hold).")
