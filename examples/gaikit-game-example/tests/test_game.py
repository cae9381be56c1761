"""The game's features, options and default config, as gaikit reads them."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from gaikit_game_example.game import DEFAULTS, FEATURES, CatchConfig, CatchGame


def test_features_describe_where_the_object_falls() -> None:
    game = CatchGame(CatchConfig())
    bomb_left = game.features(None, np.array([3, 1, 6, 1, 2], np.float32))
    assert bomb_left["offset"] == -2 and bomb_left["rows_left"] == 1 and bomb_left["lives"] == 2
    assert (bomb_left["bomb_left"], bomb_left["bomb_here"], bomb_left["fruit_left"]) == (1.0, 0.0, 0.0)
    fruit_here_at_wall = game.features(None, np.array([4, 4, 0, 0, 3], np.float32))
    assert fruit_here_at_wall["fruit_here"] == 1.0 and fruit_here_at_wall["at_right_wall"] == 1.0
    assert fruit_here_at_wall["rows_left"] == 7
    assert list(bomb_left) == list(FEATURES) == game.feature_names()


def test_the_options_are_validated() -> None:
    with pytest.raises(ValidationError, match="bomb_prob"):
        CatchConfig(bomb_prob=1.5)
    with pytest.raises(ValidationError, match="width 9 needs height >= 9"):
        CatchConfig(width=9, height=8)


def test_the_default_config_ships_inside_the_package() -> None:
    assert DEFAULTS.is_file() and DEFAULTS.parent.name == "gaikit_game_example"
    layered = yaml.safe_load(DEFAULTS.read_text())
    assert layered["components"]["learner"] == "ddqn" and layered["game"] == {"width": 5, "height": 8, "bomb_prob": 0.3}
