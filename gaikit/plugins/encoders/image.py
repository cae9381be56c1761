"""Encoder ``image``: the Nature DQN CNN on stacked frames (``uint8``, divided by 255 inside).

Input: one env's observation is ``(stack, H, W)`` grayscale or ``(stack, H,
W, 3)`` RGB (stacked along the channel axis), or a ``Dict`` holding such
an array under ``"pixels"``. Network: 32x8x8/4, 64x4x4/2, 64x3x3/1 (ReLU),
flatten, then ``hidden`` Linear + ReLU layers (default ``[512]``: the Nature
network's 512-unit layer). ``features_dim`` is the last width.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from gymnasium.spaces import Box
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import Encoder, TensorObservation
from gaikit.core.hookspecs import Register
from gaikit.core.errors import GaikitError
from gaikit.plugins.encoders.atari_layers import (
    InitScheme,
    NatureConvs,
    Padding,
    initialise,
    keyed_space,
    mlp,
    pick,
)
from gaikit.testing.spaces import image_box, pixels_and_ram, sample_spaces


class ImageEncoderConfig(BaseModel):
    """Options of the ``image`` encoder."""

    model_config = ConfigDict(extra="forbid")

    hidden: list[PositiveInt] = Field(
        default_factory=lambda: [512],
        description="Linear+ReLU widths after the flattened convolutions; [] gives the flat features.",
    )
    padding: Padding = Field("valid", description="valid: the Nature CNN; same: Keras-style padding (the study's).")
    init: InitScheme = Field("he_uniform", description="Weight init: he_uniform (the study), orthogonal, torch.")


def pixel_space(observation_space: gym.Space, encoder: str) -> tuple[gym.spaces.Box, str | None]:
    """The pixel ``Box`` of ``observation_space`` and the dict key it sits under (``None``: not a dict)."""
    space, key = keyed_space(observation_space, "pixels", encoder)
    if not isinstance(space, gym.spaces.Box) or len(space.shape) not in (3, 4):
        raise GaikitError(
            f"encoder {encoder!r} needs stacked frames shaped (stack, H, W) or (stack, H, W, 3), "
            f"got {getattr(space, 'shape', space)}; use a pixel observation (game.observation: pixels)"
        )
    return space, key


@sample_spaces(image_box(), Box(0, 255, (2, 84, 84, 3), np.uint8), pixels_and_ram())
class ImageEncoder(Encoder):
    """Nature DQN CNN over stacked frames."""

    observation_keys = ("pixels",)

    def __init__(self, observation_space: gym.Space, config: ImageEncoderConfig) -> None:
        """Build for the pixel part of ``observation_space``."""
        super().__init__()
        space, self.key = pixel_space(observation_space, "image")
        shape = space.shape
        self.channels_last = len(shape) == 4
        channels = shape[0] * (shape[3] if self.channels_last else 1)
        self.scale = space.dtype == np.uint8
        try:
            self.convs = NatureConvs(channels, shape[1], shape[2], config.padding)
        except ValueError as exc:
            raise GaikitError(f"encoder 'image': {exc}") from None
        self.head, self.features_dim = mlp(self.convs.out_dim, list(config.hidden))
        initialise(self, config.init)

    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """``(batch, stack, H, W[, 3])`` frames -> ``(batch, features_dim)``."""
        x = pick(obs, self.key)
        if self.channels_last:
            b, k, h, w, c = x.shape
            x = x.permute(0, 1, 4, 2, 3).reshape(b, k * c, h, w)
        return self.head(self.convs(self.convs.inputs(x, self.scale)))


def register(register_fn: Register) -> None:
    """Register the ``image`` encoder."""
    register_fn(
        "image",
        ImageEncoder,
        config=ImageEncoderConfig,
        description="Nature DQN CNN on stacked 84x84 frames (uint8, /255 inside).",
    )
