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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

LOG_2 = math.log(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_log_prob(u: torch.Tensor, mean: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    """``log N(u; mean, exp(log_std))`` summed over the last axis."""
    z = (u - mean) * torch.exp(-log_std)
    return (-0.5 * z.pow(2) - log_std - _HALF_LOG_2PI).sum(-1)


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


@dataclass
class SampleTape:
    """What :func:`squashed_sample_forward` keeps for :func:`squashed_sample_backward`."""

    t: torch.Tensor  # tanh(u)
    spread: torch.Tensor  # u - mean = noise * std
    scale: torch.Tensor
    inside: torch.Tensor  # where the clamp of log_std did not clip


def squashed_sample_forward(
    mean_log_std: torch.Tensor,
    log_std_bounds: tuple[float, float],
    noise: torch.Tensor,
    scale: torch.Tensor,
    bias: torch.Tensor,
    log_scale_sum: torch.Tensor | float,
    *,
    keep: bool = True,
) -> tuple[torch.Tensor, torch.Tensor, SampleTape | None]:
    """``(action, log_prob, tape)`` for the given standard normal ``noise``; no autograd graph.

    ``mean_log_std`` is ``(batch, 2 * action_dim)``: the mean, then the log
    standard deviation before it is clamped to ``log_std_bounds``. With
    ``u = mean + noise * std`` the action is ``squash(u)`` and the
    log-probability :func:`squashed_log_prob` of it, written with the noise:
    ``-sum(noise^2 / 2 + log_std + log(2 pi) / 2 + log(1 - tanh(u)^2)) - log_scale_sum``.
    Without ``keep`` the tape is None (nothing will be backpropagated). Call
    it with gradients disabled (``torch.no_grad()``).
    """
    mean, raw_log_std = mean_log_std.chunk(2, dim=-1)
    log_std = raw_log_std.clamp(*log_std_bounds)
    spread = noise * torch.exp(log_std)
    u = mean + spread
    t = torch.tanh(u)
    # log(1 - tanh(u)^2) = 2 * (log 2 - u - softplus(-2u)); the constants are added once.
    per_dim = torch.addcmul(log_std, noise, noise, value=0.5).sub_(u.add_(F.softplus(-2.0 * u)), alpha=2.0)
    constant = u.shape[-1] * (_HALF_LOG_2PI + 2.0 * LOG_2) + log_scale_sum
    log_prob = per_dim.sum(-1).add_(constant).neg_()
    action = torch.addcmul(bias, t, scale)
    if not keep:
        return action, log_prob, None
    inside = (raw_log_std >= log_std_bounds[0]) & (raw_log_std <= log_std_bounds[1])
    return action, log_prob, SampleTape(t, spread, scale, inside)


def squashed_sample_backward(tape: SampleTape, grad_action: torch.Tensor, grad_log_prob: torch.Tensor) -> torch.Tensor:
    """The gradient in ``mean_log_std`` given those in the action and the log-probability.

    With ``t = tanh(u)`` the log-probability's derivative in ``u`` is ``2 t``
    and the action's ``scale * (1 - t^2)``. Both reach the mean as they are
    (``du/dmean = 1``) and ``log_std`` times ``spread`` (``du/dlog_std =
    spread``); the log-probability has an extra ``-1`` in ``log_std``, and the
    clamp of ``log_std`` passes gradient only where it did not clip. Call it
    with gradients disabled.
    """
    g_log_prob = grad_log_prob.unsqueeze(-1)
    t = tape.t
    grad_u = (grad_action * tape.scale).mul_(1.0 - t * t).addcmul_(g_log_prob, t, value=2.0)
    grad_log_std = (grad_u * tape.spread).sub_(g_log_prob).mul_(tape.inside)
    return torch.cat([grad_u, grad_log_std], dim=-1)


class _SampleSquashed(torch.autograd.Function):
    """:func:`sample_squashed` as one autograd node around the two functions above."""

    @staticmethod
    def forward(  # noqa: D102
        ctx: Any, mean_log_std: torch.Tensor, bounds: tuple[float, float], noise: torch.Tensor,
        scale: torch.Tensor, bias: torch.Tensor, log_scale_sum: torch.Tensor | float,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        action, log_prob, tape = squashed_sample_forward(mean_log_std, bounds, noise, scale, bias, log_scale_sum)
        assert tape is not None
        ctx.save_for_backward(tape.t, tape.spread, tape.scale, tape.inside)
        return action, log_prob

    @staticmethod
    def backward(ctx: Any, grad_action: torch.Tensor, grad_log_prob: torch.Tensor) -> tuple[torch.Tensor | None, ...]:  # noqa: D102
        tape = SampleTape(*ctx.saved_tensors)
        return squashed_sample_backward(tape, grad_action, grad_log_prob), None, None, None, None, None


def standard_noise(mean_log_std: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise shaped like the mean half of ``mean_log_std``."""
    shape = (*mean_log_std.shape[:-1], mean_log_std.shape[-1] // 2)
    return torch.randn(shape, generator=generator, dtype=mean_log_std.dtype, device=mean_log_std.device)


def sample_squashed(
    mean_log_std: torch.Tensor,
    log_std_bounds: tuple[float, float],
    scale: torch.Tensor,
    bias: torch.Tensor,
    log_scale_sum: torch.Tensor | float,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reparameterised sample ``(action, log_prob)`` from the policy head's raw output.

    :func:`squashed_sample_forward` with noise from ``generator``, as one
    autograd node: gradients flow to ``mean_log_std``.
    """
    noise = standard_noise(mean_log_std, generator)
    args = (mean_log_std, log_std_bounds, noise, scale, bias, log_scale_sum)
    if not torch.is_grad_enabled():
        return squashed_sample_forward(*args, keep=False)[:2]
    if mean_log_std.requires_grad:
        return _SampleSquashed.apply(*args)
    with torch.no_grad():
        return squashed_sample_forward(*args, keep=False)[:2]
