"""SAC's written-out backward: fused MLP heads, squashed sampling, lean Adam and the update against autograd."""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest
import torch
from torch import nn

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.fused_adam import FusedAdam
from gaikit.plugins.learners.fused_mlp import linear_params, mlps_backward, mlps_forward, relu_mlps
from gaikit.plugins.learners.sac import SACConfig, make_sac
from gaikit.plugins.learners.squashed_gaussian import sample_squashed, squash, squashed_log_prob

from _sac_reference import reference_actor_alpha_polyak
from _sac_spaces import ACTIONS, OBS


def sequential(in_dim, hidden, out_dim, seed):
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers).double()


def linears(seq):
    return [m for m in seq if isinstance(m, nn.Linear)]


def grads_of(tensors):
    return [t.grad.clone() for t in tensors]


# -- fused MLP heads --------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [[], [5], [7, 4]])
def test_relu_mlps_matches_sequential_values_and_gradients(hidden):
    """Two heads on cat(a, b): the same outputs and gradients (inputs and every parameter) as nn.Sequential."""
    heads = [sequential(5, hidden, 3, seed) for seed in (0, 1)]
    a = torch.randn(11, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(11, 3, dtype=torch.float64, requires_grad=True)
    weights = [torch.randn(11, 3, dtype=torch.float64) for _ in heads]
    params = linear_params([linears(h) for h in heads])

    outs = relu_mlps([a, b], params, 2)
    sum(((o * w).sum() for o, w in zip(outs, weights))).backward()
    fused = grads_of([a, b, *params])
    expected_outs = [h(torch.cat([a, b], -1)) for h in heads]
    for t in (a, b, *params):
        t.grad = None
    sum(((o * w).sum() for o, w in zip(expected_outs, weights))).backward()

    for out, expected in zip(outs, expected_outs):
        torch.testing.assert_close(out, expected)
    for got, expected in zip(fused, grads_of([a, b, *params])):
        torch.testing.assert_close(got, expected)


def test_stacked_one_unit_heads():
    """With stack, one-unit heads come out as one (heads, batch) tensor."""
    heads = [sequential(4, [6], 1, seed) for seed in (2, 3)]
    x = torch.randn(9, 4, dtype=torch.float64)
    q = relu_mlps([x], linear_params([linears(h) for h in heads]), 2, stack=True)
    assert q.shape == (2, 9)
    torch.testing.assert_close(q, torch.stack([h(x).squeeze(-1) for h in heads]))


def test_frozen_backward_uses_nonzero_rows_only_and_matches_autograd():
    """Weights frozen, most output-gradient rows zero (as under min(Q1, Q2)): the input gradient is autograd's."""
    heads = [sequential(5, [8, 6], 1, seed) for seed in (4, 5)]
    params = linear_params([linears(h) for h in heads])
    obs = torch.randn(20, 3, dtype=torch.float64)
    act = torch.randn(20, 2, dtype=torch.float64)
    grad_q = torch.zeros(2, 20, dtype=torch.float64)
    grad_q[0, :6] = torch.randn(6, dtype=torch.float64)  # head 0: 6 of 20 rows, head 1: none
    with torch.no_grad():
        _, tape = mlps_forward([obs, act], params, 2, stack=True)
        (grad_obs, grad_act), param_grads = mlps_backward(tape, grad_q, param_grads=False, input_grads=(False, True))
    assert grad_obs is None and param_grads is None

    act_ref = act.clone().requires_grad_(True)
    ref = torch.stack([h(torch.cat([obs, act_ref], -1)).squeeze(-1) for h in heads])
    (ref * grad_q).sum().backward()
    torch.testing.assert_close(grad_act, act_ref.grad)
    assert torch.equal(grad_act[6:], torch.zeros_like(grad_act[6:]))


# -- squashed Gaussian sampling ---------------------------------------------------------------------


def test_sample_squashed_matches_autograd_reference_including_clamped_log_std():
    scale = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    bias = torch.tensor([0.0, 1.0, -0.5], dtype=torch.float64)
    raw = torch.randn(40, 6, dtype=torch.float64)
    raw[:, 3:] *= 3  # some log_std outside the bounds below
    raw.requires_grad_(True)
    bounds = (-2.0, 1.0)
    action, log_prob = sample_squashed(raw, bounds, scale, bias, scale.log().sum(), torch.Generator().manual_seed(1))
    w_a, w_l = torch.randn_like(action), torch.randn_like(log_prob)
    (grad,) = torch.autograd.grad((action * w_a).sum() + (log_prob * w_l).sum(), raw)

    mean, log_std = raw.chunk(2, -1)
    log_std = log_std.clamp(*bounds)
    noise = torch.randn(mean.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    u = mean + noise * log_std.exp()
    ref_action, ref_log_prob = squash(u, scale, bias), squashed_log_prob(u, mean, log_std, scale.log().sum())
    (ref_grad,) = torch.autograd.grad((ref_action * w_a).sum() + (ref_log_prob * w_l).sum(), raw)

    torch.testing.assert_close(action, ref_action)
    torch.testing.assert_close(log_prob, ref_log_prob)
    torch.testing.assert_close(grad, ref_grad)
    assert (grad[:, 3:] == 0).any()  # the clamp cut the gradient where it clipped


# -- Adam ---------------------------------------------------------------------------------------------


def test_fused_adam_step_direct_is_adam_bit_for_bit_and_resumes():
    torch.manual_seed(0)
    start = [torch.randn(4, 3), torch.randn(3), torch.randn(())]
    ours = [p.clone().requires_grad_(True) for p in start]
    theirs = [p.clone().requires_grad_(True) for p in start]
    opt_ours, opt_theirs = FusedAdam(ours, lr=1e-2), torch.optim.Adam(theirs, lr=1e-2, fused=True)
    for step in range(6):
        grads = [torch.randn_like(p) for p in start]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = g.clone(), g.clone()
        opt_ours.step_direct()
        opt_theirs.step()
        for p, q in zip(ours, theirs):
            assert torch.equal(p, q), step
        if step == 2:  # a round trip through a plain Adam state dict and back
            buffer = io.BytesIO()
            torch.save(opt_ours.state_dict(), buffer)
            buffer.seek(0)
            opt_theirs.load_state_dict(torch.load(buffer, weights_only=True))
            opt_ours.load_state_dict(copy.deepcopy(opt_theirs.state_dict()))
    assert float(opt_ours.state_dict()["state"][0]["step"]) == 6.0


# -- the SAC networks' own backward and the update against autograd ---------------------------------


def make_learner(enc_hidden=(), seed=0, **config):
    encoder_config = VectorEncoderConfig(hidden=list(enc_hidden))
    return make_sac(
        OBS, ACTIONS, lambda: make_vector_encoder(OBS, encoder_config), SACConfig(hidden=[16, 12], **config), seed=seed
    )


@pytest.mark.parametrize("enc_hidden", [(), (8,)])
def test_network_backward_matches_autograd(enc_hidden):
    learner = make_learner(enc_hidden)
    actor, critic = learner.actor, learner.critic
    obs = torch.rand(32, 3) * 2 - 1
    grad_log_prob = torch.randn(32)
    grad_q = torch.randn(2, 32)

    with torch.no_grad():
        action, log_prob, actor_tape = actor.sample_taped(obs, torch.Generator().manual_seed(5))
        q, critic_tape = critic.values_taped(obs, action)
        critic.backward(critic_tape, grad_q)
        q_frozen, frozen_tape = critic.values_taped(obs, action, frozen=True)
        grad_action = critic.action_grad(frozen_tape, grad_q)
        actor.backward(actor_tape, grad_action, grad_log_prob)
    ours = grads_of([*actor.parameters(), *critic.parameters()])

    for p in [*actor.parameters(), *critic.parameters()]:
        p.grad = None
    ref_action, ref_log_prob = actor.sample(obs, torch.Generator().manual_seed(5))
    (critic.values(obs, ref_action.detach()) * grad_q).sum().backward()
    action_leaf = ref_action.detach().requires_grad_(True)
    (critic.values(obs, action_leaf) * grad_q).sum().backward(inputs=[action_leaf])
    (ref_action * action_leaf.grad).sum().add((ref_log_prob * grad_log_prob).sum()).backward(
        inputs=list(actor.parameters())
    )

    torch.testing.assert_close(action, ref_action.detach())
    torch.testing.assert_close(q, q_frozen)
    for got, expected in zip(ours, grads_of([*actor.parameters(), *critic.parameters()])):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6)


def reference_update(learner, batch):
    """The SAC update written with autograd and plain Adam steps (the losses of the sac module docstring)."""
    obs, next_obs = torch.as_tensor(batch.obs), torch.as_tensor(batch.next_obs)
    actions, rewards = torch.as_tensor(batch.actions), torch.as_tensor(batch.rewards)
    discounts, weights = torch.as_tensor(batch.discounts), torch.as_tensor(batch.weights)
    with torch.no_grad():
        next_actions, next_log_pi = learner.actor.sample(next_obs, learner.generator)
        q1n, q2n = learner.critic_target(next_obs, next_actions)
        target = rewards + discounts * (torch.min(q1n, q2n) - learner.log_alpha.exp() * next_log_pi)
    q1, q2 = learner.critic(obs, actions)
    critic_loss = 0.5 * ((weights * (q1 - target).pow(2)).mean() + (weights * (q2 - target).pow(2)).mean())
    learner.critic_optimizer.zero_grad()
    critic_loss.backward()
    learner.critic_optimizer.step()
    actor_loss, alpha_loss = reference_actor_alpha_polyak(learner, obs, lambda q: q.amin(0))
    return {"critic_loss": float(critic_loss.detach()), "actor_loss": actor_loss, "alpha_loss": alpha_loss}


def test_update_matches_the_autograd_formulation():
    """Same seed and batches: the hand-written gradients give autograd's losses and weights (to rounding)."""
    ours, reference = make_learner(seed=4), make_learner(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = 48
        batch = Batch(
            obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
            actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(np.float32),
            rewards=rng.normal(size=n).astype(np.float32),
            next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
            discounts=np.where(rng.uniform(size=n) < 0.2, 0.0, 0.99).astype(np.float32),
            indices=np.arange(n),
            weights=rng.uniform(0.5, 1.5, n).astype(np.float32),
        )
        got = ours.update(batch).metrics
        expected = reference_update(reference, batch)
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key
    for p, q in zip(ours.state_dict()["actor"].values(), reference.state_dict()["actor"].values()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
    for p, q in zip(ours.critic_target.parameters(), reference.critic_target.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
    assert ours.alpha == pytest.approx(reference.alpha, rel=1e-6)


def test_taped_methods_refuse_to_run_with_gradients_enabled():
    learner = make_learner()
    with pytest.raises(RuntimeError, match="no_grad"):
        learner.actor.sample_taped(torch.zeros(2, 3))
