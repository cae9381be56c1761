"""The rules of ``CatchEnv``: what is caught, what is missed, when the episode ends."""

from __future__ import annotations

import numpy as np
import pytest

from gaikit_game_example.env import CatchEnv


def drop(env: CatchEnv, column: int, bomb: bool, basket: int) -> None:
    """Put a fresh object at the top of ``column`` and the basket at ``basket``."""
    env.column, env.row, env.bomb, env.basket = column, 0, int(bomb), basket


def fall(env: CatchEnv, action: int = 0) -> tuple[list[float], bool, bool]:
    """Step until the current object lands (height - 1 steps): the rewards and the last flags."""
    rewards, terminated, truncated = [], False, False
    for _ in range(env.height - 1):
        _, reward, terminated, truncated, _ = env.step(action)
        rewards.append(reward)
    return rewards, terminated, truncated


@pytest.fixture
def env() -> CatchEnv:
    env = CatchEnv(width=5, height=6, bomb_prob=0.5, lives=2, max_steps=100)
    env.reset(seed=0)
    return env


def test_a_caught_fruit_scores_one_and_only_when_it_lands(env: CatchEnv) -> None:
    drop(env, column=2, bomb=False, basket=2)
    rewards, terminated, _ = fall(env)
    assert rewards == [0.0, 0.0, 0.0, 0.0, 1.0]
    assert env.lives == 2 and not terminated
    assert env.row == 0, "the next object starts at the top"


def test_a_missed_fruit_scores_nothing(env: CatchEnv) -> None:
    drop(env, column=0, bomb=False, basket=4)
    rewards, _, _ = fall(env)
    assert rewards == [0.0] * 5


def test_the_basket_reaches_the_far_column_in_time(env: CatchEnv) -> None:
    drop(env, column=0, bomb=False, basket=4)
    rewards, _, _ = fall(env, action=1)  # left every step: 4 columns in 5 steps, then against the wall
    assert rewards[-1] == 1.0 and env.basket == 0


def test_a_caught_bomb_costs_a_life_and_the_last_life_ends_the_episode(env: CatchEnv) -> None:
    drop(env, column=3, bomb=True, basket=3)
    rewards, terminated, _ = fall(env)
    assert rewards[-1] == -1.0 and env.lives == 1 and not terminated
    drop(env, column=0, bomb=True, basket=0)
    rewards, terminated, _ = fall(env, action=1)  # pressing against the left wall
    assert rewards[-1] == -1.0 and env.lives == 0 and terminated


def test_a_dodged_bomb_is_harmless(env: CatchEnv) -> None:
    drop(env, column=2, bomb=True, basket=2)
    rewards, _, _ = fall(env, action=2)
    assert rewards[-1] == 0.0 and env.lives == 2


def test_the_episode_is_truncated_after_max_steps() -> None:
    env = CatchEnv(max_steps=7, bomb_prob=0.0)
    env.reset(seed=1)
    flags = [env.step(0)[3] for _ in range(7)]
    assert flags == [False] * 6 + [True]


def test_observations_stay_in_the_space_and_render_is_an_image() -> None:
    env = CatchEnv(render_mode="rgb_array")
    obs, _ = env.reset(seed=2)
    env.action_space.seed(2)
    for _ in range(50):
        assert env.observation_space.contains(obs)
        obs, *_ = env.step(env.action_space.sample())
    frame = env.render()
    assert isinstance(frame, np.ndarray) and frame.shape == (8 * 12, 5 * 12, 3) and frame.dtype == np.uint8


def test_a_bad_action_or_render_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="render_mode='human'"):
        CatchEnv(render_mode="human")
    env = CatchEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action 3 is not in Discrete"):
        env.step(3)
