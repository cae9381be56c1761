"""The game and its strategy file honour gaikit's contracts: subclass a contract, provide its fixtures.

``pytest --gaikit-contract=gaikit-game-example`` runs the same clauses against
everything the installed plugin registered, built with default options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from gaikit.core.components import Game
from gaikit.testing import GameContract, StrategyFileContract
from gaikit_game_example import STRATEGIES
from gaikit_game_example.game import FEATURES, CatchConfig, make_catch


class TestCatchGame(GameContract):
    """``catch`` with its default options and with a wide, bomb-only grid."""

    @pytest.fixture(params=[CatchConfig(), CatchConfig(width=9, height=9, bomb_prob=1.0, lives=1)],
                    ids=["defaults", "wide-bombs"])
    def make_game(self, request: pytest.FixtureRequest) -> Callable[[], Game]:
        return lambda: make_catch(request.param)


class TestCatchStrategies(StrategyFileContract):
    """``strategies/catch.yaml`` loads against the game's features, without warnings."""

    @pytest.fixture
    def strategy_path(self) -> Path:
        return STRATEGIES

    @pytest.fixture
    def game_features(self) -> tuple[str, ...]:
        return FEATURES
