"""Encoder ``resmlp``: a residual MLP for flat state vectors.

::

    x = Linear(obs_dim -> width)(flatten(obs))
    repeat ``blocks`` times:  x = x + Linear(act(Linear(LayerNorm(x))))
    features = act(LayerNorm(x))            # (batch, width)

Pre-norm residual blocks train stably at depth; LayerNorm (never BatchNorm)
keeps each row independent of the others in its batch, as the encoder
contract requires.
"""

from __future__ import annotations

from typing import Literal

import gymnasium as gym
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, PositiveInt
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.core.errors import GaikitError

_ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


class ResMLPConfig(BaseModel):
    """Options of the ``resmlp`` encoder (``--set encoder.width=256``)."""

    model_config = ConfigDict(extra="forbid")

    width: PositiveInt = Field(128, description="Width of the residual stream, and features_dim.")
    blocks: int = Field(2, ge=0, le=32, description="Number of residual blocks.")
    expansion: PositiveInt = Field(2, description="Hidden width of each block, as a multiple of width.")
    activation: Literal["relu", "gelu", "tanh"] = Field("relu", description="Non-linearity inside blocks and at the end.")


class ResidualBlock(nn.Module):
    """``x + W2 act(W1 LayerNorm(x))``; ``W2`` starts at zero so each block starts as the identity."""

    def __init__(self, width: int, hidden: int, activation: type[nn.Module]) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.up = nn.Linear(width, hidden)
        self.act = activation()
        self.down = nn.Linear(hidden, width)
        nn.init.zeros_(self.down.weight)
        nn.init.zeros_(self.down.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One residual update of the stream."""
        return x + self.down(self.act(self.up(self.norm(x))))


class ResMLPEncoder(Encoder):
    """Flattens a Box observation (``uint8`` scaled by 1/255) and runs a residual MLP."""

    def __init__(self, observation_space: gym.spaces.Box, config: ResMLPConfig) -> None:
        super().__init__()
        self.scale = 1.0 / 255.0 if observation_space.dtype == np.uint8 else 1.0
        activation = _ACTIVATIONS[config.activation]
        self.stem = nn.Linear(int(np.prod(observation_space.shape)), config.width)
        self.blocks = nn.Sequential(
            *[ResidualBlock(config.width, config.width * config.expansion, activation) for _ in range(config.blocks)]
        )
        self.head = nn.Sequential(nn.LayerNorm(config.width), activation())
        self.features_dim = config.width

    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """``(batch, *shape)`` observations -> ``(batch, width)`` float32 features."""
        if not isinstance(obs, torch.Tensor):
            raise GaikitError("encoder 'resmlp' expects one array per observation, got a dict")
        x = obs.reshape(obs.shape[0], -1).to(torch.float32) * self.scale
        return self.head(self.blocks(self.stem(x)))


def make_resmlp(observation_space: gym.Space, config: ResMLPConfig) -> ResMLPEncoder:
    """Factory: a ``resmlp`` encoder for a ``Box`` observation space."""
    if not isinstance(observation_space, gym.spaces.Box):
        raise GaikitError(
            f"encoder 'resmlp' needs a Box observation space (a state vector), got {type(observation_space).__name__}"
        )
    return ResMLPEncoder(observation_space, config)
