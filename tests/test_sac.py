"""The ``sac`` learner and ``gaussian`` selector: log-probabilities, temperature, bootstrapping, state."""

from __future__ import annotations

import io
import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch.distributions import AffineTransform, Independent, Normal, TanhTransform, TransformedDistribution

from gaikit.core.components import Batch, Preferences
from gaikit.core.errors import GaikitError
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner
from gaikit.plugins.learners.squashed_gaussian import squashed_log_prob, tanh_log_abs_det
from gaikit.plugins.selectors.gaussian import GaussianConfig, make_gaussian

from _sac_reference import one_step_task_error
from _sac_spaces import ACTIONS, OBS


def make_learner(action_space=ACTIONS, seed=0, hidden=(16, 16), **config):
    encoder_config = VectorEncoderConfig(hidden=[])
    return SACLearner(
        OBS,
        action_space,
        lambda: make_vector_encoder(OBS, encoder_config),
        SACConfig(hidden=list(hidden), **config),
        seed=seed,
    )


def batch_of(obs, actions, rewards, next_obs, discounts):
    n = len(rewards)
    return Batch(
        obs=np.asarray(obs, np.float32),
        actions=np.asarray(actions, np.float32),
        rewards=np.asarray(rewards, np.float32),
        next_obs=np.asarray(next_obs, np.float32),
        discounts=np.asarray(discounts, np.float32),
        indices=np.arange(n),
        weights=np.ones(n, np.float32),
    )


def random_batch(n=32, seed=0, discount=0.99):
    rng = np.random.default_rng(seed)
    low, high = ACTIONS.low, ACTIONS.high
    return batch_of(
        rng.uniform(-1, 1, (n, 3)),
        rng.uniform(low, high, (n, 2)),
        rng.normal(size=n),
        rng.uniform(-1, 1, (n, 3)),
        np.full(n, discount),
    )


def reference_distribution(mean, log_std, low, high):
    """``torch.distributions``' own tanh + affine transformed Gaussian (float64)."""
    scale, bias = (high - low) / 2, (high + low) / 2
    base = Normal(mean, log_std.exp())
    transforms = [TanhTransform(cache_size=1), AffineTransform(bias, scale)]
    return Independent(TransformedDistribution(base, transforms), 1)


# -- the squashed Gaussian's log-probability -------------------------------------------------------


