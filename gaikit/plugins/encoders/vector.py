"""Encoder ``vector``: an MLP for flat state observations (CartPole, PyBullet joints)."""

from __future__ import annotations

from typing import Literal

import gymnasium as gym
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, PositiveInt
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.hookspecs import Register

_ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}


class VectorEncoderConfig(BaseModel):
    """Options of the ``vector`` encoder."""

    model_config = ConfigDict(extra="forbid")

    hidden: list[PositiveInt] = Field(
        default_factory=lambda: [64, 64],
        description="Widths of the hidden layers; [] passes the flattened observation through.",
    )
    activation: Literal["relu", "tanh"] = Field("relu", description="Non-linearity after each hidden layer.")
    allow_pixels: bool = Field(
        False, description="Opt in to an MLP on image-shaped uint8 observations (off: a config error; use --encoder image)."
    )


class VectorEncoder(Encoder):
    """Flattens each observation, casts it to ``float32`` and runs an MLP.

    Integer observations are cast as they are, except ``uint8`` ones, which are
    divided by 255 (bytes such as RAM or pixels). The last hidden layer's
    activation is part of the features, so ``features_dim`` is the last width.
    """

    def __init__(self, observation_space: gym.spaces.Box, config: VectorEncoderConfig) -> None:
        super().__init__()
        self.input_dim = int(np.prod(observation_space.shape))
        self.scale = 1.0 / 255.0 if observation_space.dtype == np.uint8 else 1.0
        layers: list[nn.Module] = []
        width = self.input_dim
        for size in config.hidden:
            layers += [nn.Linear(width, size), _ACTIVATIONS[config.activation]()]
            width = size
        self.mlp = nn.Sequential(*layers)
        self.features_dim = width

    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """``(batch, *shape)`` observations -> ``(batch, features_dim)`` float32 features."""
        if not isinstance(obs, torch.Tensor):
            raise GaikitError(
                "encoder 'vector' expects one array per observation, got a dict; use a dict-aware encoder"
            )
        x = obs.reshape(obs.shape[0], -1).to(torch.float32)
        if self.scale != 1.0:
            x = x * self.scale
        return self.mlp(x)


def make_vector_encoder(observation_space: gym.Space, config: VectorEncoderConfig) -> VectorEncoder:
    """Factory: a :class:`VectorEncoder` for a ``Box`` observation space."""
    if not isinstance(observation_space, gym.spaces.Box):
        raise GaikitError(
            f"encoder 'vector' needs a Box observation space, got {type(observation_space).__name__}; "
            "choose an encoder for this space (e.g. --encoder image or mixed)"
        )
    if not config.allow_pixels and _image_shaped(observation_space):
        raise ConfigError(
            f"encoder 'vector' would build an MLP on raw pixels {observation_space.shape}; use --encoder image "
            "(or --set encoder.vector.allow_pixels=true to really want it)"
        )
    return VectorEncoder(observation_space, config)


def _image_shaped(space: gym.spaces.Box) -> bool:
    """uint8 with at least two axes of 32 or more (an image, not a RAM stack)."""
    return space.dtype == np.uint8 and sum(1 for n in space.shape if n >= 32) >= 2


def register(register_fn: Register) -> None:
    """Register the ``vector`` encoder."""
    register_fn(
        "vector",
        make_vector_encoder,
        config=VectorEncoderConfig,
        description="MLP on flat state vectors (Box observations, any dtype, flattened).",
    )
