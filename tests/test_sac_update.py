"""SAC's whole update (critic, actor, temperature, Polyak) against the independent float64 formulation.

The settings are those at which a wrong formula shows: alpha != 1 (fixed 0.2,
or auto from 0.5), gamma 0.9, tau 0.3, reward_scale 2, importance weights
!= 1, terminal (discount 0) and truncated (discount gamma) samples mixed,
two actor steps every second update, gradient clipping active, and a target
critic that differs from the online one.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner

from _sac_reference import ReferenceSACUpdate
from _sac_spaces import ACTIONS, OBS

GAMMA = 0.9
COMMON = dict(gamma=GAMMA, tau=0.3, reward_scale=2.0, actor_update_freq=2, max_grad_norm=0.1,
              actor_lr=3e-3, critic_lr=3e-3, alpha_lr=3e-2, hidden=[16, 16])
SETTINGS = {
    "fixed alpha 0.2": dict(alpha=0.2),
    "auto alpha from 0.5": dict(alpha="auto", alpha_init=0.5),
    "auto alpha, encoders with weights, target every 2": dict(alpha="auto", alpha_init=0.5, target_update_freq=2,
                                                               encoder_hidden=[8]),
    "gSDE, fixed alpha 0.2, mean clipped": dict(alpha=0.2, use_sde=True, log_std_init=-1.0, clip_mean=0.1),
    "gSDE, auto alpha": dict(alpha="auto", alpha_init=0.5, use_sde=True, log_std_init=-1.0),
}


def make_learner(seed=0, encoder_hidden=(), **options):
    config = SACConfig(**{**COMMON, **options})
    encoder_config = VectorEncoderConfig(hidden=list(encoder_hidden))
    return SACLearner(OBS, ACTIONS, lambda: make_vector_encoder(OBS, encoder_config), config, seed=seed)


def mixed_batch(rng: np.random.Generator, n: int = 32) -> Batch:
    """Random transitions, about a third terminal (discount 0), the rest discounted by gamma; IS weights in [0.3, 2]."""
    discounts = np.where(np.arange(n) % 3 == 0, 0.0, GAMMA).astype(np.float32)
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(np.float32),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=discounts,
        indices=np.arange(n),
        weights=rng.uniform(0.3, 2.0, n).astype(np.float32),
    )


def detune_target(learner, seed: int = 0) -> None:
    """Make the target critic differ from the online one (a target built from the online critic shows then)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in learner.critic_target.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))


def assert_networks_match(learner, reference, rtol=2e-4, atol=2e-5):
    for name, p in learner.actor.named_parameters():
        torch.testing.assert_close(p.detach().double(), reference.actor[name], rtol=rtol, atol=atol, msg=f"actor {name}")
    for name, p in learner.critic.named_parameters():
        torch.testing.assert_close(p.detach().double(), reference.critic[name], rtol=rtol, atol=atol, msg=f"critic {name}")
    for name, p in learner.critic_target.named_parameters():
        torch.testing.assert_close(p.detach().double(), reference.target[name], rtol=rtol, atol=atol, msg=f"target {name}")
    torch.testing.assert_close(learner.log_alpha.detach().double(), reference.log_alpha, rtol=rtol, atol=atol)


def assert_last_gradients_match(learner, reference):
    """The gradients of the last critic, actor and temperature steps (left in ``.grad`` until the next zero_grad)."""
    nets = {"critic": learner.critic, "actor": learner.actor}
    for network, module in nets.items():
        expected = reference.grads[network]
        scale = max(float(g.abs().max()) for g in expected.values())
        for name, p in module.named_parameters():
            got = torch.zeros_like(p) if p.grad is None else p.grad
            torch.testing.assert_close(got.double(), expected[name], rtol=1e-3, atol=1e-4 * scale,
                                       msg=f"{network} gradient {name}")
    if "alpha" in reference.grads:
        torch.testing.assert_close(learner.log_alpha.grad.double(), reference.grads["alpha"]["log_alpha"],
                                   rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_update_matches_the_independent_formulation(setting):
    options = dict(SETTINGS[setting])
    learner = make_learner(seed=3, **options)
    detune_target(learner)
    reference = ReferenceSACUpdate(learner, ACTIONS)
    rng = np.random.default_rng(1)
    for step in range(4):
        batch = mixed_batch(rng)
        expected = reference.update(batch)
        got = learner.update(batch)
        td_expected = expected.pop("td_errors")
        assert set(got.metrics) == set(expected), step
        for key, value in expected.items():
            assert got.metrics[key] == pytest.approx(value, rel=2e-4, abs=2e-5), (step, key)
        np.testing.assert_allclose(got.td_errors, td_expected, rtol=2e-4, atol=2e-5)
        assert_networks_match(learner, reference)
    assert_last_gradients_match(learner, reference)
    # The settings did what they are there for.
    assert reference.clipped["critic"] and reference.clipped["actor"], "clipping never acted"
    assert abs(learner.alpha - 1.0) > 0.3
    if options.get("clip_mean") == 0.1:
        assert reference.mean_clipped, "the mean was never clipped"
    if learner.autotune:
        assert learner.alpha != pytest.approx(0.5, abs=1e-3)  # the temperature moved


def test_actor_phase_runs_actor_update_freq_steps_every_actor_update_freq_updates():
    learner = make_learner(alpha="auto", alpha_init=0.5)
    rng = np.random.default_rng(0)
    first = learner.update(mixed_batch(rng)).metrics
    assert "actor_loss" not in first and "alpha_loss" not in first
    actor_before = [p.detach().clone() for p in learner.actor.parameters()]
    generator_before = learner.generator.get_state()
    second = learner.update(mixed_batch(rng)).metrics
    assert {"actor_loss", "alpha_loss", "entropy", "alpha"} <= set(second)
    assert any(not torch.equal(a, p) for a, p in zip(actor_before, learner.actor.parameters()))
    # Two actor steps: the generator advanced by the target's draw and two actor draws of (32, 2) each.
    probe = torch.Generator()
    probe.set_state(generator_before)
    for _ in range(3):
        torch.randn((32, 2), generator=probe)
    assert torch.equal(probe.get_state(), learner.generator.get_state())
    # The Adam step count of log_alpha is 2 after one actor phase.
    assert float(learner.alpha_optimizer.state[learner.log_alpha]["step"]) == 2.0


def test_sde_noise_is_one_matrix_held_through_the_update():
    """gSDE: the exploration matrix is drawn once, first, from the learner's generator, and kept."""
    learner = make_learner(alpha=0.2, use_sde=True, log_std_init=-1.0)
    rng = np.random.default_rng(0)
    learner.update(mixed_batch(rng))
    probe = torch.Generator()
    probe.set_state(learner.generator.get_state())
    expected_eps = torch.randn(learner.actor.eps.shape, generator=probe)
    learner.update(mixed_batch(rng))  # the actor phase runs here (actor_update_freq 2)
    torch.testing.assert_close(learner.actor.eps, expected_eps, rtol=0, atol=0)
    # Nothing else was drawn: target and both actor steps used that one matrix.
    assert torch.equal(probe.get_state(), learner.generator.get_state())
