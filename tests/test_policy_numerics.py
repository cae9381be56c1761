"""The squashed-Gaussian helpers' documented contracts beyond the learner's float32 ``(batch, action_dim)`` use.

* They reduce over the *last* axis, so a single action ``(action_dim,)`` or a
  stack of batches ``(samples, batch, action_dim)`` (e.g. for a Monte Carlo
  entropy estimate) gets one log-probability per action.
* ``sample_squashed`` draws its noise in the mean's dtype, so a float64
  reference computation gets float64 draws, not float32 ones promoted.
"""

from __future__ import annotations

import pytest
import torch
from torch.distributions import Normal

from gaikit.plugins.learners.squashed_gaussian import (
    gaussian_log_prob,
    sample_squashed,
    squashed_log_prob,
    tanh_log_abs_det,
)

SCALE = torch.tensor([2.0, 1.5], dtype=torch.float64)
BIAS = torch.tensor([0.0, 1.5], dtype=torch.float64)
LOG_SCALE_SUM = torch.log(SCALE).sum()


def gaussian(shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    mean = torch.randn(shape, generator=g, dtype=torch.float64)
    log_std = torch.randn(shape, generator=g, dtype=torch.float64) * 0.3 - 0.5
    u = mean + torch.randn(shape, generator=g, dtype=torch.float64) * log_std.exp()
    return u, mean, log_std


@pytest.mark.parametrize("shape", [(2,), (4, 3, 2)], ids=["one-action", "samples-x-batch"])
def test_log_densities_reduce_over_the_last_axis(shape):
    """gaussian_log_prob, tanh_log_abs_det and squashed_log_prob give one value per action vector."""
    u, mean, log_std = gaussian(shape)
    expected_gaussian = Normal(mean, log_std.exp()).log_prob(u).sum(-1)
    expected_det = torch.log1p(-torch.tanh(u).pow(2)).sum(-1)
    assert expected_gaussian.shape == shape[:-1]
    torch.testing.assert_close(gaussian_log_prob(u, mean, log_std), expected_gaussian)
    torch.testing.assert_close(tanh_log_abs_det(u), expected_det)
    torch.testing.assert_close(
        squashed_log_prob(u, mean, log_std, LOG_SCALE_SUM), expected_gaussian - expected_det - LOG_SCALE_SUM
    )


def test_sample_squashed_over_a_stack_of_batches():
    """A (samples, batch, action_dim) mean gives (samples, batch, action_dim) actions and (samples, batch)
    log-probabilities, each the squashed density of its own action vector."""
    _, mean, log_std = gaussian((4, 3, 2), seed=1)
    actions, log_prob = sample_squashed(mean, log_std, SCALE, BIAS, LOG_SCALE_SUM, torch.Generator().manual_seed(2))
    assert actions.shape == (4, 3, 2) and log_prob.shape == (4, 3)
    u = torch.atanh((actions - BIAS) / SCALE)
    torch.testing.assert_close(log_prob, squashed_log_prob(u, mean, log_std, LOG_SCALE_SUM), rtol=1e-6, atol=1e-6)


def test_sample_squashed_draws_its_noise_in_the_means_dtype():
    """In float64 the action is exactly tanh(mean + std * randn_float64) * scale + bias for the
    generator's stream (float32 draws are other numbers, not a rounding of these)."""
    _, mean, log_std = gaussian((12, 2), seed=3)
    actions, log_prob = sample_squashed(mean, log_std, SCALE, BIAS, LOG_SCALE_SUM, torch.Generator().manual_seed(4))
    noise = torch.randn((12, 2), generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    u = mean + noise * log_std.exp()
    assert actions.dtype == log_prob.dtype == torch.float64
    torch.testing.assert_close(actions, torch.tanh(u) * SCALE + BIAS, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(log_prob, squashed_log_prob(u, mean, log_std, LOG_SCALE_SUM), rtol=1e-10, atol=1e-10)