def test_log_prob_matches_torch_transformed_distribution():
    torch.manual_seed(0)
    mean = torch.randn(64, 2, dtype=torch.float64)
    log_std = torch.randn(64, 2, dtype=torch.float64) * 0.5
    low, high = torch.tensor([-2.0, 0.0], dtype=torch.float64), torch.tensor([2.0, 3.0], dtype=torch.float64)
    u = mean + log_std.exp() * torch.randn(64, 2, dtype=torch.float64)
    action = torch.tanh(u) * (high - low) / 2 + (high + low) / 2
    ours = squashed_log_prob(u, mean, log_std, torch.log((high - low) / 2).sum())
    reference = reference_distribution(mean, log_std, low, high).log_prob(action)
    torch.testing.assert_close(ours, reference, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("a", [-1.7, -0.3, 0.0, 0.8, 1.9])
def test_log_prob_matches_finite_difference_density(a):
    """exp(log pi(a)) equals P(a - h < A < a + h) / 2h, computed from the Gaussian CDF."""
    mean, std, low, high = 0.4, 0.7, -2.0, 2.0
    scale, bias = (high - low) / 2, (high + low) / 2
    h = 1e-5

    def cdf(x):  # P(A < x) = P(U < atanh((x - bias) / scale))
        u = math.atanh((x - bias) / scale)
        return 0.5 * (1 + math.erf((u - mean) / (std * math.sqrt(2))))

    density = (cdf(a + h) - cdf(a - h)) / (2 * h)
    u = torch.tensor([[math.atanh((a - bias) / scale)]], dtype=torch.float64)
    ours = squashed_log_prob(
        u, torch.tensor([[mean]], dtype=torch.float64), torch.tensor([[math.log(std)]], dtype=torch.float64), math.log(scale)
    )
    assert math.exp(float(ours)) == pytest.approx(density, rel=1e-5)


def test_tanh_correction_is_stable_where_tanh_saturates():
    """In float32 the naive log(1 - tanh(u)^2) is -inf at u = 10; the stable form is exact."""
    u = torch.tensor([[0.5, 4.0, 10.0, -12.0]], dtype=torch.float32)
    naive = torch.log(1 - torch.tanh(u) ** 2)
    assert torch.isinf(naive).any()  # what the stable form avoids
    # log(1 - tanh(u)^2) = log(sech(u)^2) = -2 log cosh(u), exact in float64 for these u.
    exact = float((-2 * torch.log(torch.cosh(u.double()))).sum())
    assert float(tanh_log_abs_det(u)) == pytest.approx(exact, rel=1e-6)


def test_actor_sample_log_prob_includes_the_rescaling():
    learner = make_learner(seed=3)
    obs = torch.rand(256, 3) * 2 - 1
    actions, log_pi = learner.actor.sample(obs, torch.Generator().manual_seed(0))
    mean, log_std = learner.actor(obs)
    low, high = torch.as_tensor(ACTIONS.low).double(), torch.as_tensor(ACTIONS.high).double()
    assert torch.all(actions >= torch.as_tensor(ACTIONS.low)) and torch.all(actions <= torch.as_tensor(ACTIONS.high))
    reference = reference_distribution(mean.double(), log_std.double(), low, high).log_prob(actions.double())
    # Compare away from the bounds, where recovering u = atanh(.) from a float32 action is well conditioned.
    inner = ((actions - torch.as_tensor(ACTIONS.low)).abs().min(-1).values > 1e-3) & (
        (torch.as_tensor(ACTIONS.high) - actions).abs().min(-1).values > 1e-3
    )
    assert inner.sum() > 200
    torch.testing.assert_close(log_pi.double()[inner], reference[inner], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(("raw", "clamped"), [(4.0, 0.5), (-10.0, -3.0)])
def test_log_std_is_clamped_to_its_bounds_in_the_mean_and_in_sampling(raw, clamped):
    learner = make_learner(log_std_min=-3.0, log_std_max=0.5)
    set_policy(learner, raw)
    obs = torch.rand(64, 3) * 2 - 1
    mean, log_std = learner.actor(obs)
    torch.testing.assert_close(log_std, torch.full_like(log_std, clamped))
    actions, log_pi = learner.actor.sample(obs, torch.Generator().manual_seed(0))
    low, high = torch.as_tensor(ACTIONS.low).double(), torch.as_tensor(ACTIONS.high).double()
    reference = reference_distribution(mean.double(), torch.full_like(mean, clamped).double(), low, high)
    torch.testing.assert_close(log_pi.double(), reference.log_prob(actions.double()), rtol=1e-3, atol=1e-3)


# -- the temperature ------------------------------------------------------------------------------


def set_policy(learner, log_std):
    """A policy with mean 0 and the given log_std everywhere (zero head weights)."""
    heads = learner.actor.heads
    with torch.no_grad():
        heads.weight.zero_()
        heads.bias.copy_(torch.tensor([0.0, 0.0, log_std, log_std]))


@pytest.mark.parametrize(("log_std", "direction"), [(0.0, "down"), (-6.0, "up")])
def test_temperature_moves_toward_the_entropy_target(log_std, direction):
    """Entropy above the target (-|A| = -2) lowers alpha; below it raises alpha."""
    learner = make_learner(alpha_init=0.5, alpha_lr=1e-2)
    set_policy(learner, log_std)
    result = learner.update(random_batch())
    entropy = result.metrics["entropy"]
    assert (entropy > learner.target_entropy) == (direction == "down")
    assert result.metrics["alpha"] == pytest.approx(0.5)  # the value used in this update
    if direction == "down":
        assert learner.alpha < 0.5
    else:
        assert learner.alpha > 0.5


def test_fixed_alpha_never_changes():
    learner = make_learner(alpha=0.1)
    set_policy(learner, -6.0)
    for seed in range(3):
        learner.update(random_batch(seed=seed))
    assert learner.alpha == pytest.approx(0.1)
    assert "alpha_loss" not in learner.update(random_batch()).metrics


# -- bootstrapping: terminated vs truncated ------------------------------------------------------


def test_terminal_targets_are_the_scaled_reward_and_truncated_ones_bootstrap_from_the_target_critic():
    """discount 0 (terminated): y = reward_scale * r; discount gamma (truncated or going on): the soft value
    of next_obs from the *target* critic's smaller head, minus alpha * log pi, discounted by gamma."""
    gamma = 0.9
    learner = make_learner(gamma=gamma, reward_scale=2.0, alpha=0.2)
    with torch.no_grad():  # the target critic unlike the online one, so using the wrong one shows
        for p in learner.critic_target.parameters():
            p.mul_(1.5)
    rng = np.random.default_rng(0)
    n = 16
    discounts = np.where(np.arange(n) % 2 == 0, 0.0, gamma)
    batch = batch_of(rng.uniform(-1, 1, (n, 3)), rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)), rng.normal(size=n),
                     rng.uniform(-1, 1, (n, 3)), discounts)
    next_t, rewards = torch.as_tensor(batch.next_obs), torch.as_tensor(batch.rewards)
    state = learner.generator.get_state()
    with torch.no_grad():  # the soft value, by hand, with the same noise
        next_actions, next_log_pi = learner.actor.sample(next_t, learner.generator)
        q1, q2 = learner.critic_target(next_t, next_actions)
        soft_value = torch.where(q1 < q2, q1, q2) - 0.2 * next_log_pi
        online_q1, online_q2 = learner.critic(next_t, next_actions)
    assert not torch.allclose(torch.min(online_q1, online_q2), torch.min(q1, q2), atol=1e-2)
    assert (q1 - q2).abs().min() > 1e-3  # the smaller head is not the larger one anywhere
    learner.generator.set_state(state)
    target = learner.critic_target_values(rewards, torch.as_tensor(batch.discounts), next_t)
    terminal = torch.as_tensor(discounts == 0.0)
    torch.testing.assert_close(target[terminal], 2.0 * rewards[terminal])
    torch.testing.assert_close(target[~terminal], 2.0 * rewards[~terminal] + gamma * soft_value[~terminal])
    assert torch.all(soft_value[~terminal].abs() > 1e-3)  # the bootstrap term is really there


