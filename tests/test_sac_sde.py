"""SAC with generalized state-dependent exploration (gSDE): distribution, learner, selector."""

from __future__ import annotations

import io

import numpy as np
import torch
from torch.distributions import Normal

from gaikit.core.components import Batch, Preferences
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner
from gaikit.plugins.learners.sde_actor import SDEActor
from gaikit.plugins.learners.state_dependent_noise import sde_sample
from gaikit.plugins.selectors.gaussian import GaussianConfig, GaussianSelector

from _sac_spaces import ACTIONS, OBS
from _sac_spaces import random_batch as shared_random_batch

SCALE = torch.tensor([2.0, 1.5], dtype=torch.float64)
BIAS = torch.tensor([0.0, 1.5], dtype=torch.float64)
LOG_SCALE_SUM = torch.log(SCALE).sum()


def inputs(batch=9, latent_dim=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    mean_pre = torch.randn(batch, 2, generator=g, dtype=torch.float64) * 1.5  # some beyond the clip at 2
    latent = torch.rand(batch, latent_dim, generator=g, dtype=torch.float64) * 2.0
    log_std = torch.randn(latent_dim, 2, generator=g, dtype=torch.float64) * 0.5 - 1.0
    eps = torch.randn(latent_dim, 2, generator=g, dtype=torch.float64)
    return mean_pre, latent, log_std, eps


def test_log_prob_is_the_squashed_gaussian_of_the_marginal_variance():
    """log pi = Normal(mean, sqrt(z^2 @ std^2 + 1e-6)).log_prob(u) - log|tanh'(u)| - log(scale).

    with ``u = mean + z @ (std * eps)``.
    """
    mean, latent, log_std, eps = inputs()
    action, log_prob = sde_sample(mean, latent, log_std, eps, SCALE, BIAS, LOG_SCALE_SUM)
    std = torch.exp(log_std)
    u = mean + latent @ (std * eps)
    sigma = torch.sqrt(latent.pow(2) @ std.pow(2) + 1e-6)
    expected = (Normal(mean, sigma).log_prob(u) - torch.log1p(-torch.tanh(u).pow(2))).sum(-1) - LOG_SCALE_SUM
    torch.testing.assert_close(log_prob, expected)
    torch.testing.assert_close(action, torch.tanh(u) * SCALE + BIAS)
    # The density of the action is the density of u divided by |da/du| (change of variables).
    jac = (SCALE * (1 - torch.tanh(u) ** 2)).prod(-1)
    torch.testing.assert_close(log_prob, Normal(mean, sigma).log_prob(u).sum(-1) - torch.log(jac))


def test_noise_over_draws_has_the_marginal_variance():
    """Over many exploration matrices, z @ E has per-dimension variance z^2 @ std^2 (the density's assumption)."""
    _, latent, log_std, _ = inputs(batch=3)
    g = torch.Generator().manual_seed(1)
    eps = torch.randn(40_000, *log_std.shape, generator=g, dtype=torch.float64)
    spreads = torch.einsum("bl,nla->nba", latent, torch.exp(log_std) * eps)
    expected = latent.pow(2) @ torch.exp(2 * log_std)
    torch.testing.assert_close(spreads.var(0), expected, rtol=0.03, atol=0.0)


def make_learner(**overrides):
    options = dict(hidden=[8, 8], use_sde=True, log_std_init=-1.0, actor_lr=1e-3, critic_lr=1e-3, alpha_lr=1e-3)
    options.update(overrides)
    make_encoder = lambda: make_vector_encoder(OBS, VectorEncoderConfig(hidden=[]))  # noqa: E731
    return SACLearner(OBS, ACTIONS, make_encoder, SACConfig(**options), seed=0)


def batch(n: int = 16, seed: int = 0) -> Batch:
    """Random transitions in the shared spaces, discount 0.99."""
    return shared_random_batch(n, seed, 0.99)


def test_actor_log_prob_matches_an_independent_computation_with_the_mean_clipped():
    """SDEActor.sample: the squashed action's log-probability from torch.distributions.Normal at the marginal
    std, for the learner's own mean (clipped to clip_mean) and latent, with the update's exploration matrix."""
    learner = make_learner(clip_mean=0.1)
    actor = learner.actor
    with torch.no_grad():
        actor.mean_head.weight.mul_(5.0)  # some means beyond the clip, some inside
    obs = torch.as_tensor(batch(n=64).obs)
    actor.reset_noise(torch.Generator().manual_seed(5))
    with torch.no_grad():
        actions, log_pi = actor.sample(obs)
        latent = actor.trunk(actor.encoder(obs)).double()
        pre_clip = actor.mean_head(actor.trunk(actor.encoder(obs))).double()
    assert (pre_clip.abs() > 0.1).any() and (pre_clip.abs() < 0.1).any()
    mean = pre_clip.clamp(-0.1, 0.1)
    std = torch.exp(actor.log_std.double())
    u = mean + latent @ (std * actor.eps.double())
    sigma = torch.sqrt(latent.pow(2) @ std.pow(2) + 1e-6)
    expected = (Normal(mean, sigma).log_prob(u) - torch.log(1 - torch.tanh(u).pow(2))).sum(-1) - LOG_SCALE_SUM
    torch.testing.assert_close(log_pi.double(), expected, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(actions.double(), torch.tanh(u) * SCALE + BIAS, rtol=1e-5, atol=1e-5)


def test_sde_learner_updates_log_std_and_predicts_the_latent():
    learner = make_learner()
    assert isinstance(learner.actor, SDEActor)
    before = learner.actor.log_std.detach().clone()
    for seed in range(5):
        result = learner.update(batch(seed=seed))
        assert np.isfinite(list(result.metrics.values())).all()
    assert not torch.equal(before, learner.actor.log_std.detach())
    prefs = learner.predict(batch(n=3).obs)
    assert prefs.sde_latent.shape == (3, 8) and prefs.sde_std.shape == (8, 2)
    assert (np.abs(prefs.mean) <= 2.0).all()
    # log_std is the marginal: log(sqrt(z^2 @ std^2 + 1e-6)).
    expected = 0.5 * np.log(prefs.sde_latent**2 @ prefs.sde_std**2 + 1e-6)
    np.testing.assert_allclose(prefs.log_std, expected, rtol=1e-4, atol=1e-5)


def test_sde_learner_state_round_trip():
    learner = make_learner()
    learner.update(batch())
    buffer = io.BytesIO()
    torch.save(learner.state_dict(), buffer)  # as a checkpoint does (no tensors shared with the original)
    buffer.seek(0)
    clone = make_learner()
    clone.load_state_dict(torch.load(buffer, weights_only=False))
    torch.testing.assert_close(clone.actor.log_std, learner.actor.log_std)
    a = learner.update(batch(seed=1)).metrics
    b = clone.update(batch(seed=1)).metrics
    assert a == b


def sde_prefs(latent, std, mean=None):
    latent = np.asarray(latent, dtype=np.float32)
    mean = np.zeros((len(latent), 2), np.float32) if mean is None else mean
    return Preferences(mean=mean, log_std=np.zeros_like(mean), sde_latent=latent, sde_std=np.asarray(std, np.float32))


def test_selector_holds_the_exploration_matrix_for_sde_sample_freq_steps():
    """The same latent gives the same action while the matrix is held, a new one after sde_sample_freq steps."""
    selector = GaussianSelector(ACTIONS, GaussianConfig(sde_sample_freq=4), seed=0)
    latent = np.array([[0.5, 1.0, 0.2]])
    std = np.full((3, 2), 0.3)
    actions = [selector.select(sde_prefs(latent, std), step) for step in range(8)]
    assert all(np.array_equal(actions[0], a) for a in actions[1:4])
    assert not np.array_equal(actions[3], actions[4])
    assert all(np.array_equal(actions[4], a) for a in actions[5:8])
    assert selector.explain()["mode"] == "sampled, state-dependent noise"
    # A different state under the same matrix moves the action smoothly: the noise is linear in the latent.
    selector2 = GaussianSelector(ACTIONS, GaussianConfig(sde_sample_freq=4), seed=0)
    a1 = selector2.select(sde_prefs(latent, std), 0)
    a2 = selector2.select(sde_prefs(latent * 1.0001, std), 1)
    assert np.abs(a1 - a2).max() < 1e-3
    # Greedy is the squashed mean, whatever the noise.
    greedy = selector.select(sde_prefs(latent, std), 9, explore=False)
    np.testing.assert_allclose(greedy[0], np.tanh(0.0) * selector.scale + selector.bias)


def test_selector_noise_has_the_marginal_std_and_one_matrix_per_env():
    selector = GaussianSelector(ACTIONS, GaussianConfig(sde_sample_freq=1), seed=0)
    latent = np.array([[0.5, 1.0, 0.2], [0.5, 1.0, 0.2]])
    std = np.array([[0.1, 0.2], [0.05, 0.1], [0.3, 0.1]])
    draws = []
    for step in range(3000):
        selector.select(sde_prefs(latent, std), step)
        draws.append(np.einsum("bl,bla->ba", latent, std * selector._sde_eps))
    draws = np.array(draws)
    assert not np.array_equal(draws[:, 0], draws[:, 1])  # each env has its own matrix
    np.testing.assert_allclose(draws.std(0), np.sqrt(latent**2 @ std**2), rtol=0.06)


def test_selector_state_restores_the_held_matrix():
    selector = GaussianSelector(ACTIONS, GaussianConfig(sde_sample_freq=10), seed=0)
    latent, std = np.array([[0.5, 1.0, 0.2]]), np.full((3, 2), 0.3)
    selector.select(sde_prefs(latent, std), 0)
    state = selector.state_dict()
    clone = GaussianSelector(ACTIONS, GaussianConfig(sde_sample_freq=10), seed=99)
    clone.load_state_dict(state)
    for step in range(1, 15):
        assert np.array_equal(selector.select(sde_prefs(latent, std), step), clone.select(sde_prefs(latent, std), step))
