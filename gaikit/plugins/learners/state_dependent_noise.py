"""Generalized state-dependent exploration (gSDE) for the tanh-squashed Gaussian policy.

gSDE (Raffin, Kober and Stulp, 2022; Stable-Baselines3's ``use_sde``) makes
the exploration noise a function of the state: with the policy's last hidden
features ``z`` (the *latent*, ``(batch, latent_dim)``, not trained through the
noise) and a learned ``log_std`` matrix ``(latent_dim, action_dim)``, an
exploration matrix ``E = exp(log_std) * eps`` (``eps ~ N(0, 1)`` elementwise)
gives the pre-squash action::

    u = mean + z @ E

For a fixed ``E`` the noise is a smooth function of the state, so it can be
held for several steps (temporally correlated exploration) instead of being
redrawn at every step. Over the draws of ``E`` each ``u_j`` is Gaussian with
variance ``var_j = sum_k z_k^2 exp(2 log_std_kj)`` (plus SB3's floor
``1e-6``), so the log-density of the squashed, rescaled action is::

    log pi(a) = sum_j [-(u_j - mean_j)^2 / (2 var_j) - log(var_j) / 2 - log(2 pi) / 2
                       - log(1 - tanh(u_j)^2)] - log_scale_sum

Plain forward computations; autograd differentiates them.
"""

from __future__ import annotations

import torch

from gaikit.plugins.learners.squashed_gaussian import HALF_LOG_2PI, squash, tanh_log_abs_det

#: Stable-Baselines3's floor on the variance (``StateDependentNoiseDistribution.epsilon``).
VARIANCE_FLOOR = 1e-6


def sde_variance(latent: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """``(batch, action_dim)``: the variance of ``z @ E`` over the draws of ``E``, plus the floor."""
    return (latent * latent).mm(torch.exp(2.0 * log_std)) + VARIANCE_FLOOR


def sde_sample(
    mean: torch.Tensor,
    latent: torch.Tensor,
    log_std: torch.Tensor,
    eps: torch.Tensor,
    scale: torch.Tensor,
    bias: torch.Tensor,
    log_scale_sum: torch.Tensor | float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(action, log_prob)`` for the exploration matrix ``exp(log_std) * eps``.

    Gradients reach ``mean`` and ``log_std``; ``latent`` is detached, as SB3
    does without ``learn_features``.
    """
    z = latent.detach()
    spread = z.mm(torch.exp(log_std) * eps)  # u - mean
    u = mean + spread
    var = sde_variance(z, log_std)
    gaussian = (-0.5 * spread.pow(2) / var - 0.5 * torch.log(var) - HALF_LOG_2PI).sum(-1)
    log_prob = gaussian - tanh_log_abs_det(u) - log_scale_sum
    return squash(u, scale, bias), log_prob
