"""The strategy-file contract: shipped strategy YAML loads cleanly for its game.

Subclass :class:`StrategyFileContract` and provide a ``strategy_path`` fixture
(a strategy YAML file, or a directory of them loaded as one layered set).
Override ``game_features`` (default: none) with the names the game's
``feature_names()`` declares, so triggers that read them validate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pytest

from gaikit.testing.clauses import check, violation


def load(path: Path, game_features: Iterable[str], clause: str) -> Any:
    """``gaikit.strategies.loader.load_strategies``; an error violates ``clause``."""
    from gaikit.strategies.loader import load_strategies

    features = tuple(game_features)
    try:
        return load_strategies(path, game_features=features)
    except Exception as exc:  # the loader's one-line error names file, line and field
        hint = "" if features else " (no game features were given: is a game of that name registered?)"
        violation(clause, f"loading {path} raised {type(exc).__name__}: {exc}{hint}")


class StrategyFileContract:
    """Contract tests for a strategy file or directory (see the module docstring)."""

    @pytest.fixture
    def game_features(self) -> tuple[str, ...]:
        """Feature names the game declares (override for your game)."""
        return ()

    def test_strat_1_path_exists(self, strategy_path: Any) -> None:
        """STRAT-1: a ``.yaml`` file, or a directory holding at least one."""
        path = Path(strategy_path)
        if path.is_dir():
            found = [p for p in path.iterdir() if p.suffix in (".yaml", ".yml")]
            check(found, "STRAT-1", f"{path} holds no .yaml files")
        else:
            check(path.is_file(), "STRAT-1", f"{path} does not exist")
            check(path.suffix in (".yaml", ".yml"), "STRAT-1", f"{path} is not a .yaml file")

    def test_strat_2_loads(self, strategy_path: Any, game_features: tuple[str, ...]) -> None:
        """STRAT-2: schema validation and compilation succeed against the game's features."""
        strategies = load(Path(strategy_path), game_features, "STRAT-2")
        check(strategies is not None, "STRAT-2", "the loader returned nothing")

    def test_strat_3_no_warnings(self, strategy_path: Any, game_features: tuple[str, ...]) -> None:
        """STRAT-3: the loader reports no warnings for the file."""
        strategies = load(Path(strategy_path), game_features, "STRAT-2")
        warnings = list(getattr(strategies, "warnings", []) or [])
        check(not warnings, "STRAT-3", f"{len(warnings)} warning(s), first: {warnings[0] if warnings else ''}")
