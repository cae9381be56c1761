"""SAC's actor with generalized state-dependent exploration (gSDE), Stable-Baselines3's ``use_sde``.

The layout is SB3's SAC ``Actor`` with ``use_sde=True`` (``full_std``, no
``expln``, features not learned through the noise): the trunk's last hidden
features ``z`` feed a linear mean head clipped to ``[-clip_mean, clip_mean]``,
and a learned ``log_std`` matrix ``(latent_dim, action_dim)``, initialised to
``log_std_init``, scales the exploration matrix (see
:mod:`~gaikit.plugins.learners.state_dependent_noise`). One exploration matrix
is drawn per gradient step (:meth:`SDEActor.reset_noise`) and serves every
sample of the batch, in the critic target and in the actor's step alike, as in
SB3's ``SAC.train``.

The interface is :class:`~gaikit.plugins.learners.sac_networks.Actor`'s, so
the SAC update runs either; the extra :meth:`SDEActor.distribution` gives the
latent the ``gaussian`` selector needs to hold the noise across steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.plugins.learners.fused_mlp import MLPTape, linear_params, mlps_backward, mlps_forward
from gaikit.plugins.learners.sac_networks import (
    BoxScaling,
    _last_width,
    accumulate_grads,
    check_no_grad,
    encode_features,
    linear_layers,
    mlp,
)
from gaikit.plugins.learners.squashed_gaussian import squash
from gaikit.plugins.learners.state_dependent_noise import (
    SDETape,
    sde_sample,
    sde_sample_backward,
    sde_sample_forward,
    sde_variance,
)


@dataclass
class SDEActorTape:
    """What :meth:`SDEActor.sample_taped` keeps for :meth:`SDEActor.backward`."""

    features: torch.Tensor
    mlp: MLPTape
    sample: SDETape


class SDEActor(nn.Module):
    """``obs -> (mean, latent)`` and gSDE sampling with a learned ``log_std`` matrix."""

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
        self.latent_dim = _last_width(encoder.features_dim, hidden)
        self.mean_head = nn.Linear(self.latent_dim, action_dim)
        self.log_std = nn.Parameter(torch.full((self.latent_dim, action_dim), float(log_std_init)))
        self.scaling = scaling
        self.clip_mean = float(clip_mean)
        self.register_buffer("eps", torch.zeros(self.latent_dim, action_dim), persistent=False)
        self._params = linear_params([linear_layers(self.trunk, self.mean_head)])
        self._encoder_params = list(encoder.parameters())
        self._has_trunk = bool(hidden)

    def reset_noise(self, generator: torch.Generator | None = None) -> None:
        """Draw the standard normal ``eps`` of a fresh exploration matrix (one per gradient step)."""
        self.eps = torch.randn(self.eps.shape, generator=generator, dtype=self.eps.dtype)

    def _latent(self, features: torch.Tensor, tape: MLPTape) -> torch.Tensor:
        """The trunk's last hidden features (the encoder's when there is no trunk), detached."""
        return tape.hidden[0][-1] if self._has_trunk else features.detach()

    def _outputs(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor]:
        """Pre-clip mean and latent, without gradients."""
        with torch.no_grad():
            features = self.encoder(obs)
            (mean_pre,), tape = mlps_forward([features], self._params)
            return mean_pre, self._latent(features, tape)

    def distribution(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(mean, log_std, latent)``: the clipped mean, the marginal log standard deviation
        ``log(var) / 2`` of each pre-squash action, and the latent, each ``(batch, .)``; no gradients."""
        mean_pre, latent = self._outputs(obs)
        with torch.no_grad():
            log_std = 0.5 * torch.log(sde_variance(latent, self.log_std))
            return mean_pre.clamp(-self.clip_mean, self.clip_mean), log_std, latent

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
        s = self.scaling
        features = self.encoder(obs)
        h = features
        for layer in self.trunk:
            h = layer(h)
        mean_pre = self.mean_head(h)
        return sde_sample(mean_pre, h, self.log_std, self.eps, s.scale, s.bias, s.log_scale_sum, self.clip_mean)

    def sample_taped(
        self, obs: TensorObservation, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, SDEActorTape]:
        """:meth:`sample` for the hand-written backward: ``(action, log_prob, tape)``; under ``torch.no_grad()``."""
        del generator
        check_no_grad()
        features = encode_features(self.encoder, self._encoder_params, obs, with_grad=True)
        (mean_pre,), mlp_tape = mlps_forward([features], self._params)
        s = self.scaling
        action, log_prob, sample_tape = sde_sample_forward(
            mean_pre, self._latent(features, mlp_tape), self.log_std, self.eps,
            s.scale, s.bias, s.log_scale_sum, self.clip_mean,
        )
        assert sample_tape is not None
        return action, log_prob, SDEActorTape(features, mlp_tape, sample_tape)

    def backward(self, tape: SDEActorTape, grad_action: torch.Tensor, grad_log_prob: torch.Tensor) -> None:
        """Accumulate into ``.grad`` the gradient of a loss whose gradients in
        :meth:`sample_taped`'s action and log-probability are given (the encoder's by autograd)."""
        grad_mean, grad_log_std = sde_sample_backward(tape.sample, grad_action, grad_log_prob)
        encoder_grad = tape.features.requires_grad
        (grad_features,), grads = mlps_backward(tape.mlp, (grad_mean,), param_grads=True, input_grads=(encoder_grad,))
        assert grads is not None
        accumulate_grads([*self._params, self.log_std], [*grads, grad_log_std], tape.features, grad_features)

    def greedy(self, obs: TensorObservation) -> torch.Tensor:
        """The squashed clipped mean: the deterministic action used in evaluation."""
        mean, _ = self(obs)
        return squash(mean, self.scaling.scale, self.scaling.bias)
