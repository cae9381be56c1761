"""The networks of SAC: a squashed Gaussian actor and a twin Q critic (forward only).

Both follow Stable-Baselines3's ``MlpPolicy`` layout for SAC: each network
(actor, critic) owns its own encoder (SB3's ``share_features_extractor=False``),
the two Q heads of the critic share the critic's encoder, and every head is
an MLP of ``Linear -> ReLU`` blocks with PyTorch's default initialisation.
With an identity-like encoder (``vector`` with ``hidden: []``) the networks
are exactly SB3's and CleanRL's.
"""

from __future__ import annotations

from typing import Sequence

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.plugins.learners.squashed_gaussian import sample_squashed, squash


def mlp(in_dim: int, hidden: Sequence[int], out_dim: int | None = None) -> nn.Sequential:
    """``Linear -> ReLU`` blocks of widths ``hidden``, then an optional linear output layer."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU(inplace=True)]
        in_dim = width
    if out_dim is not None:
        layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


def last_width(in_dim: int, hidden: Sequence[int]) -> int:
    """Width of what :func:`mlp` without an output layer gives for ``in_dim`` inputs."""
    return hidden[-1] if hidden else in_dim


class BoxScaling(nn.Module):
    """The affine map between ``(-1, 1)`` and a bounded Box action space (as buffers)."""

    scale: torch.Tensor
    bias: torch.Tensor
    log_scale_sum: torch.Tensor

    def __init__(self, action_space: gym.spaces.Box) -> None:
        super().__init__()
        low = np.asarray(action_space.low, dtype=np.float32).reshape(-1)
        high = np.asarray(action_space.high, dtype=np.float32).reshape(-1)
        self.register_buffer("scale", torch.as_tensor((high - low) / 2.0))
        self.register_buffer("bias", torch.as_tensor((high + low) / 2.0))
        self.register_buffer("log_scale_sum", torch.log(self.scale).sum())

    def normalise(self, actions: torch.Tensor) -> torch.Tensor:
        """Box actions -> ``[-1, 1]`` (what the critic sees, whatever the bounds)."""
        return (actions - self.bias) / self.scale


def critic_input(encoder: Encoder, scaling: BoxScaling, obs: TensorObservation, actions: torch.Tensor) -> torch.Tensor:
    """``cat(encoder(obs), normalised actions)``: what every Q head reads."""
    return torch.cat([encoder(obs), scaling.normalise(actions)], dim=-1)


class Actor(nn.Module):
    """``obs -> (mean, log_std)`` of the pre-squash Gaussian, and reparameterised sampling."""

    def __init__(
        self,
        encoder: Encoder,
        scaling: BoxScaling,
        hidden: Sequence[int],
        log_std_bounds: tuple[float, float],
    ) -> None:
        super().__init__()
        action_dim = scaling.scale.numel()
        self.encoder = encoder
        self.trunk = mlp(encoder.features_dim, hidden)
        # One layer gives both heads: the mean, then the log std (the same function as two Linear layers).
        self.heads = nn.Linear(last_width(encoder.features_dim, hidden), 2 * action_dim)
        self.scaling = scaling
        self.log_std_min, self.log_std_max = log_std_bounds

    def forward(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and clamped log standard deviation, each ``(batch, action_dim)``."""
        mean, log_std = self.heads(self.trunk(self.encoder(obs))).chunk(2, dim=-1)
        return mean, log_std.clamp(self.log_std_min, self.log_std_max)

    def sample(
        self, obs: TensorObservation, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A reparameterised Box action and its log-probability ``(batch,)``."""
        mean, log_std = self(obs)
        s = self.scaling
        return sample_squashed(mean, log_std, s.scale, s.bias, s.log_scale_sum, generator)

    def greedy(self, obs: TensorObservation) -> torch.Tensor:
        """The squashed mean: the deterministic action used in evaluation."""
        mean, _ = self(obs)
        return squash(mean, self.scaling.scale, self.scaling.bias)


class TwinCritic(nn.Module):
    """Two Q heads on one encoder: ``(obs, action) -> (q1, q2)``, each ``(batch,)``.

    The action enters the first layer of each head, normalised to ``[-1, 1]``.
    """

    def __init__(self, encoder: Encoder, scaling: BoxScaling, hidden: Sequence[int]) -> None:
        super().__init__()
        in_dim = encoder.features_dim + scaling.scale.numel()
        self.encoder = encoder
        self.scaling = scaling
        self.q1 = mlp(in_dim, hidden, 1)
        self.q2 = mlp(in_dim, hidden, 1)

    def forward(self, obs: TensorObservation, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both Q estimates for a batch of observation-action pairs, each ``(batch,)``."""
        x = critic_input(self.encoder, self.scaling, obs, actions)
        return self.q1(x).squeeze(-1), self.q2(x).squeeze(-1)
