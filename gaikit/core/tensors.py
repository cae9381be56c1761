"""Moving observations from numpy (the component boundary) to torch (encoders, learners)."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import torch

from gaikit.core.components import Observation, TensorObservation


def as_tensor_obs(obs: Observation, device: torch.device | str = "cpu") -> TensorObservation:
    """A torch view of an observation batch, keeping its dtype.

    Arrays become tensors on ``device`` (``uint8`` stays ``uint8``: encoders do
    their own scaling); a mapping of arrays (``Dict`` spaces) becomes a dict of
    tensors with the same keys. No copy is made when numpy and torch can share
    memory on CPU.
    """
    if isinstance(obs, Mapping):
        return {key: _to_tensor(value, device) for key, value in obs.items()}
    return _to_tensor(obs, device)


def _to_tensor(array: np.ndarray | torch.Tensor, device: torch.device | str) -> torch.Tensor:
    if isinstance(array, torch.Tensor):
        return array.to(device)
    array = np.asarray(array)
    if not (array.flags.writeable and array.flags.c_contiguous):
        array = np.array(array, order="C", copy=True)  # torch needs writeable, positive strides
    return torch.as_tensor(array, device=device)
