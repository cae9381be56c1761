"""The single-country environment: Gymnasium's checker, actions, observation and features."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from gaikit.plugins.games.realm.features import FEATURES, OBS_CLIP, OBS_SCALE, features_from_observation
from gaikit.plugins.games.realm.game import RealmConfig, RealmGame
from gaikit.plugins.games.realm.player import ACTIONS
from gaikit.plugins.games.realm.world import WORKSHOP


@pytest.fixture(scope="module")
def game() -> RealmGame:
    return RealmGame(RealmConfig(env_years=1))


def test_passes_the_gymnasium_env_checker(game):
    check_env(game.make_env(), skip_render_check=True)


def test_spaces_and_an_episode(game):
    env = game.make_env()
    assert env.action_space.n == len(ACTIONS) and env.observation_space.shape == (len(FEATURES),)
    obs, info = env.reset(seed=1)
    steps, done = 0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(0)
        assert env.observation_space.contains(obs) and np.isfinite(reward)
        steps, done = steps + 1, terminated or truncated
    assert steps == 13 and truncated and info["week"] == 52 and info["date"] == "1836-12-30"


def test_same_seed_same_episode(game):
    def play(seed):
        env = game.make_env()
        env.reset(seed=seed)
        return [env.step(a)[1] for a in (1, 3, 4, 0, 9, 0)]
    assert play(5) == play(5)
    assert play(5) != play(6)


def test_build_actions_queue_construction(game):
    env = game.make_env()
    env.reset(seed=2)
    realm = env.unwrapped.world
    player = realm.countries[0]
    realm.economy.gdp[0] = 5000.0  # room for every project
    assert not player.queue
    _, _, _, _, info = env.step(ACTIONS.index("build_workshop"))
    assert [p.kind for p in player.queue] == [WORKSHOP] and info["did"].startswith("builds workshop@")
    _, _, _, _, info = env.step(ACTIONS.index("raise_taxes"))
    assert player.taxation == 2 and info["did"] == "raise taxes"


def test_the_player_is_not_run_by_the_ai(game):
    env = game.make_env()
    env.reset(seed=3)
    for _ in range(13):
        env.step(0)  # wait a whole year
    realm = env.unwrapped.world
    assert not realm.countries[0].queue and realm.countries[0].taxation == 1
    assert any(c.queue or c.taxation != 1 for c in realm.countries[1:])


def test_features_from_env_and_from_observation_agree(game):
    env = game.make_env()
    obs, _ = env.reset(seed=4)
    exact = game.features(env, obs)
    decoded = game.features(None, obs)
    assert set(exact) == set(FEATURES) == set(decoded)
    for name in FEATURES:  # the observation is each feature / its scale, clipped to [-OBS_CLIP, OBS_CLIP]
        scale = OBS_SCALE.get(name, 1.0)
        expected = float(np.clip(exact[name] / scale, -OBS_CLIP, OBS_CLIP)) * scale
        assert decoded[name] == pytest.approx(expected, rel=1e-5, abs=1e-5), name
    assert features_from_observation(obs) == decoded


def test_renders_the_map():
    env = RealmGame(RealmConfig()).make_env(render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) >= 8  # one colour per country at least
