"""Deliberately broken gaikit components, copied into pytester runs by tests/test_contract_suite.py.

Each breaks exactly one promise so the contract suite must name that clause:

* ``LyingEncoder`` claims ``features_dim = 64`` but returns 32 columns (ENC-2).
* ``OutOfRangeSelector`` picks action ``n`` for ``Discrete(n)`` when exploring (SEL-2).
* ``ForgetfulMemory`` is a correct uniform memory whose ``state_dict`` drops the rewards (MEM-8).
* ``ExplodingLearner`` is a linear Q-learner with a learning rate so large its weights overflow (LRN-4).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gaikit.core.components import (
    ActionSelector,
    Batch,
    Encoder,
    Learner,
    Memory,
    Preferences,
    Transition,
    UpdateResult,
)
from gaikit.core.tensors import as_tensor_obs
from gaikit.core.hookspecs import hookimpl


class LyingEncoder(Encoder):
    """An MLP whose ``features_dim`` does not match what ``forward`` returns."""

    features_dim = 64

    def __init__(self, observation_space: gym.Space, config: object = None) -> None:
        super().__init__()
        self.net = nn.Linear(int(np.prod(observation_space.shape)), 32)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(obs.reshape(obs.shape[0], -1).float()))


class OutOfRangeSelector(ActionSelector):
    """Greedy when told to be; when exploring, returns one past the last valid action."""

    def __init__(self, action_space: gym.Space, config: object = None, *, seed: int = 0) -> None:
        if not isinstance(action_space, gym.spaces.Discrete):
            raise TypeError("Discrete action spaces only")
        self.n = int(action_space.n)

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        if not explore:
            return np.argmax(prefs.values, axis=1)
        return np.full(len(prefs.values), self.n, dtype=np.int64)


class ForgetfulMemory(Memory):
    """Uniform one-step replay, correct except that ``state_dict`` forgets the rewards."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space, config: object = None, *,
                 num_envs: int = 1, gamma: float = 0.99, seed: int = 0) -> None:
        if not isinstance(observation_space, gym.spaces.Box):
            raise TypeError("Box observations only")
        self.gamma = gamma
        self.rng = np.random.default_rng(seed)
        self.columns: dict[str, list[np.ndarray]] = {k: [] for k in ("obs", "actions", "rewards", "next_obs", "discounts")}

    def add(self, transition: Transition) -> None:
        t = transition
        for i in range(len(t.rewards)):
            self.columns["obs"].append(np.array(t.obs[i]))
            self.columns["actions"].append(np.array(t.actions[i]))
            self.columns["rewards"].append(np.float32(t.rewards[i]))
            self.columns["next_obs"].append(np.array(t.next_obs[i]))
            self.columns["discounts"].append(np.float32(0.0 if t.terminated[i] else self.gamma))

    def sample(self, batch_size: int) -> Batch:
        idx = self.rng.integers(0, len(self), size=batch_size)
        take = {k: np.stack([v[i] for i in idx]) for k, v in self.columns.items()}
        return Batch(take["obs"], take["actions"], take["rewards"].astype(np.float32), take["next_obs"],
                     take["discounts"].astype(np.float32), idx.astype(np.int64), np.ones(batch_size, np.float32))

    def __len__(self) -> int:
        return len(self.columns["rewards"])

    def state_dict(self) -> dict:
        kept = {k: list(v) for k, v in self.columns.items() if k != "rewards"}  # the bug
        return {"columns": kept, "size": len(self), "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.columns = {k: list(v) for k, v in state["columns"].items()}
        self.columns["rewards"] = [np.float32(0.0)] * state["size"]
        self.rng.bit_generator.state = state["rng"]


class ExplodingLearner(Learner):
    """Q-learning on the given encoder with plain SGD at learning rate 1e30."""

    gamma = 0.99

    def __init__(self, observation_space, action_space, make_encoder, config=None, *, seed=0):  # type: ignore[no-untyped-def]
        if not isinstance(action_space, gym.spaces.Discrete):
            raise TypeError("Discrete action spaces only")
        torch.manual_seed(seed)
        self.encoder = make_encoder()
        self.head = nn.Linear(self.encoder.features_dim, int(action_space.n))
        self.params = list(self.encoder.parameters()) + list(self.head.parameters())
        self.optimizer = torch.optim.SGD(self.params, lr=1e30)

    def _q(self, obs):  # type: ignore[no-untyped-def]
        return self.head(self.encoder(as_tensor_obs(obs)))

    def predict(self, obs):  # type: ignore[no-untyped-def]
        with torch.no_grad():
            return Preferences(values=self._q(obs).numpy())

    def update(self, batch: Batch) -> UpdateResult:
        q = self._q(batch.obs).gather(1, torch.as_tensor(batch.actions).long().view(-1, 1)).squeeze(1)
        loss = ((q - torch.as_tensor(batch.rewards)) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return UpdateResult({"loss": float(loss.detach())}, None)

    def state_dict(self) -> dict:
        return {"encoder": self.encoder.state_dict(), "head": self.head.state_dict(),
                "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.encoder.load_state_dict(state["encoder"])
        self.head.load_state_dict(state["head"])
        self.optimizer.load_state_dict(state["optimizer"])


@hookimpl
def gaikit_register_learners(register):  # type: ignore[no-untyped-def]
    register("exploding", ExplodingLearner, description="weights overflow")


@hookimpl
def gaikit_register_encoders(register):  # type: ignore[no-untyped-def]
    register("lying", LyingEncoder, description="features_dim lies")


@hookimpl
def gaikit_register_selectors(register):  # type: ignore[no-untyped-def]
    register("out-of-range", OutOfRangeSelector, description="explores out of range")


@hookimpl
def gaikit_register_memories(register):  # type: ignore[no-untyped-def]
    register("forgetful", ForgetfulMemory, description="state_dict loses rewards")
