"""TQC's critic: several Q networks that each predict quantiles of the return, and their loss.

Kuznetsov et al., "Controlling Overestimation Bias with Truncated Mixture of
Continuous Distributional Quantile Critics" (ICML 2020), as sb3-contrib's
``TQC``: ``n_critics`` MLPs on ``cat(features, action)``, each with
``n_quantiles`` outputs, the quantiles of the return at the fractions
``(i + 0.5) / n_quantiles``. The layers and their written-out backward are the
same as :class:`~gaikit.plugins.learners.sac_networks.TwinCritic`'s
(:class:`~gaikit.plugins.learners.sac_networks.HeadsCritic`); only the last
layer is wider.

:func:`quantile_huber_loss` is the loss and its gradient in the predicted
quantiles, written out: for every predicted quantile ``z_i`` (fraction
``tau_i``) and every target atom ``y_j``, with ``d = y_j - z_i``,
``|tau_i - 1{d < 0}| * huber(d)``, averaged over all of them as sb3-contrib
does (``sum_over_quantiles=False``).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.plugins.learners.sac_networks import BoxScaling, HeadsCritic, mlp


class QuantileCritic(HeadsCritic):
    """``n_critics`` quantile heads on one encoder: ``(obs, action) -> (n_critics, batch, n_quantiles)``.

    The action enters the first layer of each head, normalised to ``[-1, 1]``,
    as in :class:`~gaikit.plugins.learners.sac_networks.TwinCritic`.
    """

    def __init__(
        self, encoder: Encoder, scaling: BoxScaling, hidden: Sequence[int], n_critics: int, n_quantiles: int
    ) -> None:
        super().__init__(encoder, scaling)
        in_dim = encoder.features_dim + scaling.scale.numel()
        self.n_critics = n_critics
        self.n_quantiles = n_quantiles
        self.heads = nn.ModuleList(mlp(in_dim, hidden, n_quantiles) for _ in range(n_critics))
        self._set_heads(list(self.heads), scalar=False)

    def forward(self, obs: TensorObservation, actions: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`values`."""
        return self.values(obs, actions)


def quantile_fractions(n_quantiles: int) -> torch.Tensor:
    """The fractions ``(i + 0.5) / n`` at which the heads predict the return's quantiles."""
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
) -> tuple[torch.Tensor, torch.Tensor]:
    """The quantile Huber loss (kappa 1) and its gradient in ``quantiles``.

    ``quantiles`` is ``(n_critics, batch, n_quantiles)``, ``targets``
    ``(batch, n_targets)`` (constants; each row ascending if ``presorted``, as
    :func:`truncated_targets` gives them) and ``weights`` ``(batch,)``
    importance weights (ones for uniform replay). The loss is the mean over
    critics, samples, quantiles and targets of
    ``w * |tau_i - 1{d < 0}| * huber(d)``, ``d = target - quantile``;
    sb3-contrib's ``quantile_huber_loss`` with ``sum_over_quantiles=False``
    when the weights are ones.

    Nothing of size ``quantiles x targets`` is formed. Against a sorted row of
    targets, a quantile ``z`` splits them into four runs: ``d < -1``
    (gradient ``-1``, loss ``|d| - 1/2``), ``-1 <= d < 0`` and ``0 <= d <= 1``
    (gradient ``d``, loss ``d^2 / 2``), and ``d > 1`` (gradient ``1``, loss
    ``d - 1/2``); the weight is ``1 - tau`` below ``z`` and ``tau`` above. The
    run boundaries come from a binary search and each run's sums of ``y`` and
    ``y^2`` from prefix sums (in float64, so the differences lose nothing).
    """
    n_critics, batch, n_quantiles = quantiles.shape
    n_targets = targets.shape[1]
    y = (targets if presorted else targets.sort(dim=1).values).double()
    z = quantiles.permute(1, 0, 2).reshape(batch, n_critics * n_quantiles).double()  # (batch, all quantiles)
    tau = quantile_fractions(n_quantiles).double().repeat(n_critics)
    zeros = y.new_zeros(batch, 1)
    sum_y = torch.cat([zeros, y.cumsum(1)], 1)  # sum_y[:, k] = y[:, :k].sum(1)
    sum_y2 = torch.cat([zeros, (y * y).cumsum(1)], 1)
    below_far = torch.searchsorted(y, z - 1.0)  # targets with d < -1
    below = torch.searchsorted(y, z)  # targets with d < 0
    within = torch.searchsorted(y, z + 1.0, right=True)  # targets with d <= 1

    def run(lo: torch.Tensor | None, hi: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
        """Count, sum of d and sum of d^2 over the targets ``[lo, hi)`` of each row."""
        lo_n = zeros.long() if lo is None else lo
        hi_n = torch.full_like(lo_n, n_targets) if hi is None else hi
        count = (hi_n - lo_n).double()
        s1 = sum_y.gather(1, hi_n) - sum_y.gather(1, lo_n)
        s2 = sum_y2.gather(1, hi_n) - sum_y2.gather(1, lo_n)
        return count, s1 - z * count, s2 - 2.0 * z * s1 + z * z * count

    n_far_below, d_far_below, _ = run(None, below_far)
    n_near_below, d_near_below, d2_near_below = run(below_far, below)
    n_near_above, d_near_above, d2_near_above = run(below, within)
    n_far_above, d_far_above, _ = run(within, None)
    grad_sum = (1.0 - tau) * (d_near_below - n_far_below) + tau * (d_near_above + n_far_above)
    loss_sum = (1.0 - tau) * (-d_far_below - 0.5 * n_far_below + 0.5 * d2_near_below) + tau * (
        0.5 * d2_near_above + d_far_above - 0.5 * n_far_above
    )
    scale = 1.0 / (n_critics * batch * n_quantiles * n_targets)
    w = weights.double().unsqueeze(1)
    loss = (w * loss_sum).sum() * scale
    grad = (w * grad_sum * -scale).float().view(batch, n_critics, n_quantiles).permute(1, 0, 2)
    return loss.float(), grad
