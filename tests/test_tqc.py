"""The ``tqc`` learner: quantile Huber loss, truncation, the update against an independent formulation, state."""

from __future__ import annotations

import io
import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from pydantic import ValidationError

from gaikit.cli import main
from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.quantile_critic import quantile_fractions, quantile_huber_loss, truncated_targets
from gaikit.plugins.learners.tqc import TQCConfig, TQCLearner

from _sac_reference import ReferenceSACUpdate, one_step_task_error
from _sac_spaces import ACTIONS, OBS


def make_learner(action_space=ACTIONS, seed=0, hidden=(16, 12), enc_hidden=(), **config):
    encoder_config = VectorEncoderConfig(hidden=list(enc_hidden))
    config.setdefault("n_quantiles", 5)
    config.setdefault("top_quantiles_to_drop_per_net", 1)
    return TQCLearner(
        OBS, action_space, lambda: make_vector_encoder(OBS, encoder_config), TQCConfig(hidden=list(hidden), **config), seed=seed
    )


def random_batch(rng: np.random.Generator, n: int = 48, weights: bool = True) -> Batch:
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(np.float32),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=np.where(rng.uniform(size=n) < 0.2, 0.0, 0.98).astype(np.float32),
        indices=np.arange(n),
        weights=(rng.uniform(0.5, 1.5, n) if weights else np.ones(n)).astype(np.float32),
    )


