"""The ``semi-random`` selector over Q-values and scores."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.components import Preferences
from gaikit.core.errors import GaikitError
from gaikit.core.registry import get_registry
from gaikit.plugins.selectors.semi_random import q_to_scores


def make(**options: object):
    spec = get_registry().get("selectors", "semi-random")
    return spec.factory(gym.spaces.Discrete(4), spec.config.model_validate(options), seed=3)


def test_registered_with_its_config() -> None:
    spec = get_registry().get("selectors", "semi-random")
    assert spec.config.model_validate({}).randomness == 0.5
    with pytest.raises(Exception):
        spec.config.model_validate({"randomness": -1})
    with pytest.raises(Exception):
        spec.config.model_validate({"randomnes": 1})


def test_q_values_map_to_scores_by_difference_only() -> None:
    q = np.array([[1.0, 2.0, 3.0, 0.0]])
    scores = q_to_scores(q, 1.0)
    assert scores[0, 2] == 1.0
    assert scores[0, 1] == pytest.approx(math.exp(-1))
    assert np.allclose(q_to_scores(q + 1000.0, 1.0), scores)  # shift invariant
    assert np.allclose(q_to_scores(q * 2, 2.0), scores)  # temperature in Q units
    assert q_to_scores(np.array([[np.nan, 1.0, -np.inf, 0.5]]), 1.0)[0].tolist()[0] == 0.0


def test_actions_beyond_the_gap_are_never_explored() -> None:
    """With R = 1 and temperature 1, Q gaps below 2 ln 2 = 1.386 can win; larger gaps never."""
    sel = make(randomness=1.0, temperature=1.0)
    q = np.tile([[5.0, 4.0, 3.5, 0.0]], (20_000, 1))  # gaps 1.0 (can win), 1.5 (cannot), 5 (cannot)
    actions = sel.select(Preferences(values=q), step=0)
    assert set(np.unique(actions)) == {0, 1}
    assert 0.0 < np.mean(actions == 1) < 0.3


def test_explore_false_is_argmax() -> None:
    sel = make(randomness=5.0)
    q = np.array([[0.0, 0.1, 0.2, 0.15]] * 100)
    assert np.all(sel.select(Preferences(values=q), step=0, explore=False) == 2)


def test_scores_mode_and_non_positive_rule() -> None:
    sel = make(values="scores", randomness=1.0)
    s = np.tile([[-1.0, 0.0, 10.0, 100.0]], (5_000, 1))
    actions = sel.select(Preferences(values=s), step=0)
    assert set(np.unique(actions)) == {3}


def test_schedule_moves_randomness_linearly() -> None:
    sel = make(randomness=1.0, final_randomness=0.0, schedule_steps=100)
    assert sel.randomness(0) == 1.0 and sel.randomness(50) == pytest.approx(0.5) and sel.randomness(500) == 0.0
    q = np.tile([[1.0, 0.9, 0.0, 0.0]], (2_000, 1))
    assert np.all(sel.select(Preferences(values=q), step=1_000) == 0)  # R = 0 at the end


def test_state_dict_resumes_the_random_stream() -> None:
    q = np.tile([[1.0, 0.8, 0.6, 0.4]], (64, 1))
    a = make(randomness=2.0)
    a.select(Preferences(values=q), 0)
    state = a.state_dict()
    first = a.select(Preferences(values=q), 1)
    b = make(randomness=2.0)
    b.load_state_dict(state)
    assert np.array_equal(b.select(Preferences(values=q), 1), first)


def test_explain_reports_values_scores_ranges_draws_and_winner() -> None:
    sel = make(randomness=1.0)
    assert sel.explain() is None
    actions = sel.select(Preferences(values=np.array([[2.0, 1.0, 0.0, -1.0]])), 0)
    info = sel.explain()
    row = info["rows"][0]
    assert row["winner"] == actions[0]
    assert [o["value"] for o in row["options"]] == [2.0, 1.0, 0.0, -1.0]
    assert row["options"][0]["base"] == 1.0 and row["options"][0]["range"] == [0.5, 2.0]


def test_rejects_continuous_policies() -> None:
    sel = make()
    with pytest.raises(GaikitError, match="action values"):
        sel.select(Preferences(mean=np.zeros((1, 2)), log_std=np.zeros((1, 2))), 0)
