"""A Q-network: an encoder followed by a plain or dueling action-value head."""

from __future__ import annotations

import torch
from torch import nn

from gaikit.core.components import Encoder, TensorObservation


def mlp(in_dim: int, hidden: list[int], out_dim: int) -> nn.Sequential:
    """``Linear -> ReLU`` for each hidden width, then a final ``Linear`` to ``out_dim``."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


class QNetwork(nn.Module):
    """``Q(s, .)`` for every discrete action: ``head(encoder(s))``.

    With ``dueling`` the head splits into a state value ``V(s)`` and
    advantages ``A(s, a)``, combined as ``V + A - mean_a A`` (Wang et al., 2016).
    """

    def __init__(self, encoder: Encoder, n_actions: int, head_hidden: list[int], dueling: bool) -> None:
        super().__init__()
        self.encoder = encoder
        self.dueling = dueling
        if dueling:
            self.value = mlp(encoder.features_dim, head_hidden, 1)
            self.advantage = mlp(encoder.features_dim, head_hidden, n_actions)
        else:
            self.head = mlp(encoder.features_dim, head_hidden, n_actions)

    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """``(batch, n_actions)`` action values."""
        features = self.encoder(obs)
        if not self.dueling:
            return self.head(features)
        advantage = self.advantage(features)
        return self.value(features) + advantage - advantage.mean(dim=1, keepdim=True)
