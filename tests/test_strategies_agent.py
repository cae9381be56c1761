"""The strategy agent on a toy game with declared features."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from _strategy_toys import LANES_YAML, LanesConfig, LanesGame, lanes  # noqa: F401  (fixture)

from gaikit.core.components import Transition
from gaikit.core.errors import ConfigError
from gaikit.strategies.agent import StrategyAgent
from gaikit.strategies.loader import load_strategies


@pytest.fixture
def game() -> LanesGame:
    return LanesGame(LanesConfig(max_steps=60))


def make_agent(path: Path, game: LanesGame, **kwargs) -> StrategyAgent:
    strategies = load_strategies(path, game_features=game.feature_names())
    return StrategyAgent(game, strategies, action_space=gym.spaces.Discrete(3), **kwargs)


def play(game: LanesGame, choose, episodes: int, seed: int) -> tuple[float, float]:
    """Mean coins and mean lives lost per episode for a policy ``choose(obs) -> action``."""
    env = game.make_env()
    coins, lost = [], []
    for ep in range(episodes):
        obs, info = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(choose(obs))
            total += reward
            done = terminated or truncated
        coins.append(total)
        lost.append(3 - info["lives"])
    return float(np.mean(coins)), float(np.mean(lost))


def test_the_strategy_agent_plays_by_its_features(lanes: Path, game: LanesGame) -> None:
    agent = make_agent(lanes, game, seed=1)
    rng = np.random.default_rng(0)
    smart = play(game, lambda obs: int(agent.act(obs[None], 0)[0]), 20, 100)
    random = play(game, lambda obs: int(rng.integers(3)), 20, 100)
    assert smart[1] == 0.0 and random[1] > 1.0  # never walks into danger: it is must-not-have
    assert smart[0] > random[0] * 1.5  # takes the coins


def test_events_change_points_and_episode_reset(tmp_path: Path, game: LanesGame) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(LANES_YAML.replace("change_points: {life_lost: 100}", "change_points: {reward: 40, tick: 1}"))
    agent = make_agent(path, game, seed=4)
    obs = np.array([[1, 1, 0, 3]], dtype=np.float32)
    agent.act(obs, 0)
    engine = agent._engines[True][0]
    assert engine.points["mood"] == 1.0  # tick
    step = Transition(obs, np.array([0]), np.array([2.0]), obs, np.array([False]), np.array([False]), {"lives": np.array([3])})
    agent.observe(step)
    assert engine.points["mood"] == 81.0  # reward 2 x 40
    agent.observe(Transition(obs, np.array([0]), np.array([1.0]), obs, np.array([False]), np.array([False]), {}))
    assert engine.points["mood"] == 0.0 and engine.history[-1]["cause"] == "event reward"
    agent.observe(Transition(obs, np.array([0]), np.array([0.0]), obs, np.array([True]), np.array([False]), {}))
    assert engine.active == {}  # a new game rolls afresh


def test_records_for_explain_jsonl(lanes: Path, game: LanesGame) -> None:
    agent = make_agent(lanes, game, seed=2, num_envs=2)
    obs = np.array([[1, 2, 0, 3], [0, 0, 1, 1]], dtype=np.float32)
    actions = agent.act(obs, 7)
    assert actions.tolist()[0] == 1 and actions.tolist()[1] == 0  # coin above; coin here
    records = agent.explain_records()
    kinds = [r["kind"] for r in records]
    assert kinds.count("strategy_change") == 2 and kinds.count("decision") == 2
    decision = [r for r in records if r["kind"] == "decision"][1]
    assert decision["step"] == 7 and decision["env"] == 1 and decision["winner"] == "stay"
    assert agent.explain_records() == []
    agent.act(obs, 8, explore=False)  # evaluation play is not recorded
    assert agent.explain_records() == []
    assert len(agent.explain()["decisions"]) == 2


def test_state_dict_round_trip(lanes: Path, game: LanesGame) -> None:
    a = make_agent(lanes, game, seed=3)
    obs = np.array([[1, 2, 0, 3]], dtype=np.float32)
    a.act(obs, 0)
    state = a.state_dict()
    b = make_agent(lanes, game, seed=99)
    b.load_state_dict(state)
    assert [a.act(obs, i)[0] for i in range(40)] == [b.act(obs, i)[0] for i in range(40)]


def test_actions_are_checked_against_the_action_space(tmp_path: Path, game: LanesGame) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(LANES_YAML.replace("action: 2", "action: 7"))
    with pytest.raises(ConfigError, match=r"decisions.move.options.down.action: expected an integer action in \[0, 3\)"):
        make_agent(path, game)
    path.write_text(LANES_YAML.replace("act: move\n", ""))
    with pytest.raises(ConfigError, match="act: the strategy agent needs"):
        make_agent(path, game)


def test_no_allowed_option_is_a_clear_error_not_a_crash(tmp_path: Path, game: LanesGame) -> None:
    path = tmp_path / "forbidding.yaml"
    path.write_text(LANES_YAML.replace("tier: {value: wants-to-have", "tier: {value: must-not-have"))
    agent = make_agent(path, game)
    obs, _ = game.make_env(seed=0).reset(seed=0)
    with pytest.raises(ConfigError, match="every option is must-not-have"):
        agent.act(obs[None], 0)
