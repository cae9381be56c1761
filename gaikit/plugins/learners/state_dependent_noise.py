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

As in SB3's SAC with gSDE the mean is clipped to ``[-clip_mean, clip_mean]``
(a ``Hardtanh``), so the squashed mean never saturates ``tanh``.

:func:`sde_sample_forward` computes the sample and its log-probability with
gradients disabled and keeps a tape; :func:`sde_sample_backward` forms the
gradients in the pre-clip mean and in ``log_std`` by hand (the SAC update's
written-out backward). :func:`sde_sample` is the plain autograd formulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gaikit.plugins.learners.squashed_gaussian import LOG_2

#: Stable-Baselines3's floor on the variance (``StateDependentNoiseDistribution.epsilon``).
VARIANCE_FLOOR = 1e-6
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def sde_variance(latent: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """``(batch, action_dim)``: the variance of ``z @ E`` over ``E``, plus the floor."""
    return (latent * latent).mm(torch.exp(2.0 * log_std)).add_(VARIANCE_FLOOR)


def exploration_matrix(log_std: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """``E = exp(log_std) * eps``: one draw of the noise weights for standard normal ``eps``."""
    return torch.exp(log_std) * eps


def sde_sample(
    mean_pre: torch.Tensor,
    latent: torch.Tensor,
    log_std: torch.Tensor,
    eps: torch.Tensor,
    scale: torch.Tensor,
    bias: torch.Tensor,
    log_scale_sum: torch.Tensor | float,
    clip_mean: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(action, log_prob)`` in plain autograd operations (gradients reach ``mean_pre`` and ``log_std``).

    ``latent`` is detached, as SB3 does without ``learn_features``. With
    gradients disabled (the critic target) it is :func:`sde_sample_forward`
    without a tape: the same values with fewer temporaries.
    """
    if not torch.is_grad_enabled():
        return sde_sample_forward(mean_pre, latent, log_std, eps, scale, bias, log_scale_sum, clip_mean, keep=False)[:2]
    mean = F.hardtanh(mean_pre, -clip_mean, clip_mean)
    z = latent.detach()
    spread = z.mm(exploration_matrix(log_std, eps))
    u = mean + spread
    var = (z * z).mm(torch.exp(2.0 * log_std)) + VARIANCE_FLOOR
    gaussian = -0.5 * spread.pow(2) / var - 0.5 * torch.log(var) - _HALF_LOG_2PI
    log_abs_det = 2.0 * (LOG_2 - u - F.softplus(-2.0 * u))
    log_prob = (gaussian - log_abs_det).sum(-1) - log_scale_sum
    return torch.tanh(u) * scale + bias, log_prob


@dataclass
class SDETape:
    """What :func:`sde_sample_forward` keeps for :func:`sde_sample_backward`."""

    latent: torch.Tensor  # z, (batch, latent_dim)
    weights: torch.Tensor  # E = exp(log_std) * eps, (latent_dim, action_dim)
    std_sq: torch.Tensor  # exp(2 log_std)
    t: torch.Tensor  # tanh(u)
    spread: torch.Tensor  # u - mean = z @ E
    var: torch.Tensor
    scale: torch.Tensor
    inside: torch.Tensor  # where the mean clip did not clip


def sde_sample_forward(
    mean_pre: torch.Tensor,
    latent: torch.Tensor,
    log_std: torch.Tensor,
    eps: torch.Tensor,
    scale: torch.Tensor,
    bias: torch.Tensor,
    log_scale_sum: torch.Tensor | float,
    clip_mean: float,
    *,
    keep: bool = True,
) -> tuple[torch.Tensor, torch.Tensor, SDETape | None]:
    """:func:`sde_sample`'s values and a tape for :func:`sde_sample_backward`; no autograd graph.

    Without ``keep`` the tape is None. Call it with gradients disabled.
    """
    mean = mean_pre.clamp(-clip_mean, clip_mean)
    weights = exploration_matrix(log_std, eps)
    std_sq = torch.exp(2.0 * log_std)
    spread = latent.mm(weights)
    var = (latent * latent).mm(std_sq).add_(VARIANCE_FLOOR)
    u = mean + spread
    t = torch.tanh(u)
    # Per dimension: spread^2 / (2 var) + log(var) / 2 + log(1 - t^2); constants added once.
    per_dim = (spread * spread).div_(var).mul_(0.5).add_(torch.log(var), alpha=0.5)
    per_dim.sub_(u.add(F.softplus(-2.0 * u)), alpha=2.0)
    constant = u.shape[-1] * (_HALF_LOG_2PI + 2.0 * LOG_2) + log_scale_sum
    log_prob = per_dim.sum(-1).add_(constant).neg_()
    action = torch.addcmul(bias, t, scale)
    if not keep:
        return action, log_prob, None
    inside = (mean_pre > -clip_mean) & (mean_pre < clip_mean)
    return action, log_prob, SDETape(latent, weights, std_sq, t, spread, var, scale, inside)


def sde_sample_backward(
    tape: SDETape, grad_action: torch.Tensor, grad_log_prob: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients in the pre-clip mean ``(batch, action_dim)`` and in ``log_std`` ``(latent_dim, action_dim)``.

    With ``g_u`` the gradient in ``u`` (through the action and the tanh
    Jacobian term ``2 t`` of the log-probability) and ``gl`` the one in the
    log-probability: the mean gets ``g_u`` where the clip is inactive; the
    spread ``n = z @ E`` gets ``g_n = g_u - gl * n / var``; the variance gets
    ``gl * (n^2 / var^2 - 1 / var) / 2``. Through ``E = exp(log_std) * eps``
    and ``var = z^2 @ exp(2 log_std)`` that is, in ``log_std``::

        E * (z^T @ g_n) + exp(2 log_std) * ((z^2)^T @ (gl * (n^2 / var^2 - 1 / var)))

    Call it with gradients disabled.
    """
    gl = grad_log_prob.unsqueeze(-1)
    t, spread, var = tape.t, tape.spread, tape.var
    grad_u = (grad_action * tape.scale).mul_(1.0 - t * t).addcmul_(gl, t, value=2.0)
    grad_mean = grad_u * tape.inside
    inv_var = var.reciprocal()
    spread_over_var = spread * inv_var
    grad_spread = grad_u.addcmul_(gl, spread_over_var, value=-1.0)
    grad_var_term = (spread_over_var * spread_over_var).sub_(inv_var).mul_(gl)
    z = tape.latent
    grad_log_std = z.t().mm(grad_spread).mul_(tape.weights)
    grad_log_std.addcmul_((z * z).t().mm(grad_var_term), tape.std_sq)
    return grad_mean, grad_log_std
