"""What an encoder that is nothing but ``Linear -> ReLU`` layers tells learners about itself.

The ``ram`` and ``vector`` (with ReLU) encoders compute ``features =
relu(... relu(Linear(x)) ...)`` on ``x``, their observation flattened, cast
to ``float32`` and, for bytes, divided by 255. An encoder describes that with
a :class:`LinearReluStack` from its ``linear_relu_stack()`` method, and a
learner may then evaluate and backpropagate the layers itself (the DDQN
learner does: one hand-written ``Linear`` stack from input to Q-values). An
encoder without the method, or whose method returns ``None``, is only ever
called as a module. Any encoder, built-in or third-party, may implement it;
the promise is that ``encoder(obs)`` equals the stack applied to
:meth:`LinearReluStack.inputs` of ``obs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch
from torch import nn

from gaikit.core.components import Observation, TensorObservation


@dataclass(frozen=True)
class LinearReluStack:
    """An encoder as ``Linear -> ReLU`` layers on its flattened, ``float32``, optionally scaled observation.

    ``key`` names the part of a dict observation the encoder reads (``None``:
    the observation is one array); ``input_dim`` is the flattened width;
    ``scale`` multiplies the ``float32`` input (``None``: a plain cast);
    ``layers`` are the encoder's own modules, each followed by a ReLU.
    """

    key: str | None
    input_dim: int
    scale: float | None
    layers: tuple[nn.Linear, ...]

    def part(self, obs: Observation | TensorObservation) -> np.ndarray | torch.Tensor:
        """The observation part the encoder reads, flattened to ``(batch, input_dim)``, dtype kept."""
        if self.key is not None:
            if not isinstance(obs, Mapping):
                raise TypeError(f"expected a dict observation with key {self.key!r}, got one array")
            obs = obs[self.key]
        elif isinstance(obs, Mapping):
            raise TypeError("expected one array per observation, got a dict")
        if not isinstance(obs, torch.Tensor):
            obs = np.asarray(obs)
        return obs.reshape(obs.shape[0], self.input_dim)

    def inputs(self, part: torch.Tensor) -> torch.Tensor:
        """The first layer's ``float32`` input from :meth:`part` (as a tensor): cast, then scaled."""
        if self.scale is None:
            return part.to(torch.float32)
        if part.is_floating_point():
            part = part.to(torch.float32)
        return part * self.scale

    def inputs_array(self, part: np.ndarray) -> np.ndarray:
        """:meth:`inputs` in numpy, for one-off forward passes that skip torch's per-call overhead."""
        if self.scale is None:
            return part.astype(np.float32, copy=False)
        return np.multiply(part, np.float32(self.scale), dtype=np.float32)


def relu_layers(sequence: nn.Sequential) -> tuple[nn.Linear, ...] | None:
    """The ``Linear`` modules of ``sequence`` if it is exactly ``Linear, ReLU, Linear, ReLU, ...``, else ``None``."""
    modules = list(sequence)
    linears = modules[0::2]
    if len(modules) % 2 or not all(isinstance(m, nn.Linear) for m in linears):
        return None
    if not all(type(m) is nn.ReLU for m in modules[1::2]):
        return None
    return tuple(linears)  # type: ignore[arg-type]
