"""An example third-party gaikit game plugin: ``catch`` (fruit and bombs fall; a basket catches them).

Installing the package registers, through its ``gaikit`` entry point, the
game ``catch`` (:mod:`gaikit_game_example.game`: env, options, default
config, features, exact resume) and its strategy file
(``strategies/catch.yaml``, played by ``gaikit run catch --agent strategy``).
"""

from __future__ import annotations

from pathlib import Path

from gaikit import hookimpl
from gaikit.core.hookspecs import Register
from gaikit_game_example.game import CatchConfig, make_catch

#: The shipped strategy file (package data).
STRATEGIES = Path(__file__).with_name("strategies") / "catch.yaml"


@hookimpl
def gaikit_register_games(register: Register) -> None:
    """Register the ``catch`` game."""
    register("catch", make_catch, config=CatchConfig,
             description="Catch falling fruit, dodge bombs: a 5x8 grid game with strategy features (example plugin).")


@hookimpl
def gaikit_register_strategies(register: Register) -> None:
    """Register ``strategies/catch.yaml`` as the strategies for ``catch``."""
    register("catch", lambda: STRATEGIES, description="shipped strategies for catch (example plugin)")
