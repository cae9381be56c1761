"""The ``greedy`` and ``epsilon-greedy`` selectors: schedule, seeding, valid actions, state."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from pydantic import ValidationError

from gaikit.core.components import Preferences
from gaikit.core.errors import GaikitError
from gaikit.plugins.selectors.epsilon_greedy import EpsilonGreedyConfig, linear_epsilon, make_epsilon_greedy
from gaikit.plugins.selectors.greedy import GreedyConfig, make_greedy

ACTIONS = gym.spaces.Discrete(4)


def values(rows):
    return Preferences(values=np.asarray(rows, dtype=np.float32))


def eps_greedy(seed=0, action_space=ACTIONS, **config):
    return make_epsilon_greedy(action_space, EpsilonGreedyConfig(**config), seed=seed)


def test_greedy_picks_the_argmax_of_each_row():
    selector = make_greedy(ACTIONS, GreedyConfig(), seed=0)
    actions = selector.select(values([[0, 3, 1, 2], [5, -1, 0, 0], [0, 0, 0, 9]]), step=0)
    assert actions.tolist() == [1, 0, 3]
    assert actions.dtype == np.int64


def test_greedy_adds_the_action_space_start():
    selector = make_greedy(gym.spaces.Discrete(3, start=-1), GreedyConfig(), seed=0)
    assert selector.select(values([[0, 0, 1], [1, 0, 0]]), step=0).tolist() == [1, -1]


def test_greedy_rejects_continuous_spaces_and_policies_clearly():
    with pytest.raises(GaikitError, match="Discrete action space, got Box"):
        make_greedy(gym.spaces.Box(-1, 1, (2,)), GreedyConfig(), seed=0)
    selector = make_greedy(ACTIONS, GreedyConfig(), seed=0)
    with pytest.raises(GaikitError, match="needs action values"):
        selector.select(Preferences(mean=np.zeros((1, 2)), log_std=np.zeros((1, 2))), step=0)
    with pytest.raises(GaikitError, match=r"shape \(batch, 4\)"):
        selector.select(values([[1, 2]]), step=0)


def test_linear_schedule_endpoints_and_midpoint():
    assert linear_epsilon(0, 1.0, 0.1, 100) == 1.0
    assert linear_epsilon(50, 1.0, 0.1, 100) == pytest.approx(0.55)
    assert linear_epsilon(100, 1.0, 0.1, 100) == pytest.approx(0.1)
    assert linear_epsilon(10_000, 1.0, 0.1, 100) == pytest.approx(0.1)
    assert linear_epsilon(0, 1.0, 0.1, 0) == 0.1
    selector = eps_greedy(start_epsilon=0.8, end_epsilon=0.2, decay_steps=10)
    assert selector.epsilon(5) == pytest.approx(0.5)


def test_exploration_rate_follows_epsilon_with_independent_draws_per_env():
    prefs = values(np.tile([0.0, 0.0, 1.0, 0.0], (20_000, 1)))  # greedy action is 2 in every env
    selector = eps_greedy(start_epsilon=1.0, end_epsilon=0.0, decay_steps=100)
    at_half = selector.select(prefs, step=50)
    # epsilon 0.5: half explore, and a random action equals the greedy one 1/4 of the time
    assert np.mean(at_half != 2) == pytest.approx(0.5 * 0.75, abs=0.02)
    assert set(np.unique(at_half)) == {0, 1, 2, 3}
    explored = np.array(selector.explain()["explored"])
    assert explored.mean() == pytest.approx(0.5, abs=0.02)
    assert np.all(at_half[~explored] == 2)
    assert np.all(selector.select(prefs, step=100) == 2)  # epsilon reached 0


def test_explore_false_is_greedy_and_draws_nothing():
    prefs = values([[0, 0, 0, 1]] * 8)
    a, b = eps_greedy(seed=5, end_epsilon=1.0), eps_greedy(seed=5, end_epsilon=1.0)
    assert a.select(prefs, step=0, explore=False).tolist() == [3] * 8
    assert np.array_equal(a.select(prefs, step=0), b.select(prefs, step=0))


def test_same_seed_same_actions_other_seed_differs():
    prefs = values(np.zeros((64, 4)))

    def run(seed):
        selector = eps_greedy(seed=seed)
        return np.concatenate([selector.select(prefs, step) for step in range(0, 5000, 1000)])

    assert np.array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


def test_actions_are_always_valid_for_the_space():
    space = gym.spaces.Discrete(5, start=10)
    selector = eps_greedy(action_space=space, start_epsilon=1.0, end_epsilon=1.0)
    actions = selector.select(values(np.zeros((1000, 5))), step=0)
    assert all(space.contains(int(a)) for a in actions)
    assert set(actions.tolist()) == set(range(10, 15))


def test_state_dict_restores_the_generator_exactly():
    prefs = values(np.zeros((16, 4)))
    first = eps_greedy(seed=1)
    first.select(prefs, step=10)
    state = first.state_dict()
    assert isinstance(state["rng"]["state"]["state"], int)
    second = eps_greedy(seed=99)
    second.load_state_dict(state)
    for step in (20, 30, 40):
        assert np.array_equal(first.select(prefs, step), second.select(prefs, step))


@pytest.mark.parametrize("bad", [{"start_epsilon": 1.5}, {"end_epsilon": -0.1}, {"decay_steps": -1}, {"eps": 0.1}])
def test_bad_config_is_rejected(bad):
    with pytest.raises(ValidationError):
        EpsilonGreedyConfig(**bad)


@pytest.mark.parametrize(("n", "start"), [(9, 0), (4, 2), (300, -5)])
def test_one_env_explores_at_epsilon_within_a_shifted_space(n, start):
    """One env's row: random actions at rate epsilon, every action inside ``Discrete(n, start)``, explained."""
    space = gym.spaces.Discrete(n, start=start)
    selector = eps_greedy(action_space=space, seed=11, start_epsilon=0.3, end_epsilon=0.3, decay_steps=1)
    values = np.zeros((1, n), dtype=np.float32)
    values[0, n - 1] = 1.0  # the greedy action is the last one
    explored = 0
    for step in range(4000):
        action = selector.select(Preferences(values=values), step)
        assert action.dtype == np.int64 and action.shape == (1,)
        assert start <= int(action[0]) < start + n
        explanation = selector.explain()
        assert explanation["epsilon"] == pytest.approx(0.3)
        explored += explanation["explored"][0]
        if not explanation["explored"][0]:
            assert int(action[0]) == start + n - 1
    assert explored / 4000 == pytest.approx(0.3, abs=0.03)
