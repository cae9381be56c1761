"""Behaviour of the Boltzmann selector beyond the contract: schedule and softmax."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from pydantic import ValidationError

from gaikit.core.components import Preferences
from gaikit.core.errors import GaikitError
from gaikit_plugin_example.boltzmann import BoltzmannConfig, make_boltzmann, softmax_probabilities, temperature


@pytest.mark.parametrize("schedule", ["linear", "exponential"])
def test_temperature_anneals_from_start_to_end_and_stays(schedule: str) -> None:
    config = BoltzmannConfig(start_temperature=2.0, end_temperature=0.02, decay_steps=100, schedule=schedule)
    temps = [temperature(step, config) for step in (0, 25, 50, 100, 10_000)]
    assert temps[0] == pytest.approx(2.0)
    assert temps[3] == temps[4] == pytest.approx(0.02)
    assert temps == sorted(temps, reverse=True)
    midpoint = 1.01 if schedule == "linear" else 0.2  # arithmetic vs geometric mean of 2 and 0.02
    assert temps[2] == pytest.approx(midpoint)


def test_softmax_is_stable_and_normalised_for_large_values() -> None:
    probs = softmax_probabilities(np.array([[1e6, 1e6 - 1.0, -1e6]]), temp=1.0)
    assert np.isfinite(probs).all()
    assert probs.sum() == pytest.approx(1.0)
    assert probs[0, 0] / probs[0, 1] == pytest.approx(np.e)


def test_sampling_frequencies_follow_the_softmax() -> None:
    selector = make_boltzmann(gym.spaces.Discrete(3), BoltzmannConfig(start_temperature=1.0, end_temperature=1.0), seed=0)
    values = np.tile(np.array([[0.0, 1.0, 2.0]], np.float32), (20_000, 1))
    actions = selector.select(Preferences(values=values), step=0)
    observed = np.bincount(actions, minlength=3) / len(actions)
    expected = softmax_probabilities(values[:1].astype(np.float64), 1.0)[0]
    assert observed == pytest.approx(expected, abs=0.015)


def test_cold_temperature_is_nearly_greedy_and_hot_nearly_uniform() -> None:
    config = BoltzmannConfig(start_temperature=100.0, end_temperature=0.001, decay_steps=10)
    selector = make_boltzmann(gym.spaces.Discrete(4), config, seed=1)
    values = np.tile(np.array([[0.0, 0.5, 1.0, 0.2]], np.float32), (4_000, 1))
    hot = np.bincount(selector.select(Preferences(values=values), step=0), minlength=4) / 4_000
    cold = selector.select(Preferences(values=values), step=10)
    assert hot.min() > 0.2
    assert (cold == 2).all()
    assert selector.explain()["temperature"] == pytest.approx(0.001)


def test_rejects_continuous_actions_and_missing_values() -> None:
    with pytest.raises(GaikitError, match="needs a Discrete action space"):
        make_boltzmann(gym.spaces.Box(-1, 1, (2,)), BoltzmannConfig(), seed=0)
    selector = make_boltzmann(gym.spaces.Discrete(2), BoltzmannConfig(), seed=0)
    with pytest.raises(GaikitError, match="needs action values"):
        selector.select(Preferences(mean=np.zeros((1, 2))), step=0)


def test_config_rejects_heating_schedules() -> None:
    with pytest.raises(ValidationError, match="end_temperature must not exceed start_temperature"):
        BoltzmannConfig(start_temperature=0.1, end_temperature=1.0)