def reference_quantile_huber(current: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """sb3-contrib's quantile_huber_loss (sum_over_quantiles=False), importance-weighted per sample.

    ``current`` is ``(batch, critics, quantiles)`` as sb3-contrib lays it out; ``target`` ``(batch, atoms)``.
    """
    n = current.shape[-1]
    tau = torch.tensor([(2 * i + 1) / (2 * n) for i in range(n)], dtype=current.dtype)
    delta = target[:, None, None, :] - current[..., None]
    abs_delta = delta.abs()
    huber = torch.where(abs_delta > 1, abs_delta - 0.5, 0.5 * delta**2)
    loss = (tau.view(1, 1, n, 1) - (delta.detach() < 0).float()).abs() * huber
    return (weights.view(-1, 1, 1, 1) * loss).mean()


# -- the loss and the truncation ------------------------------------------------------------------


def prefix_sum_loss_and_grad(quantiles, targets, weights, presorted=False):
    """The learner's loss and autograd's gradient through it, in the learner's (critics, batch, quantiles) layout."""
    leaf = quantiles.clone().requires_grad_(True)
    loss = quantile_huber_loss(leaf, targets, weights, presorted=presorted)
    loss.backward()
    return loss.detach(), leaf.grad


def pairwise_loss_and_grad(quantiles, targets, weights):
    leaf = quantiles.permute(1, 0, 2).clone().requires_grad_(True)
    loss = reference_quantile_huber(leaf, targets, weights)
    loss.backward()
    return loss.detach(), leaf.grad.permute(1, 0, 2)


def test_quantile_fractions_are_the_midpoints():
    torch.testing.assert_close(quantile_fractions(4), torch.tensor([1 / 8, 3 / 8, 5 / 8, 7 / 8]))


def test_quantile_huber_loss_and_its_autograd_gradient_match_the_pairwise_formulation():
    gen = torch.Generator().manual_seed(0)
    quantiles = torch.randn(3, 16, 7, generator=gen)  # spread over both sides of the Huber kink
    targets = 2.0 * torch.randn(16, 9, generator=gen)
    weights = torch.rand(16, generator=gen) + 0.5
    loss, grad = prefix_sum_loss_and_grad(quantiles, targets, weights)
    expected_loss, expected_grad = pairwise_loss_and_grad(quantiles, targets, weights)
    torch.testing.assert_close(loss, expected_loss)
    torch.testing.assert_close(grad, expected_grad)
    assert (grad.abs() > 0).float().mean() > 0.9  # a real gradient almost everywhere


def test_quantile_huber_loss_at_the_run_boundaries_and_with_sorted_targets():
    """Targets exactly at d = 0 and d = +-1 from a quantile, ties, unsorted and presorted rows: the pairwise values."""
    quantiles = torch.tensor([[[0.0, 0.5, 2.0]], [[1.0, 1.0, -1.0]]])  # 2 critics, 1 sample, 3 quantiles
    targets = torch.tensor([[2.0, -1.0, 0.0, 1.0, 1.0, 3.0, 0.5, -2.0]])
    weights = torch.tensor([1.5])
    expected_loss, expected_grad = pairwise_loss_and_grad(quantiles, targets, weights)
    for rows, presorted in ((targets, False), (targets.sort(dim=1).values, True)):
        loss, grad = prefix_sum_loss_and_grad(quantiles, rows, weights, presorted=presorted)
        torch.testing.assert_close(loss, expected_loss)
        torch.testing.assert_close(grad, expected_grad)


def test_quantile_huber_loss_keeps_its_precision_far_from_zero():
    """Returns in the hundreds: prefix sums in float64 lose nothing to cancellation."""
    gen = torch.Generator().manual_seed(1)
    quantiles = 300.0 + torch.randn(2, 64, 25, generator=gen)
    targets = (300.0 + 1.5 * torch.randn(64, 46, generator=gen)).sort(dim=1).values
    weights = torch.ones(64)
    expected_loss, expected_grad = pairwise_loss_and_grad(quantiles.double(), targets.double(), weights.double())
    loss, grad = prefix_sum_loss_and_grad(quantiles, targets, weights, presorted=True)
    torch.testing.assert_close(loss.double(), expected_loss, rtol=1e-5, atol=0)
    torch.testing.assert_close(grad.double(), expected_grad, rtol=1e-4, atol=1e-9)


def test_quantile_gradient_descends_to_the_minimisers_of_the_asymmetric_huber_loss():
    """Gradient descent on one critic's quantiles of a fixed sample reaches each fraction's minimiser,
    found independently by a grid search over the loss, and keeps them ordered."""
    atoms = torch.linspace(-3.0, 3.0, 401).unsqueeze(0)  # one state, a uniform return distribution
    quantiles = torch.zeros(1, 1, 4)
    for _ in range(2000):
        _, grad = prefix_sum_loss_and_grad(quantiles, atoms, torch.ones(1))
        quantiles -= 8.0 * grad
    grid = np.linspace(-3.0, 3.0, 6001)
    delta = atoms.numpy()[0][None, :] - grid[:, None]
    huber = np.where(np.abs(delta) > 1, np.abs(delta) - 0.5, 0.5 * delta**2)
    for i, tau in enumerate((np.arange(4) + 0.5) / 4):
        loss = (np.abs(tau - (delta < 0)) * huber).mean(1)
        assert quantiles[0, 0, i].item() == pytest.approx(grid[loss.argmin()], abs=2e-3)
    assert torch.all(quantiles.view(-1).diff() > 0.5)


def test_truncation_pools_sorts_and_drops_the_largest_atoms_per_critic():
    next_quantiles = torch.tensor([[[1.0, 5.0, 9.0]], [[2.0, 3.0, 10.0]]])  # 2 critics, 1 sample, 3 quantiles
    torch.testing.assert_close(truncated_targets(next_quantiles, 1), torch.tensor([[1.0, 2.0, 3.0, 5.0]]))
    torch.testing.assert_close(truncated_targets(next_quantiles, 0), torch.tensor([[1.0, 2.0, 3.0, 5.0, 9.0, 10.0]]))


def test_config_rejects_dropping_every_quantile():
    with pytest.raises(ValidationError, match="top_quantiles_to_drop_per_net"):
        TQCConfig(n_quantiles=3, top_quantiles_to_drop_per_net=3)


# -- the update -----------------------------------------------------------------------------------


GAMMA = 0.9
UPDATE_SETTINGS = {
    "fixed alpha 0.2": dict(alpha=0.2),
    "auto alpha from 0.5, 3 critics, encoders with weights": dict(alpha="auto", alpha_init=0.5, n_critics=3,
                                                                 enc_hidden=(8,), target_update_freq=2),
    "gSDE, auto alpha": dict(alpha="auto", alpha_init=0.5, use_sde=True, log_std_init=-1.0),
}


def mixed_batch(rng: np.random.Generator, n: int = 32) -> Batch:
    """A third terminal (discount 0), the rest discounted by gamma; IS weights in [0.3, 2]; returns far from 0."""
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(np.float32),
        rewards=rng.normal(size=n).astype(np.float32) * 3.0,
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=np.where(np.arange(n) % 3 == 0, 0.0, GAMMA).astype(np.float32),
        indices=np.arange(n),
        weights=rng.uniform(0.3, 2.0, n).astype(np.float32),
    )


