"""The tanh-squashed, rescaled diagonal Gaussian policy distribution of SAC.

An action is drawn as ``u ~ N(mean, exp(log_std))`` (the *pre-squash*
sample), squashed to ``(-1, 1)`` with ``tanh`` and rescaled to the Box
bounds: ``a = tanh(u) * scale + bias`` with ``scale = (high - low) / 2`` and
``bias = (high + low) / 2``. By the change of variables the density of ``a``
is, per dimension::

    log pi(a) = log N(u; mean, std) - log(1 - tanh(u)^2) - log(scale)

and ``log(1 - tanh(u)^2) = 2 * (log 2 - u - softplus(-2u))`` is the
numerically stable form (it never takes the log of a number rounded to 0).
The log-probability of a vector action is the sum over dimensions.

Everything here is a plain forward computation; autograd differentiates it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_log_prob(u: torch.Tensor, mean: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """``log N(u; mean, exp(log_std))`` summed over the last axis."""
    z = (u - mean) * torch.exp(-log_std)
    return (-0.5 * z.pow(2) - log_std - HALF_LOG_2PI).sum(-1)


def tanh_log_abs_det(u: torch.Tensor) -> torch.Tensor:
    """``log |d tanh(u) / du| = log(1 - tanh(u)^2)`` summed over the last axis, stably."""
    return (2.0 * (LOG_2 - u - F.softplus(-2.0 * u))).sum(-1)


def squash(u: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Map a pre-squash sample to the Box: ``tanh(u) * scale + bias``."""
    return torch.tanh(u) * scale + bias


def squashed_log_prob(
    u: torch.Tensor, mean: torch.Tensor, log_std: torch.Tensor, log_scale_sum: torch.Tensor | float
) -> torch.Tensor:
    """Log-density of the action ``squash(u)`` under the squashed, rescaled Gaussian.

    ``log_scale_sum`` is ``sum(log(scale))`` over the action dimensions (the
    Jacobian of the affine rescaling, a constant per action space).
    """
    return gaussian_log_prob(u, mean, log_std) - tanh_log_abs_det(u) - log_scale_sum


def sample_squashed(
    mean: torch.Tensor,
    log_std: torch.Tensor,
    scale: torch.Tensor,
    bias: torch.Tensor,
    log_scale_sum: torch.Tensor | float,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A reparameterised sample ``(action, log_prob)``; gradients reach ``mean`` and ``log_std``.

    ``u = mean + std * noise`` with standard normal ``noise`` from
    ``generator``; the action is ``squash(u)`` and the log-probability
    :func:`squashed_log_prob` of it, with ``(u - mean) / std`` written as the
    noise it is.
    """
    noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
    u = mean + noise * torch.exp(log_std)
    gaussian = (-0.5 * noise.pow(2) - log_std - HALF_LOG_2PI).sum(-1)
    log_prob = gaussian - tanh_log_abs_det(u) - log_scale_sum
    return squash(u, scale, bias), log_prob
