"""Building blocks shared by the ``image``, ``ram`` and ``mixed`` encoders.

* :class:`NatureConvs` — the three convolutions of the Nature DQN (32x8x8/4,
  64x4x4/2, 64x3x3/1, ReLU after each), flattened. ``padding="valid"`` is
  the Nature network (3,136 features at 84x84); ``padding="same"`` pads like
  Keras/TensorFlow (7,744 features at 84x84), which is what the Asterix
  study's parameter counts imply.
* :func:`mlp` — Linear + ReLU layers.
* :func:`initialise` — ``he_uniform`` (Keras ``HeUniform``: U(±sqrt(6 /
  fan_in)), zero biases; the study's choice), ``orthogonal`` (gain sqrt(2),
  zero biases; Stable-Baselines3's choice) or ``torch`` (PyTorch's default).
* :func:`as_float` — ``uint8`` bytes to ``float32`` in [0, 1].
"""

from __future__ import annotations

import math
from typing import Literal, Mapping

import gymnasium as gym
import torch
from torch import nn

from gaikit.core.errors import GaikitError

Padding = Literal["valid", "same"]
InitScheme = Literal["he_uniform", "orthogonal", "torch"]
#: (out_channels, kernel, stride) of the Nature DQN's convolutions.
NATURE_CONVS: tuple[tuple[int, int, int], ...] = ((32, 8, 4), (64, 4, 2), (64, 3, 1))


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int, int]:
    """TensorFlow ``SAME``: output ``ceil(size / stride)``; the extra pixel goes last."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


class NatureConvs(nn.Module):
    """The Nature DQN convolutions on ``(batch, channels, height, width)``, flattened."""

    def __init__(self, channels: int, height: int, width: int, padding: Padding = "valid") -> None:
        """Build for inputs of ``channels x height x width``; sets ``out_dim``."""
        super().__init__()
        layers: list[nn.Module] = []
        h, w = height, width
        for out_channels, kernel, stride in NATURE_CONVS:
            if padding == "same":
                top, bottom, h_out = _same_padding(h, kernel, stride)
                left, right, w_out = _same_padding(w, kernel, stride)
                if top or bottom or left or right:
                    layers.append(nn.ZeroPad2d((left, right, top, bottom)))
            else:
                h_out, w_out = (h - kernel) // stride + 1, (w - kernel) // stride + 1
            if h_out < 1 or w_out < 1:
                raise ValueError(f"a {height}x{width} frame is too small for the Nature convolutions")
            layers += [nn.Conv2d(channels, out_channels, kernel, stride), nn.ReLU()]
            channels, h, w = out_channels, h_out, w_out
        layers.append(nn.Flatten())
        self.net = nn.Sequential(*layers)
        # NHWC convolutions train ~25% faster on CPU (oneDNN); features are unchanged.
        self.net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit Module.to(memory_format=)
        #: Width of the flattened output.
        self.out_dim = channels * h * w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, C, H, W)`` float -> ``(batch, out_dim)`` (flattened in C, H, W order)."""
        return self.net(x.contiguous(memory_format=self.memory_format()))

    def memory_format(self) -> torch.memory_format:
        """The layout of the first convolution's weight (``channels_last`` unless moved since)."""
        weight = next(layer for layer in self.net if isinstance(layer, nn.Conv2d)).weight
        if not weight.is_contiguous() and weight.is_contiguous(memory_format=torch.channels_last):
            return torch.channels_last
        return torch.contiguous_format

    def inputs(self, x: torch.Tensor, scale: bool) -> torch.Tensor:
        """:func:`as_float` of ``x``, written straight into :meth:`memory_format` (one pass, not two).

        The same values as ``as_float(x, scale)``; for byte frames the cast,
        the division by 255 and the move to ``channels_last`` (a strided
        gather over 4 channels) happen in one kernel instead of two copies.
        """
        if x.is_floating_point():
            return as_float(x, scale).contiguous(memory_format=self.memory_format())
        out = torch.empty(x.shape, dtype=torch.float32, device=x.device, memory_format=self.memory_format())
        if scale:
            return torch.mul(x, 1.0 / 255.0, out=out)
        return out.copy_(x)


def mlp(in_dim: int, hidden: list[int]) -> tuple[nn.Sequential, int]:
    """Linear + ReLU for each width in ``hidden``; returns the stack and its output width."""
    layers: list[nn.Module] = []
    width = in_dim
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers), width


def initialise(module: nn.Module, scheme: InitScheme) -> None:
    """Re-initialise every ``Linear`` and ``Conv2d`` in ``module`` with ``scheme``."""
    if scheme == "torch":
        return
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            if scheme == "he_uniform":
                nn.init.kaiming_uniform_(layer.weight, a=0.0, mode="fan_in", nonlinearity="relu")
            else:
                nn.init.orthogonal_(layer.weight, gain=math.sqrt(2.0))
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def as_float(x: torch.Tensor, scale: bool) -> torch.Tensor:
    """``x`` as ``float32``, divided by 255 when ``scale`` (byte inputs; one op: uint8 * float -> float32)."""
    if scale:
        return x * (1.0 / 255.0) if not x.is_floating_point() else x.to(torch.float32) * (1.0 / 255.0)
    return x.to(torch.float32)


def pick(obs: torch.Tensor | Mapping[str, torch.Tensor], key: str | None) -> torch.Tensor:
    """``obs[key]`` for dict observations (``key`` set), else ``obs`` itself."""
    if key is None:
        if isinstance(obs, Mapping):
            raise TypeError("expected one array per observation, got a dict")
        return obs
    if not isinstance(obs, Mapping):
        raise TypeError(f"expected a dict observation with key {key!r}, got one array")
    return obs[key]


def keyed_space(observation_space: gym.Space, key: str, encoder: str) -> tuple[gym.Space, str | None]:
    """The part of ``observation_space`` an encoder reads, and the dict key it sits under.

    A ``Dict`` space must hold ``key``; any other space is returned whole with key ``None``.
    """
    if not isinstance(observation_space, gym.spaces.Dict):
        return observation_space, None
    if key not in observation_space.spaces:
        raise GaikitError(
            f"encoder {encoder!r}: the observation dict has no {key!r} (keys: {list(observation_space.spaces)})"
        )
    return observation_space.spaces[key], key
