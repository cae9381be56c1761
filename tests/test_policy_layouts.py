"""SAC/TQC networks for every layout the config allows, not only the two-hidden-layer default.

``hidden: []`` (SB3's ``net_arch=[]``: the heads read the encoder's features
directly), one or three hidden layers, Box action spaces of more than one
axis or of odd size, and Box spaces declared ``float64`` (gymnasium's
``Box`` takes any float dtype) must all build, act inside the bounds and
update; the networks stay float32 whatever the Box dtype.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner
from gaikit.plugins.learners.sac_networks import BoxScaling
from gaikit.plugins.learners.tqc import TQCConfig, TQCLearner
from gaikit.plugins.selectors.gaussian import GaussianConfig, make_gaussian

from _sac_spaces import ACTIONS, OBS

#: A (2, 2) Box with a different interval per entry.
GRID_ACTIONS = gym.spaces.Box(
    np.array([[-1.0, 0.0], [2.0, -4.0]], np.float32), np.array([[1.0, 0.5], [3.0, 0.0]], np.float32), dtype=np.float32
)
#: Three action dimensions.
THREE_ACTIONS = gym.spaces.Box(np.array([-1.0, 0.0, -3.0], np.float32), np.array([1.0, 2.0, 1.0], np.float32))
#: ACTIONS' bounds, declared float64.
FLOAT64_ACTIONS = gym.spaces.Box(np.array([-2.0, 0.0]), np.array([2.0, 3.0]), dtype=np.float64)


def make_learner(kind: str, action_space: gym.spaces.Box, hidden, enc_hidden=(), **options):
    encoder = VectorEncoderConfig(hidden=list(enc_hidden))
    make_encoder = lambda: make_vector_encoder(OBS, encoder)  # noqa: E731
    if kind == "tqc":
        config = TQCConfig(hidden=list(hidden), n_quantiles=4, top_quantiles_to_drop_per_net=1, **options)
        return TQCLearner(OBS, action_space, make_encoder, config, seed=0)
    return SACLearner(OBS, action_space, make_encoder, SACConfig(hidden=list(hidden), **options), seed=0)


def batch_for(action_space: gym.spaces.Box, n: int = 16, seed: int = 0) -> Batch:
    rng = np.random.default_rng(seed)
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(action_space.low, action_space.high, (n, *action_space.shape)).astype(action_space.dtype),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=np.full(n, 0.9, np.float32),
        indices=np.arange(n),
        weights=np.ones(n, np.float32),
    )


def act_and_update(learner, action_space: gym.spaces.Box) -> np.ndarray:
    """Play sampled and greedy actions through the ``gaussian`` selector and run three updates."""
    obs = batch_for(action_space, n=64, seed=9).obs
    selector = make_gaussian(action_space, GaussianConfig(), seed=0)
    for explore in (True, False):
        actions = selector.select(learner.predict(obs), step=0, explore=explore)
        assert actions.shape == (64, *action_space.shape) and actions.dtype == action_space.dtype
        assert np.all(actions >= action_space.low) and np.all(actions <= action_space.high)
    for seed in range(3):
        metrics = learner.update(batch_for(action_space, seed=seed)).metrics
        assert np.isfinite(list(metrics.values())).all()
    return actions


@pytest.mark.parametrize("use_sde", [False, True], ids=["gaussian", "gsde"])
@pytest.mark.parametrize("hidden", [[], [7], [9, 7, 5]], ids=["no-hidden", "one-hidden", "three-hidden"])
def test_actor_heads_read_the_last_hidden_layer_or_the_encoder_features(hidden, use_sde):
    """The actor's heads take the last hidden width (the encoder's features_dim with hidden: []):
    with a 4-wide encoder and no hidden layer the actor is exactly one linear map of the features."""
    learner = make_learner("sac", ACTIONS, hidden, enc_hidden=[4], use_sde=use_sde)
    actor = learner.actor
    width = hidden[-1] if hidden else 4
    head = actor.mean_head if use_sde else actor.heads
    assert head.in_features == width
    if use_sde:
        assert actor.latent_dim == width and tuple(actor.log_std.shape) == (width, 2)
    obs = torch.as_tensor(batch_for(ACTIONS, n=5).obs)
    with torch.no_grad():
        mean, _ = actor(obs)
        if not hidden:
            features = actor.encoder(obs)
            torch.testing.assert_close(mean, torch.nn.functional.linear(features, head.weight[:2], head.bias[:2]).clamp(
                *((-actor.clip_mean, actor.clip_mean) if use_sde else (-float("inf"), float("inf")))))
    assert mean.shape == (5, 2)
    act_and_update(learner, ACTIONS)


@pytest.mark.parametrize("kind", ["sac", "tqc"])
@pytest.mark.parametrize("hidden", [[], [6, 5, 4]], ids=["no-hidden", "three-hidden"])
def test_critics_build_and_learn_for_any_hidden_layout(kind, hidden):
    """The twin and the quantile critics with hidden: [] (one linear layer on [features, action]) or three layers."""
    learner = make_learner(kind, ACTIONS, hidden)
    act_and_update(learner, ACTIONS)


@pytest.mark.parametrize("use_sde", [False, True], ids=["gaussian", "gsde"])
@pytest.mark.parametrize("space", [GRID_ACTIONS, THREE_ACTIONS], ids=["2x2", "3"])
def test_multi_axis_and_odd_sized_boxes(space, use_sde):
    """A (2, 2) Box (4 actions, flattened in C order, each entry its own interval) and a 3-action Box:
    the actor gives (batch, n_actions) means and log stds, and its greedy action is each entry's
    tanh(mean) rescaled to that entry's interval."""
    learner = make_learner("sac", space, [8], use_sde=use_sde)
    n = space.low.size
    scaling = learner.actor.scaling
    np.testing.assert_allclose(scaling.scale.numpy(), ((space.high - space.low) / 2).reshape(-1))
    np.testing.assert_allclose(scaling.bias.numpy(), ((space.high + space.low) / 2).reshape(-1))
    obs = torch.as_tensor(batch_for(space, n=6).obs)
    with torch.no_grad():
        mean, log_std = learner.actor(obs)
        greedy = learner.actor.greedy(obs)
    assert mean.shape == log_std.shape == greedy.shape == (6, n)
    low, high = space.low.reshape(-1), space.high.reshape(-1)
    expected = np.tanh(mean.numpy()) * (high - low) / 2 + (high + low) / 2
    np.testing.assert_allclose(greedy.numpy(), expected, rtol=1e-5, atol=1e-6)
    played = make_gaussian(space, GaussianConfig(), seed=0).select(learner.predict(obs.numpy()), step=0, explore=False)
    assert played.shape == (6, *space.shape)
    np.testing.assert_allclose(played.reshape(6, n), expected, rtol=1e-5, atol=1e-5)
    act_and_update(learner, space)


@pytest.mark.parametrize("kind", ["sac", "tqc"])
def test_a_float64_box_gives_float32_networks(kind):
    """A Box declared float64 has the same float32 scaling as its float32 twin, and the learner acts and learns."""
    learner = make_learner(kind, FLOAT64_ACTIONS, [8])
    twin = BoxScaling(ACTIONS)
    for name in ("scale", "bias", "log_scale_sum"):
        ours = getattr(learner.actor.scaling, name)
        assert ours.dtype == torch.float32
        torch.testing.assert_close(ours, getattr(twin, name))
    with torch.no_grad():
        q = learner.critic(torch.zeros(2, 3), torch.as_tensor(FLOAT64_ACTIONS.high).repeat(2, 1).float())
    assert torch.stack(list(q) if isinstance(q, tuple) else [q]).dtype == torch.float32
    act_and_update(learner, FLOAT64_ACTIONS)
