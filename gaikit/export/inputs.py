"""The exported policy's inputs: one named tensor per observation part, batch axis first.

A ``Box`` observation is one input named ``obs``; a ``Dict`` observation is
one input per key (``pixels``, ``ram``...), in the space's key order. Each has
the observation space's own dtype and shape after gaikit's preprocessing
(stacked ``uint8`` frames or RAM for Atari): exactly what the encoder reads.
:class:`PositionalPolicy` turns those positional tensors back into the
observation the learner's module takes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gaikit.core.components import TensorObservation
from gaikit.core.errors import GaikitError

#: The input name of a non-dict observation.
OBS_INPUT = "obs"
#: The name of the dynamic leading axis in shapes and in the ONNX graph.
BATCH = "batch"


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of an exported policy: name, dtype and shape (``"batch"`` first)."""

    name: str
    dtype: str
    shape: tuple[int | str, ...]

    @property
    def shape_text(self) -> str:
        """The shape as written in the command's output and the docs: ``(batch, 4, 84, 84)``, ``(batch,)``."""
        dims = ", ".join(str(n) for n in self.shape)
        return f"({dims}{',' if len(self.shape) == 1 else ''})"


def observation_inputs(space: gym.Space) -> list[TensorSpec]:
    """The input tensors of ``space``'s observations: ``obs`` for a ``Box``, one per key of a ``Dict`` of ``Box``."""
    if isinstance(space, gym.spaces.Box):
        return [_box_spec(OBS_INPUT, space)]
    if isinstance(space, gym.spaces.Dict):
        specs = []
        for key, part in space.spaces.items():
            if not isinstance(part, gym.spaces.Box):
                raise GaikitError(f"export: observation part {key!r} is a {type(part).__name__}; "
                                  "only Box parts can be exported")
            specs.append(_box_spec(str(key), part))
        return specs
    raise GaikitError(f"export: the observation space is a {type(space).__name__}; "
                      "only Box and Dict-of-Box observations can be exported")


def _box_spec(name: str, space: gym.spaces.Box) -> TensorSpec:
    return TensorSpec(name, np.dtype(space.dtype).name, (BATCH, *(int(n) for n in space.shape)))


def sample_observations(space: gym.Space, count: int, seed: int) -> tuple[torch.Tensor, ...]:
    """``count`` observations drawn from ``space`` (seeded), one batch tensor per input of :func:`observation_inputs`."""
    observation_inputs(space)  # refuses what cannot be exported, before sampling
    space = _seeded_copy(space, seed)
    draws = [space.sample() for _ in range(count)]
    if isinstance(space, gym.spaces.Dict):
        return tuple(torch.as_tensor(np.stack([draw[key] for draw in draws])) for key in space.spaces)
    return (torch.as_tensor(np.stack(draws)),)


def _seeded_copy(space: gym.Space, seed: int) -> gym.Space:
    """A copy of ``space`` with its own seeded RNG (the env's space keeps its RNG)."""
    seeded = copy.deepcopy(space)
    seeded.seed(seed)
    return seeded


class PositionalPolicy(nn.Module):
    """A learner's greedy policy module taking one positional tensor per input (what ONNX and TorchScript see)."""

    def __init__(self, policy: nn.Module, keys: tuple[str, ...] | None) -> None:
        super().__init__()
        self.policy = policy
        self.keys = keys

    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The policy's outputs for ``inputs`` in :func:`observation_inputs` order."""
        obs: TensorObservation = inputs[0] if self.keys is None else dict(zip(self.keys, inputs))
        return tuple(self.policy(obs))
