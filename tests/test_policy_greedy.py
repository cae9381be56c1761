"""The deterministic (greedy) actions of SAC's actors, and the gSDE actor's ``forward``.

``Actor.greedy`` and ``SDEActor.greedy`` give the action a policy takes in
evaluation: the pre-squash mean (clipped to ``clip_mean`` with gSDE) squashed
with ``tanh`` and rescaled to the Box bounds. They must agree with what the
``gaussian`` selector plays with ``explore=False`` from the learner's
``predict``, which is the path ``gaikit eval`` takes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner
from gaikit.plugins.learners.sac_networks import Actor
from gaikit.plugins.learners.sde_actor import SDEActor
from gaikit.plugins.learners.state_dependent_noise import VARIANCE_FLOOR
from gaikit.plugins.selectors.gaussian import GaussianConfig, make_gaussian

from _sac_spaces import ACTIONS, OBS

#: ACTIONS is [-2, 2] x [0, 3]: scale (2, 1.5), bias (0, 1.5).
SCALE = np.array([2.0, 1.5])
BIAS = np.array([0.0, 1.5])


def make_actor(use_sde: bool, **config):
    encoder = VectorEncoderConfig(hidden=[])
    options = dict(hidden=[8, 6], use_sde=use_sde, log_std_init=-1.0)
    options.update(config)
    learner = SACLearner(OBS, ACTIONS, lambda: make_vector_encoder(OBS, encoder), SACConfig(**options), seed=3)
    return learner


def observations(n: int = 7, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, 3)).astype(np.float32)


def pin_mean(head: torch.nn.Linear, mean: list[float]) -> None:
    """Make the mean outputs of ``head`` the constants ``mean`` (zero weights, bias = mean)."""
    with torch.no_grad():
        head.weight[: len(mean)].zero_()
        head.bias[: len(mean)] = torch.tensor(mean)


def test_actor_greedy_is_the_squashed_rescaled_mean():
    """With the mean head pinned to (0.3, -0.7), the greedy action is tanh(mean) * scale + bias
    for every observation, whatever the log std head says."""
    learner = make_actor(use_sde=False)
    actor = learner.actor
    assert isinstance(actor, Actor)
    pin_mean(actor.heads, [0.3, -0.7])  # rows 0..1: the mean; rows 2..3 (log std) keep their weights
    with torch.no_grad():
        greedy = actor.greedy(torch.as_tensor(observations()))
    expected = np.tanh([0.3, -0.7]) * SCALE + BIAS
    assert greedy.shape == (7, 2)
    np.testing.assert_allclose(greedy.numpy(), np.broadcast_to(expected, (7, 2)), rtol=1e-6, atol=1e-6)


def test_sde_actor_greedy_is_the_squashed_clipped_mean():
    """gSDE: the mean is clipped to [-clip_mean, clip_mean] before the squash (3.0 -> 1.5 here),
    and neither the exploration matrix nor the log_std matrix changes the greedy action."""
    learner = make_actor(use_sde=True, clip_mean=1.5)
    actor = learner.actor
    assert isinstance(actor, SDEActor)
    pin_mean(actor.mean_head, [3.0, -0.4])
    obs = torch.as_tensor(observations())
    with torch.no_grad():
        first = actor.greedy(obs)
        actor.reset_noise(torch.Generator().manual_seed(1))
        actor.log_std.add_(0.5)
        second = actor.greedy(obs)
    expected = np.tanh([1.5, -0.4]) * SCALE + BIAS
    np.testing.assert_allclose(first.numpy(), np.broadcast_to(expected, (7, 2)), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(first, second)


@pytest.mark.parametrize("use_sde", [False, True], ids=["gaussian", "gsde"])
def test_greedy_is_what_the_selector_plays_without_exploration(use_sde):
    """actor.greedy(obs) == gaussian selector's explore=False action from learner.predict(obs),
    inside the bounds, with the mean head scaled up so that some means saturate tanh."""
    learner = make_actor(use_sde=use_sde)
    with torch.no_grad():
        head = learner.actor.mean_head if use_sde else learner.actor.heads
        head.weight.mul_(4.0)
    obs = observations(n=50, seed=1)
    selector = make_gaussian(ACTIONS, GaussianConfig(), seed=0)
    played = selector.select(learner.predict(obs), step=10, explore=False)
    with torch.no_grad():
        greedy = learner.actor.greedy(torch.as_tensor(obs)).numpy()
    assert np.all(greedy >= ACTIONS.low) and np.all(greedy <= ACTIONS.high)
    assert greedy.std(0).min() > 0.1  # the action depends on the observation
    np.testing.assert_allclose(greedy, played, rtol=1e-5, atol=1e-5)


def test_sde_actor_forward_is_the_clipped_mean_and_the_marginal_log_std():
    """SDEActor(obs) -> (clip(mean), log sqrt(z^2 @ exp(2 log_std) + 1e-6)), computed here from the
    trunk's latent and the heads independently; no gradients flow (it describes the policy only)."""
    learner = make_actor(use_sde=True, clip_mean=0.5)
    actor = learner.actor
    with torch.no_grad():
        actor.mean_head.weight.mul_(5.0)
        actor.log_std.copy_(torch.linspace(-2.0, 0.5, actor.log_std.numel()).reshape(actor.log_std.shape))
    obs = torch.as_tensor(observations(n=40, seed=2))
    mean, log_std = actor(obs)
    assert not mean.requires_grad and not log_std.requires_grad
    with torch.no_grad():
        latent = actor.trunk(actor.encoder(obs)).double()
        raw = actor.mean_head(actor.trunk(actor.encoder(obs))).double()
        std = actor.log_std.double().exp()
    assert (raw.abs() > 0.5).any() and (raw.abs() < 0.5).any()
    expected_log_std = 0.5 * torch.log(latent.pow(2) @ std.pow(2) + VARIANCE_FLOOR)
    torch.testing.assert_close(mean.double(), raw.clamp(-0.5, 0.5), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(log_std.double(), expected_log_std, rtol=1e-5, atol=1e-5)
    # The same as what predict hands the selector.
    prefs = learner.predict(obs.numpy())
    np.testing.assert_allclose(prefs.mean, mean.numpy())
    np.testing.assert_allclose(prefs.log_std, log_std.numpy())
    assert math.isfinite(float(log_std.min()))