@pytest.mark.parametrize("setting", list(UPDATE_SETTINGS))
def test_update_matches_the_independent_formulation(setting):
    """Critic (pairwise quantile Huber loss on truncated atoms), actor (mean of all quantiles), temperature
    and Polyak steps against the float64 reference, at gamma 0.9, tau 0.3, reward_scale 2, IS weights != 1,
    terminal and truncated samples, two actor steps every second update and clipping."""
    options = dict(gamma=GAMMA, tau=0.3, reward_scale=2.0, actor_update_freq=2, max_grad_norm=0.1, actor_lr=3e-3,
                   critic_lr=3e-3, alpha_lr=3e-2, n_quantiles=5, top_quantiles_to_drop_per_net=2)
    options.update(UPDATE_SETTINGS[setting])
    learner = make_learner(seed=4, **options)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():  # a target critic unlike the online one
        for p in learner.critic_target.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
    reference = ReferenceSACUpdate(learner, ACTIONS, tqc=True)
    rng = np.random.default_rng(0)
    for step in range(4):
        batch = mixed_batch(rng)
        expected = reference.update(batch)
        got = learner.update(batch)
        np.testing.assert_allclose(got.td_errors, expected.pop("td_errors"), rtol=2e-4, atol=2e-5)
        assert set(got.metrics) == set(expected)
        for key, value in expected.items():
            assert got.metrics[key] == pytest.approx(value, rel=2e-4, abs=2e-5), (step, key)
    for nets, ref in ((learner.actor, reference.actor), (learner.critic, reference.critic),
                      (learner.critic_target, reference.target)):
        for name, p in nets.named_parameters():
            torch.testing.assert_close(p.detach().double(), ref[name], rtol=2e-4, atol=2e-5, msg=name)
    for network, module in (("critic", learner.critic), ("actor", learner.actor)):  # the last steps' gradients
        scale = max(float(v.abs().max()) for v in reference.grads[network].values())
        for name, p in module.named_parameters():
            got = torch.zeros_like(p) if p.grad is None else p.grad
            torch.testing.assert_close(got.double(), reference.grads[network][name], rtol=1e-3, atol=1e-4 * scale)
    assert reference.clipped["critic"] and reference.clipped["actor"]


def test_terminal_targets_are_the_reward_alone_and_others_bootstrap():
    learner = make_learner(reward_scale=2.0)
    batch = random_batch(np.random.default_rng(3), weights=False)
    terminal = torch.as_tensor(batch.discounts == 0.0)
    assert terminal.any() and (~terminal).any()
    rewards, discounts = torch.as_tensor(batch.rewards), torch.as_tensor(batch.discounts)
    targets = learner.critic_target_values(rewards, discounts, torch.as_tensor(batch.next_obs))
    assert targets.shape == (len(rewards), 2 * (5 - 1))
    torch.testing.assert_close(targets[terminal], (2.0 * rewards[terminal]).unsqueeze(1).expand(-1, 8))
    spread = targets[~terminal].amax(1) - targets[~terminal].amin(1)
    assert torch.all(spread > 0)  # the bootstrapped atoms really differ from one another


def test_learns_the_best_action_of_a_one_step_task():
    """Reward -(a - target(s))^2 with no bootstrap: the greedy action moves to the target."""
    box = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
    learner = make_learner(action_space=box, hidden=(32, 32), actor_lr=3e-3, critic_lr=3e-3, alpha=0.01, seed=1)
    assert one_step_task_error(learner, box) < 0.1


def test_state_dict_resumes_exactly():
    original = make_learner(seed=0, use_sde=True)
    rng = np.random.default_rng(0)
    for _ in range(3):
        original.update(random_batch(rng))
    buffer = io.BytesIO()
    torch.save(original.state_dict(), buffer)
    buffer.seek(0)
    restored = make_learner(seed=99, use_sde=True)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    batch = random_batch(rng)
    assert original.update(batch).metrics == restored.update(batch).metrics
    for p, q in zip(original.critic_target.parameters(), restored.critic_target.parameters()):
        assert torch.equal(p, q)


def test_cli_trains_tqc_on_halfcheetah(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    tiny = ["--set", "learner.hidden=[16, 16]", "--set", "learner.n_quantiles=5", "--set", "train.learning_starts=100",
            "--set", "selector.random_steps=100", "--set", "train.batch_size=32", "--set", "train.eval_every=0",
            "--set", "train.log_every=100", "--set", "game.max_episode_steps=40"]
    assert main(["run", "halfcheetah", "--learner", "tqc", "--steps", "300", "--run-dir", str(run_dir), *tiny]) == 0
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    last = [line for line in lines if line["kind"] == "train"][-1]
    assert last["step"] == 300 and last["updates"] == 200  # learning from step 100, 8 per 8 steps
    for key in ("critic_loss", "actor_loss", "alpha", "entropy", "q_mean"):
        assert np.isfinite(last[key])


def test_cli_names_the_field_when_every_quantile_would_be_dropped(tmp_path: Path, capsys) -> None:
    args = ["run", "halfcheetah", "--learner", "tqc", "--steps", "10", "--run-dir", str(tmp_path / "run"),
            "--set", "learner.top_quantiles_to_drop_per_net=30"]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "learner.tqc" in err and "top_quantiles_to_drop_per_net (30) must be below n_quantiles (25)" in err
    assert "Traceback" not in err
