"""SAC's actor with generalized state-dependent exploration (gSDE), Stable-Baselines3's ``use_sde``.

The layout is SB3's SAC ``Actor`` with ``use_sde=True`` (``full_std``, no
``expln``, features not learned through the noise): the trunk's last hidden
features ``z`` feed a linear mean head clipped to ``[-clip_mean, clip_mean]``
(SB3's ``Hardtanh``), and a learned ``log_std`` matrix
``(latent_dim, action_dim)``, initialised to ``log_std_init``, scales the
exploration matrix (see :mod:`~gaikit.plugins.learners.state_dependent_noise`).
One exploration matrix is drawn per gradient step (:meth:`SDEActor.reset_noise`)
and serves every sample of the batch, in the critic target and in the actor's
step alike, as in SB3's ``SAC.train``.

The interface is :class:`~gaikit.plugins.learners.sac_networks.Actor`'s, so
the SAC update runs either; the extra :meth:`SDEActor.distribution` gives the
latent the ``gaussian`` selector needs to hold the noise across steps.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.plugins.learners.sac_networks import BoxScaling, last_width, mlp
from gaikit.plugins.learners.squashed_gaussian import squash
from gaikit.plugins.learners.state_dependent_noise import sde_sample, sde_variance


class SDEActor(nn.Module):
    """``obs -> (mean, latent)`` and gSDE sampling with a learned ``log_std`` matrix."""

    eps: torch.Tensor

    def __init__(
        self,
        encoder: Encoder,
        scaling: BoxScaling,
        hidden: Sequence[int],
        log_std_init: float,
        clip_mean: float,
    ) -> None:
        super().__init__()
        action_dim = scaling.scale.numel()
        self.encoder = encoder
        self.trunk = mlp(encoder.features_dim, hidden)
        self.latent_dim = last_width(encoder.features_dim, hidden)
        self.mean_head = nn.Linear(self.latent_dim, action_dim)
        self.log_std = nn.Parameter(torch.full((self.latent_dim, action_dim), float(log_std_init)))
        self.scaling = scaling
        self.clip_mean = float(clip_mean)
        self.register_buffer("eps", torch.zeros(self.latent_dim, action_dim), persistent=False)

    def reset_noise(self, generator: torch.Generator | None = None) -> None:
        """Draw the standard normal ``eps`` of a fresh exploration matrix (one per gradient step)."""
        self.eps = torch.randn(self.eps.shape, generator=generator, dtype=self.eps.dtype)

    def mean_and_latent(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor]:
        """The clipped mean ``(batch, action_dim)`` and the latent ``z`` ``(batch, latent_dim)``."""
        latent = self.trunk(self.encoder(obs))
        return F.hardtanh(self.mean_head(latent), -self.clip_mean, self.clip_mean), latent

    def distribution(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(mean, log_std, latent)``: the clipped mean, the marginal log standard deviation
        ``log(var) / 2`` of each pre-squash action, and the latent, each ``(batch, .)``; no gradients."""
        with torch.no_grad():
            mean, latent = self.mean_and_latent(obs)
            return mean, 0.5 * torch.log(sde_variance(latent, self.log_std)), latent

    def forward(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor]:
        """Clipped mean and marginal log standard deviation, each ``(batch, action_dim)`` (no gradients)."""
        mean, log_std, _ = self.distribution(obs)
        return mean, log_std

    def sample(
        self, obs: TensorObservation, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A Box action and its log-probability ``(batch,)`` with the current exploration matrix.

        ``generator`` is unused (the matrix is :meth:`reset_noise`'s); autograd
        reaches the mean head, the trunk and ``log_std``.
        """
        del generator
        mean, latent = self.mean_and_latent(obs)
        s = self.scaling
        return sde_sample(mean, latent, self.log_std, self.eps, s.scale, s.bias, s.log_scale_sum)

    def greedy(self, obs: TensorObservation) -> torch.Tensor:
        """The squashed clipped mean: the deterministic action used in evaluation."""
        mean, _ = self(obs)
        return squash(mean, self.scaling.scale, self.scaling.bias)
