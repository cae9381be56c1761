"""``train.eval_epsilon``: evaluation with a small chance of random actions (Nature DQN's Atari protocol)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gaikit.cli import main
from gaikit.core.components import Agent
from gaikit.core.evaluation import evaluate
from gaikit.core.errors import GaikitError


class AlwaysLeft(Agent):
    """Pushes CartPole left whatever it sees and records what the env was actually sent."""

    def act(self, obs, step, explore=True):
        return np.zeros(len(obs), dtype=np.int64)


class CountingEnv(gym.Wrapper):
    """Counts the actions CartPole receives."""

    counts = np.zeros(2, dtype=np.int64)

    def step(self, action):
        CountingEnv.counts[int(action)] += 1
        return super().step(action)


def counting_envs(num_envs: int) -> gym.vector.VectorEnv:
    return gym.vector.SyncVectorEnv([lambda: CountingEnv(gym.make("CartPole-v1")) for _ in range(num_envs)])


def test_epsilon_replaces_that_share_of_actions_and_is_reproducible():
    envs = counting_envs(2)
    CountingEnv.counts[:] = 0
    first = evaluate(AlwaysLeft(), envs, 40, seed=3, epsilon=0.3)
    sent = CountingEnv.counts.copy()
    # A random action is "right" half the time: the share of rights estimates epsilon / 2.
    assert 0.11 < sent[1] / sent.sum() < 0.19, sent
    CountingEnv.counts[:] = 0
    second = evaluate(AlwaysLeft(), envs, 40, seed=3, epsilon=0.3)
    assert first.returns == second.returns and (CountingEnv.counts == sent).all()
    envs.close()


def test_zero_epsilon_leaves_the_greedy_action_alone():
    envs = counting_envs(1)
    CountingEnv.counts[:] = 0
    evaluate(AlwaysLeft(), envs, 5, seed=0)
    assert CountingEnv.counts[1] == 0 and CountingEnv.counts[0] > 0
    envs.close()


def test_epsilon_on_continuous_actions_is_a_clear_error():
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("Pendulum-v1")])
    with pytest.raises(GaikitError, match="eval_epsilon.*Discrete"):
        evaluate(AlwaysLeft(), envs, 1, seed=0, epsilon=0.05)
    envs.close()


def test_run_rejects_eval_epsilon_on_a_continuous_game_before_training(tmp_path, capsys):
    code = main(["run", "Pendulum-v1", "--learner", "sac", "--steps", "100", "--set", "train.eval_epsilon=0.05",
                 "--run-dir", str(tmp_path / "run")])
    assert code != 0
    err = capsys.readouterr().err
    assert "train.eval_epsilon: 0.05 needs a Discrete action space" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


def test_eval_epsilon_out_of_range_names_the_field(tmp_path, capsys):
    code = main(["run", "CartPole-v1", "--steps", "100", "--set", "train.eval_epsilon=1.5",
                 "--run-dir", str(tmp_path / "run")])
    assert code != 0
    assert "train.eval_epsilon" in capsys.readouterr().err
