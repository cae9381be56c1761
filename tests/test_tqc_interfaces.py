"""TQC's interfaces around the update: the factory's seed, the loss's default, the counter, ``policy_value``."""

from __future__ import annotations

import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.quantile_critic import quantile_huber_loss
from gaikit.plugins.learners.tqc import TQCConfig, TQCLearner

from _sac_spaces import ACTIONS, OBS
from _sac_spaces import random_batch as shared_random_batch

CONFIG = TQCConfig(hidden=[8], n_quantiles=4, top_quantiles_to_drop_per_net=1, actor_update_freq=2)


def make_encoder():
    return make_vector_encoder(OBS, VectorEncoderConfig(hidden=[]))


def parameters(learner) -> list[torch.Tensor]:
    return [p.detach() for p in [*learner.actor.parameters(), *learner.critic.parameters()]]


def same_learner(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(parameters(a), parameters(b))) and torch.equal(
        a.generator.get_state(), b.generator.get_state()
    )


def random_batch(n: int = 24, seed: int = 0) -> Batch:
    """Random transitions in the shared spaces, discount 0.95."""
    return shared_random_batch(n, seed, 0.95)


def test_the_seed_reaches_tqcs_networks_and_defaults_to_zero():
    """TQCLearner(seed=s) twice gives the same learner; other seeds, other networks and noise; no seed is seed 0."""
    seeded = TQCLearner(OBS, ACTIONS, make_encoder, CONFIG, seed=7)
    assert same_learner(seeded, TQCLearner(OBS, ACTIONS, make_encoder, CONFIG, seed=7))
    default = TQCLearner(OBS, ACTIONS, make_encoder, CONFIG)
    assert same_learner(default, TQCLearner(OBS, ACTIONS, make_encoder, CONFIG, seed=0))
    assert not same_learner(seeded, default)


def test_quantile_huber_loss_sorts_unsorted_targets_by_default():
    """Without presorted=True the targets may come in any order: the loss is the pairwise one
    (sum over every quantile-target pair of |tau - 1{d < 0}| * huber(d), averaged), for targets in
    a scrambled order, and equal to the loss of the same targets sorted."""
    g = torch.Generator().manual_seed(0)
    quantiles = torch.randn(2, 5, 4, generator=g) * 2.0  # (critics, batch, quantiles)
    targets = torch.randn(5, 6, generator=g) * 2.0
    weights = torch.rand(5, generator=g) + 0.5
    assert not (targets.diff(dim=1) >= 0).all()
    tau = (torch.arange(4) + 0.5) / 4
    d = targets[None, :, None, :] - quantiles[..., None]  # (critics, batch, quantiles, targets)
    huber = torch.where(d.abs() > 1, d.abs() - 0.5, 0.5 * d**2)
    pairwise = (weights.view(1, -1, 1, 1) * (tau.view(1, 1, -1, 1) - (d < 0).float()).abs() * huber).mean()
    loss = quantile_huber_loss(quantiles, targets, weights)
    torch.testing.assert_close(loss, pairwise, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(loss, quantile_huber_loss(quantiles, targets.sort(1).values, weights, presorted=True))


def test_updates_counts_the_critic_steps_and_is_checkpointed():
    """After three updates the learner's counter (saved in state_dict) is 3, and a resumed learner continues it."""
    learner = TQCLearner(OBS, ACTIONS, make_encoder, CONFIG, seed=0)
    for seed in range(3):
        learner.update(random_batch(seed=seed))
    assert learner.updates == 3 and learner.state_dict()["updates"] == 3
    resumed = TQCLearner(OBS, ACTIONS, make_encoder, CONFIG, seed=0)
    resumed.load_state_dict(learner.state_dict())
    resumed.update(random_batch(seed=3))
    assert resumed.updates == 4


def test_policy_value_is_the_mean_quantile_of_each_sample():
    """policy_value gives one value per sample, (batch,): the mean over critics and quantiles at (s, a)."""
    learner = TQCLearner(OBS, ACTIONS, make_encoder, CONFIG, seed=0)
    batch = random_batch(n=6)
    obs, actions = torch.as_tensor(batch.obs), torch.as_tensor(batch.actions)
    with torch.no_grad():
        value = learner.policy_value(obs, actions)
        quantiles = learner.critic(obs, actions)  # (critics, batch, quantiles)
    assert value.shape == (6,)
    expected = torch.stack([quantiles[:, i, :].mean() for i in range(6)])
    torch.testing.assert_close(value, expected)
    assert value.std() > 0  # per sample, not one number for the batch
