"""Encoder ``ram``: an MLP on the stacked Atari RAM (``uint8``, divided by 255 inside).

Input: one env's observation is ``(stack, 128)`` bytes, or a ``Dict`` holding
them under ``"ram"``; the stack is flattened to ``stack * 128`` inputs.
``hidden`` Linear + ReLU layers follow (default ``[128, 128]``: the study's
best RAM network); ``features_dim`` is the last width.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import Encoder, TensorObservation
from gaikit.core.errors import GaikitError
from gaikit.core.hookspecs import Register
from gaikit.plugins.encoders.atari_layers import InitScheme, as_float, initialise, keyed_space, mlp, pick
from gaikit.testing.spaces import pixels_and_ram, ram_box, sample_spaces


class RamEncoderConfig(BaseModel):
    """Options of the ``ram`` encoder."""

    model_config = ConfigDict(extra="forbid")

    hidden: list[PositiveInt] = Field(
        default_factory=lambda: [128, 128], description="Linear+ReLU widths; [] passes the scaled RAM through."
    )
    init: InitScheme = Field("he_uniform", description="Weight init: he_uniform (the study), orthogonal, torch.")


def ram_space(observation_space: gym.Space, encoder: str) -> tuple[gym.spaces.Box, str | None]:
    """The RAM ``Box`` of ``observation_space`` and the dict key it sits under (``None``: not a dict)."""
    space, key = keyed_space(observation_space, "ram", encoder)
    if not isinstance(space, gym.spaces.Box) or len(space.shape) not in (1, 2):
        raise GaikitError(
            f"encoder {encoder!r} needs RAM bytes shaped (stack, 128) or (128,), got "
            f"{getattr(space, 'shape', space)}; use a RAM observation (game.observation: ram)"
        )
    return space, key


@sample_spaces(ram_box(), pixels_and_ram())
class RamEncoder(Encoder):
    """MLP over the flattened, scaled RAM stack."""

    observation_keys = ("ram",)

    def __init__(self, observation_space: gym.Space, config: RamEncoderConfig) -> None:
        """Build for the RAM part of ``observation_space``."""
        super().__init__()
        space, self.key = ram_space(observation_space, "ram")
        self.input_dim = int(np.prod(space.shape))
        self.scale = space.dtype == np.uint8
        self.mlp, self.features_dim = mlp(self.input_dim, list(config.hidden))
        initialise(self, config.init)

    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """``(batch, stack, 128)`` bytes -> ``(batch, features_dim)``."""
        x = pick(obs, self.key)
        return self.mlp(as_float(x.reshape(x.shape[0], self.input_dim), self.scale))


def register(register_fn: Register) -> None:
    """Register the ``ram`` encoder."""
    register_fn(
        "ram",
        RamEncoder,
        config=RamEncoderConfig,
        description="MLP on the stacked 128-byte Atari RAM (/255 inside).",
    )
