"""Synthetic inputs for the contract suite: observation and action batches,
learner batches, preferences, and a tiny encoder for probing learners."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from gaikit.core.components import Batch, Encoder, Observation, Preferences
from gaikit.core.errors import GaikitError
from gaikit.core.tensors import as_tensor_obs


def _stack(samples: list[Any], space: spaces.Space) -> Observation:
    if isinstance(space, spaces.Dict):
        return {key: np.stack([s[key] for s in samples]) for key in space.spaces}
    return np.stack([np.asarray(s, dtype=space.dtype) for s in samples])


def sample_batch(space: spaces.Space, n: int, seed: int) -> Observation:
    """``n`` seeded samples of ``space`` stacked along a leading batch axis."""
    space = _copy_space(space)
    space.seed(seed)
    return _stack([space.sample() for _ in range(n)], space)


def _copy_space(space: spaces.Space) -> spaces.Space:
    import copy

    return copy.deepcopy(space)


def bounds_batch(space: spaces.Space) -> Observation | None:
    """Two rows, the lower and the upper bound of a bounded Box (or Dict of them); else ``None``."""
    if isinstance(space, spaces.Dict):
        parts = {key: bounds_batch(sub) for key, sub in space.spaces.items()}
        if any(part is None for part in parts.values()):
            return None
        return parts  # type: ignore[return-value]
    if isinstance(space, spaces.Box) and space.is_bounded("both"):
        return np.stack([space.low, space.high]).astype(space.dtype)
    return None


def to_tensor(obs: Observation) -> Any:
    """A torch batch in the observation's own dtype (what encoders receive)."""
    return as_tensor_obs(obs)


def rows(obs: Observation, index: Any) -> Observation:
    """Rows ``index`` of an observation batch (array or dict of arrays)."""
    if isinstance(obs, dict):
        return {key: value[index] for key, value in obs.items()}
    return obs[index]


def batch_len(obs: Observation) -> int:
    """Number of rows in an observation batch."""
    if isinstance(obs, dict):
        return len(next(iter(obs.values())))
    return len(obs)


def learner_batch(observation_space: spaces.Space, action_space: spaces.Space, n: int, seed: int) -> Batch:
    """A random but well-formed :class:`Batch` of ``n`` transitions for a learner."""
    rng = np.random.default_rng(seed)
    discounts = np.where(rng.random(n) < 0.2, 0.0, 0.99).astype(np.float32)
    return Batch(
        obs=sample_batch(observation_space, n, seed),
        actions=np.asarray(sample_batch(action_space, n, seed + 1)),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=sample_batch(observation_space, n, seed + 2),
        discounts=discounts,
        indices=np.arange(n, dtype=np.int64),
        weights=np.ones(n, dtype=np.float32),
    )


def preferences(action_space: spaces.Space, n: int, seed: int) -> Preferences:
    """Random preferences of the documented shape for ``action_space``."""
    rng = np.random.default_rng(seed)
    if isinstance(action_space, spaces.Discrete):
        return Preferences(values=rng.normal(size=(n, int(action_space.n))).astype(np.float32))
    dim = int(np.prod(_fixed_shape(action_space)))
    return Preferences(
        mean=rng.normal(size=(n, dim)).astype(np.float32),
        log_std=rng.uniform(-2.0, 0.5, size=(n, dim)).astype(np.float32),
    )


def flat_dim(space: spaces.Space) -> int:
    """Width of a space once flattened (Dict spaces concatenate their parts)."""
    if isinstance(space, spaces.Dict):
        return sum(flat_dim(sub) for sub in space.spaces.values())
    return int(np.prod(_fixed_shape(space)))


def _fixed_shape(space: spaces.Space[Any]) -> tuple[int, ...]:
    if space.shape is None:
        raise GaikitError(f"{space} has no fixed shape")
    return space.shape


class FlattenEncoder(Encoder):
    """A tiny encoder for probing learners: flatten, scale, one linear layer."""

    def __init__(self, observation_space: spaces.Space, features_dim: int = 16) -> None:
        super().__init__()
        self.features_dim = features_dim
        self.linear = nn.Linear(flat_dim(observation_space), features_dim)

    def forward(self, obs: Any) -> torch.Tensor:
        """Flatten (and concatenate Dict parts), scale uint8 to [0, 1], project."""
        parts = obs.values() if isinstance(obs, dict) else [obs]
        flat = []
        for part in parts:
            part = torch.as_tensor(part)
            scale = 255.0 if part.dtype == torch.uint8 else 1.0
            flat.append(part.reshape(part.shape[0], -1).float() / scale)
        return torch.relu(self.linear(torch.cat(flat, dim=1)))
