"""The ``gymnasium`` game: env factories, shipped defaults and exact env-state resume."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.core.yamlio import load_yaml_file
from gaikit.plugins.encoders.vector import VectorEncoderConfig
from gaikit.plugins.games.gymnasium_game import GymnasiumGameConfig, make_gymnasium_game
from gaikit.plugins.learners.ddqn import DDQNConfig
from gaikit.plugins.memories.uniform import UniformMemoryConfig
from gaikit.plugins.selectors.epsilon_greedy import EpsilonGreedyConfig


def game(env_id="CartPole-v1", **options):
    return make_gymnasium_game(GymnasiumGameConfig(env_id=env_id, **options))


def rollout(env, actions):
    """Step through ``actions``, resetting (without a seed) whenever an episode ends."""
    trace = []
    for action in actions:
        obs, reward, terminated, truncated, _ = env.step(action)
        trace.append((np.asarray(obs).tolist(), float(reward), terminated, truncated))
        if terminated or truncated:
            obs, _ = env.reset()
            trace.append(("reset", np.asarray(obs).tolist()))
    return trace


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1"])
def test_env_state_round_trip_gives_identical_next_steps(env_id):
    g = game(env_id, max_episode_steps=25)
    source = g.make_env(seed=11)
    source.reset(seed=11)
    source.action_space.seed(0)
    actions = [source.action_space.sample() for _ in range(90)]
    rollout(source, actions[:17])  # mid-episode: elapsed steps and physics state matter

    state = g.env_state(source)
    assert state is not None
    json.dumps(state, default=lambda a: a.tolist())  # plain data plus numpy arrays only

    restored = g.make_env(seed=999)  # a differently seeded env, overwritten by the state
    g.load_env_state(restored, state)
    later = actions[17:]
    expected, got = rollout(source, later), rollout(restored, later)
    assert got == expected
    # the 25-step time limit continued from step 17, and resets reuse the restored RNG
    assert sum(1 for item in expected if item[0] == "reset") >= 2


def test_cartpole_state_covers_time_limit_and_terminal_bookkeeping():
    g = game()
    env = g.make_env(seed=0)
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    layers = {entry["type"]: entry["attrs"] for entry in g.env_state(env)["layers"]}
    assert layers["TimeLimit"]["_elapsed_steps"]["v"] == 3
    assert layers["OrderEnforcing"]["_has_reset"]["v"] is True
    assert set(layers["CartPoleEnv"]) >= {"state", "steps_beyond_terminated", "_np_random"}
    assert layers["CartPoleEnv"]["_np_random"]["t"] == "generator"


class _EngineEnv(gym.Env):
    """An env whose state lives in an opaque engine object."""

    observation_space = gym.spaces.Box(-1, 1, (1,))
    action_space = gym.spaces.Discrete(2)

    def __init__(self):
        self.engine = object()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, dtype=np.float32), {}

    def step(self, action):
        return np.zeros(1, dtype=np.float32), 0.0, False, False, {}


def test_env_with_opaque_state_is_unsupported():
    assert game().env_state(gym.wrappers.TimeLimit(_EngineEnv(), 10)) is None


def test_loading_into_a_different_env_is_a_clear_error():
    g = game()
    state = g.env_state(g.make_env(seed=0))
    with pytest.raises(CheckpointError, match="wrappers"):
        g.load_env_state(gym.wrappers.TimeLimit(g.make_env(), 5), state)
    with pytest.raises(CheckpointError, match="is for 'CartPole-v1'"):
        game("Acrobot-v1").load_env_state(gym.make("Acrobot-v1"), state)


def test_unknown_env_id_is_a_one_line_error():
    with pytest.raises(GaikitError, match="not a registered Gymnasium id") as info:
        game("CartPol-v1")
    assert "\n" not in str(info.value)


def test_make_env_uses_options_and_seed():
    g = game(max_episode_steps=7)
    env = g.make_env(seed=3)
    assert g.name == "CartPole-v1"
    assert env.spec.max_episode_steps == 7
    first = g.make_env(seed=3).reset()[0]
    assert np.array_equal(env.reset()[0], first)  # seeded RNG continues identically


def test_vector_env_autoresets_in_same_step_mode():
    envs = game(max_episode_steps=3).make_vector_env(num_envs=2, seed=0)
    obs, _ = envs.reset(seed=0)
    for _ in range(3):
        obs, _, terminated, truncated, infos = envs.step(np.zeros(2, dtype=np.int64))
    assert np.all(terminated | truncated)
    assert "final_obs" in infos and infos["final_obs"][0].shape == (4,)
    assert not np.array_equal(infos["final_obs"][0], obs[0])  # obs is already the reset one


def test_shipped_defaults_are_valid_layered_ddqn_config():
    path = game().default_config_path()
    data, _ = load_yaml_file(path)
    assert data["components"] == {
        "agent": "learned",
        "encoder": "vector",
        "learner": "ddqn",
        "memory": "uniform",
        "selector": "epsilon-greedy",
    }
    VectorEncoderConfig(**data["encoder"]["vector"])
    DDQNConfig(**data["learner"]["ddqn"])
    UniformMemoryConfig(**data["memory"]["uniform"])
    EpsilonGreedyConfig(**data["selector"]["epsilon-greedy"])
    assert set(data) <= {"components", "game", "train", "encoder", "learner", "memory", "selector"}
