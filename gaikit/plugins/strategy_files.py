"""Built-in strategy files: ``gaikit/strategies/data/<game>.yaml`` for each game."""

from __future__ import annotations

from pathlib import Path

from gaikit.core.hookspecs import Register, hookimpl

DATA_DIR = Path(__file__).resolve().parent.parent / "strategies" / "data"


@hookimpl
def gaikit_register_strategies(register: Register) -> None:
    """Register each shipped strategy file under the name of the game it is for."""
    for path in sorted(DATA_DIR.glob("*.yaml")):
        register(
            path.stem,
            lambda path=path: path,
            description=f"shipped strategies for {path.stem}",
        )