# -- learning and state ---------------------------------------------------------------------------


def test_learns_the_best_action_of_a_one_step_task():
    """Reward -(a - target(s))^2 with no bootstrap: the greedy action moves to the target."""
    box = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
    learner = make_learner(action_space=box, hidden=(32, 32), actor_lr=3e-3, critic_lr=3e-3, alpha=0.01, seed=1)
    assert one_step_task_error(learner, box) < 0.1


def roundtrip(state):
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_state_dict_resumes_exactly():
    original = make_learner(seed=0)
    for seed in range(3):
        original.update(random_batch(seed=seed))
    restored = make_learner(seed=99)
    restored.load_state_dict(roundtrip(original.state_dict()))
    batch = random_batch(seed=7)
    a, b = original.update(batch), restored.update(batch)
    assert a.metrics == b.metrics
    obs = np.random.default_rng(1).uniform(-1, 1, (5, 3)).astype(np.float32)
    np.testing.assert_array_equal(original.predict(obs).mean, restored.predict(obs).mean)
    for p, q in zip(original.critic_target.parameters(), restored.critic_target.parameters()):
        assert torch.equal(p, q)


def test_rejects_discrete_actions():
    with pytest.raises(GaikitError, match="Box action space"):
        make_learner(action_space=gym.spaces.Discrete(3))


# -- the gaussian selector ------------------------------------------------------------------------


def prefs(n=1000, mean=0.3, log_std=-0.5):
    return Preferences(mean=np.full((n, 2), mean, np.float32), log_std=np.full((n, 2), log_std, np.float32))


def test_selector_samples_inside_the_bounds_and_greedy_is_the_squashed_mean():
    selector = make_gaussian(ACTIONS, GaussianConfig(), seed=0)
    big = Preferences(mean=np.full((500, 2), 3.0, np.float32), log_std=np.full((500, 2), 1.5, np.float32))
    sampled = selector.select(big, step=0)
    assert sampled.dtype == np.float32 and sampled.shape == (500, 2)
    assert np.all(sampled >= ACTIONS.low) and np.all(sampled <= ACTIONS.high)
    greedy = selector.select(prefs(), step=0, explore=False)
    expected = np.tanh(0.3) * np.array([2.0, 1.5]) + np.array([0.0, 1.5])
    np.testing.assert_allclose(greedy, np.broadcast_to(expected, greedy.shape), rtol=1e-6)
    # Samples are tanh(N(mean, std)) rescaled: their pre-image has the Gaussian's moments.
    u = np.arctanh((selector.select(prefs(20000), step=0) - np.array([0.0, 1.5])) / np.array([2.0, 1.5]))
    assert u.mean() == pytest.approx(0.3, abs=0.02) and u.std() == pytest.approx(math.exp(-0.5), abs=0.02)


def test_selector_random_warmup_then_policy():
    selector = make_gaussian(ACTIONS, GaussianConfig(random_steps=100), seed=0)
    early = selector.select(prefs(4000, mean=0.0, log_std=-10.0), step=99)
    assert early[:, 0].std() > 1.0  # uniform over [-2, 2], not the near-deterministic policy
    late = selector.select(prefs(10, mean=0.0, log_std=-10.0), step=100)
    np.testing.assert_allclose(late, np.tile([0.0, 1.5], (10, 1)), atol=1e-3)


def test_selector_state_resumes_the_random_stream():
    selector = make_gaussian(ACTIONS, GaussianConfig(), seed=5)
    selector.select(prefs(3), step=0)
    other = make_gaussian(ACTIONS, GaussianConfig(), seed=6)
    other.load_state_dict(roundtrip(selector.state_dict()))
    np.testing.assert_array_equal(selector.select(prefs(3), 1), other.select(prefs(3), 1))


def test_selector_needs_a_gaussian():
    selector = make_gaussian(ACTIONS, GaussianConfig(), seed=0)
    with pytest.raises(GaikitError, match="mean, log_std"):
        selector.select(Preferences(values=np.zeros((1, 2))), step=0)
    with pytest.raises(GaikitError, match="finite action bounds"):
        make_gaussian(gym.spaces.Box(-np.inf, np.inf, (2,)), GaussianConfig(), seed=0)
