"""TQC's critic: several Q networks that each predict quantiles of the return, and their loss.

Kuznetsov et al., "Controlling Overestimation Bias with Truncated Mixture of
Continuous Distributional Quantile Critics" (ICML 2020), as sb3-contrib's
``TQC``: ``n_critics`` MLPs on ``cat(features, action)``, each with
``n_quantiles`` outputs, the quantiles of the return at the fractions
``(2i + 1) / (2 n_quantiles)``.

:func:`quantile_huber_loss` is the loss: for every predicted quantile ``z_i``
(fraction ``tau_i``) and every target atom ``y_j``, with ``d = y_j - z_i``,
``|tau_i - 1{d < 0}| * huber(d)`` (kappa 1), averaged over all of them as
sb3-contrib does (``sum_over_quantiles=False``). It is written with prefix
sums over the sorted atoms instead of the ``quantiles x atoms`` table; the
result is a polynomial in each ``z_i`` on each piece, so autograd's gradient
is the exact gradient of the pairwise formulation.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.plugins.learners.sac_networks import BoxScaling, critic_input, mlp


class QuantileCritic(nn.Module):
    """``n_critics`` quantile heads on one encoder: ``(obs, action) -> (n_critics, batch, n_quantiles)``.

    The action enters the first layer of each head, normalised to ``[-1, 1]``,
    as in :class:`~gaikit.plugins.learners.sac_networks.TwinCritic`.
    """

    def __init__(
        self, encoder: Encoder, scaling: BoxScaling, hidden: Sequence[int], n_critics: int, n_quantiles: int
    ) -> None:
        super().__init__()
        in_dim = encoder.features_dim + scaling.scale.numel()
        self.encoder = encoder
        self.scaling = scaling
        self.heads = nn.ModuleList(mlp(in_dim, hidden, n_quantiles) for _ in range(n_critics))

    def forward(self, obs: TensorObservation, actions: torch.Tensor) -> torch.Tensor:
        """Every critic's quantiles, ``(n_critics, batch, n_quantiles)``."""
        x = critic_input(self.encoder, self.scaling, obs, actions)
        return torch.stack([head(x) for head in self.heads])


def quantile_fractions(n_quantiles: int) -> torch.Tensor:
    """The fractions ``(2i + 1) / (2n)`` at which the heads predict the return's quantiles."""
    return (torch.arange(n_quantiles, dtype=torch.float32) + 0.5) / n_quantiles


def truncated_targets(next_quantiles: torch.Tensor, drop_per_critic: int) -> torch.Tensor:
    """TQC's truncation: pool every critic's quantiles per sample, sort, drop the largest.

    ``next_quantiles`` is ``(n_critics, batch, n_quantiles)``; returns
    ``(batch, n_critics * (n_quantiles - drop_per_critic))``, ascending.
    """
    n_critics, batch, n_quantiles = next_quantiles.shape
    pooled = next_quantiles.permute(1, 0, 2).reshape(batch, n_critics * n_quantiles)
    keep = n_critics * (n_quantiles - drop_per_critic)
    return pooled.sort(dim=1).values[:, :keep]


def quantile_huber_loss(
    quantiles: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor, *, presorted: bool = False
) -> torch.Tensor:
    """The importance-weighted quantile Huber loss (kappa 1), differentiable in ``quantiles``.

    ``quantiles`` is ``(n_critics, batch, n_quantiles)``, ``targets``
    ``(batch, n_targets)`` (constants; each row ascending if ``presorted``, as
    :func:`truncated_targets` gives them) and ``weights`` ``(batch,)``
    importance weights (ones for uniform replay). The loss is the mean over
    critics, samples, quantiles and targets of
    ``w * |tau_i - 1{d < 0}| * huber(d)``, ``d = target - quantile``;
    sb3-contrib's ``quantile_huber_loss`` with ``sum_over_quantiles=False``
    when the weights are ones.

    Against a sorted row of targets, a quantile ``z`` splits them into four
    runs: ``d < -1`` (loss ``-d - 1/2``, weight ``1 - tau``), ``-1 <= d < 0``
    (loss ``d^2 / 2``, weight ``1 - tau``), ``0 <= d <= 1`` (loss ``d^2 / 2``,
    weight ``tau``) and ``d > 1`` (loss ``d - 1/2``, weight ``tau``). The run
    boundaries come from a binary search and each run's sums of ``d`` and
    ``d^2`` from prefix sums of ``y`` and ``y^2`` (in float64, so the
    differences lose nothing); nothing of size ``quantiles x targets`` is formed.
    """
    n_critics, batch, n_quantiles = quantiles.shape
    n_targets = targets.shape[1]
    y = (targets if presorted else targets.sort(dim=1).values).detach().double()
    z = quantiles.permute(1, 0, 2).reshape(batch, n_critics * n_quantiles).double()  # (batch, all quantiles)
    tau = quantile_fractions(n_quantiles).double().repeat(n_critics)
    zeros = y.new_zeros(batch, 1)
    sum_y = torch.cat([zeros, y.cumsum(1)], 1)  # sum_y[:, k] = y[:, :k].sum(1)
    sum_y2 = torch.cat([zeros, (y * y).cumsum(1)], 1)
    # Where each run of targets starts and ends (binary searches on constants: no gradient).
    first = torch.zeros_like(z, dtype=torch.long)
    below_far = torch.searchsorted(y, z.detach() - 1.0)  # targets with d < -1
    below = torch.searchsorted(y, z.detach())  # targets with d < 0
    within = torch.searchsorted(y, z.detach() + 1.0, right=True)  # targets with d <= 1
    end = torch.full_like(first, n_targets)

    def run(lo: torch.Tensor, hi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Count, sum of d and sum of d^2 over the targets ``[lo, hi)`` of each row."""
        count = (hi - lo).double()
        s1 = sum_y.gather(1, hi) - sum_y.gather(1, lo)
        s2 = sum_y2.gather(1, hi) - sum_y2.gather(1, lo)
        return count, s1 - z * count, s2 - 2.0 * z * s1 + z * z * count

    n_far_below, d_far_below, _ = run(first, below_far)
    _, _, d2_near_below = run(below_far, below)
    _, _, d2_near_above = run(below, within)
    n_far_above, d_far_above, _ = run(within, end)
    below_sum = -d_far_below - 0.5 * n_far_below + 0.5 * d2_near_below
    above_sum = 0.5 * d2_near_above + d_far_above - 0.5 * n_far_above
    per_quantile = (1.0 - tau) * below_sum + tau * above_sum  # (batch, all quantiles): summed over targets
    loss = (weights.double().unsqueeze(1) * per_quantile).sum() / (n_critics * batch * n_quantiles * n_targets)
    return loss.float()
