"""The ``ddqn`` learner: a true Double-DQN target, loss, target updates, learning, state."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.core.errors import GaikitError
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.ddqn import DDQN, DDQNConfig

OBS = gym.spaces.Box(-10.0, 10.0, shape=(2,), dtype=np.float32)
TWO_ACTIONS = gym.spaces.Discrete(2)


def make_learner(obs_space=OBS, action_space=TWO_ACTIONS, hidden=(), seed=0, **config):
    encoder_config = VectorEncoderConfig(hidden=list(hidden))
    return DDQN(
        obs_space, action_space, lambda: make_vector_encoder(obs_space, encoder_config), DDQNConfig(**config), seed=seed
    )


def batch_of(obs, actions, rewards, next_obs, discounts, weights=None):
    n = len(actions)
    return Batch(
        obs=np.asarray(obs, dtype=np.float32),
        actions=np.asarray(actions, dtype=np.int64),
        rewards=np.asarray(rewards, dtype=np.float32),
        next_obs=np.asarray(next_obs, dtype=np.float32),
        discounts=np.asarray(discounts, dtype=np.float32),
        indices=np.arange(n),
        weights=np.ones(n, dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32),
    )


def set_linear_head(network, weight, bias=(0.0, 0.0)):
    with torch.no_grad():
        network.head[0].weight.copy_(torch.tensor(weight, dtype=torch.float32))
        network.head[0].bias.copy_(torch.tensor(bias, dtype=torch.float32))


@pytest.fixture
def disagreeing_learner():
    """Identity encoder + linear heads where online and target disagree on argmax at s' = [1, 0].

    Q_online(s') = [2, 0] (argmax 0); Q_target(s') = [1, 3] (argmax 1, max 3);
    Q_online(s = [0, 1]) = [0, 0].
    """

    def build(**config):
        learner = make_learner(hidden=(), max_grad_norm=None, **config)
        set_linear_head(learner.online, [[2.0, 0.0], [0.0, 0.0]])
        set_linear_head(learner.target, [[1.0, 0.0], [3.0, 0.0]])
        return learner

    return build


def one_transition(weight=1.0):
    return batch_of([[0, 1]], [0], [0.5], [[1, 0]], [0.9], weights=[weight])


def test_target_is_double_q_not_vanilla_max(disagreeing_learner):
    result = disagreeing_learner().update(one_transition())
    # double:  0.5 + 0.9 * Q_target(s', argmax Q_online(s')) = 0.5 + 0.9 * 1 = 1.4
    # vanilla: 0.5 + 0.9 * max Q_target(s') = 3.2;  online-only: 0.5 + 0.9 * 2 = 2.3
    assert result.td_errors == pytest.approx([1.4])
    assert result.metrics["target_mean"] == pytest.approx(1.4)
    assert result.metrics["loss"] == pytest.approx(1.4 - 0.5)  # Huber, delta 1: |x| - 0.5
    assert result.metrics["q_mean"] == pytest.approx(0.0)


def test_double_false_gives_the_vanilla_max_target(disagreeing_learner):
    result = disagreeing_learner(double=False).update(one_transition())
    assert result.td_errors == pytest.approx([3.2])
    assert result.metrics["loss"] == pytest.approx(3.2 - 0.5)


def test_importance_weights_scale_the_loss_and_discount_zero_stops_bootstrap(disagreeing_learner):
    weighted = disagreeing_learner().update(one_transition(weight=0.25))
    assert weighted.metrics["loss"] == pytest.approx(0.25 * 0.9)
    terminal = disagreeing_learner().update(batch_of([[0, 1]], [0], [0.5], [[1, 0]], [0.0]))
    assert terminal.td_errors == pytest.approx([0.5])
    assert terminal.metrics["loss"] == pytest.approx(0.5 * 0.5**2)  # quadratic part of Huber


def test_hard_target_update_every_period_and_soft_update_with_tau():
    batch = batch_of([[0, 1], [1, 1]], [0, 1], [1.0, -1.0], [[1, 0], [0, 0]], [0.9, 0.9])
    hard = make_learner(hidden=(4,), target_update_period=3, lr=0.1)
    before = [p.clone() for p in hard.target.parameters()]
    hard.update(batch)
    hard.update(batch)
    assert all(torch.equal(a, b) for a, b in zip(before, hard.target.parameters()))
    hard.update(batch)
    assert all(torch.equal(t, o) for t, o in zip(hard.target.parameters(), hard.online.parameters()))

    soft = make_learner(hidden=(4,), target_update_period=1, tau=0.25, lr=0.1)
    old_target = [p.clone() for p in soft.target.parameters()]
    soft.update(batch)
    for new, old, online in zip(soft.target.parameters(), old_target, soft.online.parameters()):
        assert torch.allclose(new, 0.75 * old + 0.25 * online)


@pytest.mark.parametrize("dueling", [False, True])
def test_q_values_converge_on_a_tiny_fixed_mdp(dueling):
    """s0 -a0-> s1 (r=0), s0 -a1-> end (r=0.5), s1 -any-> end (r=1); gamma 0.9.

    Q*(s1, .) = 1, Q*(s0, a0) = 0.9 (needs bootstrapping through the target net), Q*(s0, a1) = 0.5.
    """
    s0, s1 = [1.0, 0.0], [0.0, 1.0]
    batch = batch_of(
        obs=[s0, s0, s1, s1],
        actions=[0, 1, 0, 1],
        rewards=[0.0, 0.5, 1.0, 1.0],
        next_obs=[s1, s0, s0, s0],
        discounts=[0.9, 0.0, 0.0, 0.0],
    )
    learner = make_learner(hidden=(16,), lr=0.01, target_update_period=20, dueling=dueling, seed=1)
    for _ in range(600):
        result = learner.update(batch)
    q = learner.predict(np.array([s0, s1], dtype=np.float32)).values
    assert q == pytest.approx(np.array([[0.9, 0.5], [1.0, 1.0]]), abs=0.03)
    assert result.td_errors.shape == (4,) and result.td_errors.max() < 0.03


def test_predict_returns_numpy_values_and_env_actions_map_to_columns():
    learner = make_learner(action_space=gym.spaces.Discrete(3, start=5), hidden=(8,))
    obs = np.array([[1.0, 1.0]], dtype=np.float32)
    q = learner.predict(obs).values
    assert isinstance(q, np.ndarray) and q.shape == (1, 3) and q.dtype == np.float32
    # env action 7 of Discrete(3, start=5) is Q column 2
    result = learner.update(batch_of(obs, [7], [1.0], [[0, 0]], [0.0]))
    assert result.td_errors == pytest.approx([abs(q[0, 2] - 1.0)])


def test_state_dict_round_trip_continues_identically():
    batch = batch_of([[0, 1], [1, 0]], [0, 1], [1.0, 0.0], [[1, 0], [0, 1]], [0.9, 0.0])
    first = make_learner(hidden=(8,), target_update_period=2, seed=4)
    for _ in range(3):
        first.update(batch)
    state = first.state_dict()
    second = make_learner(hidden=(8,), target_update_period=2, seed=123)
    second.load_state_dict(state)
    assert second.gradient_steps == 3
    for _ in range(3):  # crosses a target update; Adam moments must match too
        a, b = first.update(batch), second.update(batch)
        assert a.metrics == b.metrics
        assert np.array_equal(a.td_errors, b.td_errors)


def test_same_seed_same_network_and_global_torch_rng_untouched():
    torch.manual_seed(7)
    expected = torch.rand(1)
    torch.manual_seed(7)
    a, b = make_learner(hidden=(8,), seed=3), make_learner(hidden=(8,), seed=3)
    assert torch.equal(torch.rand(1), expected)
    obs = np.ones((1, 2), dtype=np.float32)
    assert np.array_equal(a.predict(obs).values, b.predict(obs).values)
    assert not np.array_equal(a.predict(obs).values, make_learner(hidden=(8,), seed=4).predict(obs).values)


def test_exposes_gamma_n_step_and_encoder_parameter_count():
    learner = make_learner(hidden=(8,), gamma=0.97, n_step=3)
    assert (learner.gamma, learner.n_step) == (0.97, 3)
    assert learner.encoder_parameter_count() == 2 * 8 + 8


def test_continuous_action_space_is_a_clear_error():
    with pytest.raises(GaikitError, match="Discrete action space, got Box"):
        make_learner(action_space=gym.spaces.Box(-1, 1, (2,)))
