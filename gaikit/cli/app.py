"""The typer application object; command modules attach their commands to it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="gaikit",
    help="gaikit: train, play, compare, mod and explain game AI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Set by the ``--debug`` flag: show tracebacks instead of one-line errors.
DEBUG = {"enabled": False}


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")) -> None:
    """gaikit: train, play, compare, mod and explain game AI."""
    DEBUG["enabled"] = debug
