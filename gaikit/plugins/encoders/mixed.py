"""Encoder ``mixed``: pixels and RAM of the same emulator step, fused by concatenation.

Built like Stable-Baselines3's ``CombinedExtractor``: one sub-encoder per
key, outputs concatenated, then a head. Input: ``Dict{"pixels": (stack, H,
W), "ram": (stack, 128)}``, both ``uint8`` (divided by 255 inside).

* ``fusion: end`` (the study's best, "Mix1"): Nature convolutions, flattened
  (plus optional ``pixel_hidden`` layers) ++ the RAM through ``ram_hidden``
  dense layers (default ``[512, 256]``) -> ``head`` (default ``[]``: the
  concatenation feeds the learner's output layer directly).
* ``fusion: mid`` ("Mix2"): the flattened convolutions ++ the raw scaled RAM
  -> ``head`` (default ``[512, 256]``).

``features_dim`` is the head's last width, or the concatenation's width
when the head is empty.
"""

from __future__ import annotations

from typing import Literal

import gymnasium as gym
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import Encoder, TensorObservation
from gaikit.core.hookspecs import Register
from gaikit.core.errors import GaikitError
from gaikit.plugins.encoders.atari_layers import InitScheme, NatureConvs, Padding, as_float, initialise, mlp
from gaikit.plugins.encoders.image import pixel_space
from gaikit.plugins.encoders.ram import ram_space
from gaikit.testing.spaces import pixels_and_ram, sample_spaces

#: Head widths used when ``head`` is not set, per fusion mode.
DEFAULT_HEADS: dict[str, list[int]] = {"end": [], "mid": [512, 256]}


class MixedEncoderConfig(BaseModel):
    """Options of the ``mixed`` encoder."""

    model_config = ConfigDict(extra="forbid")

    fusion: Literal["end", "mid"] = Field(
        "end", description="end: CNN features ++ RAM dense features; mid: CNN features ++ raw RAM."
    )
    ram_hidden: list[PositiveInt] = Field(
        default_factory=lambda: [512, 256], description="RAM dense layers before fusion (fusion end only)."
    )
    pixel_hidden: list[PositiveInt] = Field(
        default_factory=list, description="Linear+ReLU layers on the flat CNN features before fusion."
    )
    head: list[PositiveInt] | None = Field(
        None, description="Linear+ReLU layers after fusion (default: [] for end, [512, 256] for mid)."
    )
    padding: Padding = Field("valid", description="valid: the Nature CNN; same: Keras-style padding (the study's).")
    init: InitScheme = Field("he_uniform", description="Weight init: he_uniform (the study), orthogonal, torch.")


@sample_spaces(pixels_and_ram())
class MixedEncoder(Encoder):
    """Per-key sub-encoders (CNN for pixels, MLP or identity for RAM), concatenated, then a head."""

    observation_keys = ("pixels", "ram")

    def __init__(self, observation_space: gym.Space, config: MixedEncoderConfig) -> None:
        """Build for a ``Dict`` space with ``pixels`` and ``ram``."""
        super().__init__()
        if not isinstance(observation_space, gym.spaces.Dict):
            raise GaikitError(
                "encoder 'mixed' needs a dict observation {'pixels', 'ram'}, got "
                f"{type(observation_space).__name__}; use game.observation: mixed (or auto)"
            )
        pixels, _ = pixel_space(observation_space, "mixed")
        ram, _ = ram_space(observation_space, "mixed")
        shape = pixels.shape
        self.channels_last = len(shape) == 4
        channels = shape[0] * (shape[3] if self.channels_last else 1)
        self.scale_pixels = pixels.dtype == np.uint8
        self.scale_ram = ram.dtype == np.uint8
        self.ram_dim = int(np.prod(ram.shape))
        try:
            self.convs = NatureConvs(channels, shape[1], shape[2], config.padding)
        except ValueError as exc:
            raise GaikitError(f"encoder 'mixed': {exc}") from None
        self.pixel_mlp, pixel_dim = mlp(self.convs.out_dim, list(config.pixel_hidden))
        ram_layers = list(config.ram_hidden) if config.fusion == "end" else []
        self.ram_mlp, ram_dim = mlp(self.ram_dim, ram_layers)
        head = DEFAULT_HEADS[config.fusion] if config.head is None else list(config.head)
        self.head, self.features_dim = mlp(pixel_dim + ram_dim, head)
        self.fusion = config.fusion
        initialise(self, config.init)

    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """``{"pixels": (batch, stack, H, W), "ram": (batch, stack, 128)}`` -> ``(batch, features_dim)``."""
        if isinstance(obs, torch.Tensor):
            raise TypeError("encoder 'mixed' expects a dict observation {'pixels', 'ram'}")
        x = obs["pixels"]
        if self.channels_last:
            b, k, h, w, c = x.shape
            x = x.permute(0, 1, 4, 2, 3).reshape(b, k * c, h, w)
        pixel_features = self.pixel_mlp(self.convs(self.convs.inputs(x, self.scale_pixels)))
        ram = obs["ram"]
        ram_features = self.ram_mlp(as_float(ram.reshape(ram.shape[0], self.ram_dim), self.scale_ram))
        return self.head(torch.cat([pixel_features, ram_features], dim=1))


def register(register_fn: Register) -> None:
    """Register the ``mixed`` encoder."""
    register_fn(
        "mixed",
        MixedEncoder,
        config=MixedEncoderConfig,
        description="CNN pixels + RAM from one emulator step, fused at the end (dense RAM) or mid (raw RAM).",
    )
