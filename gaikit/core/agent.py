"""The learned agent: encoder + learner + memory + selector behind one :class:`Agent`.

One training iteration through it (DESIGN.md)::

    act:     obs -> Learner.predict (encoder inside) -> ActionSelector.select
    observe: transition -> Memory.add
    learn:   Memory.sample -> Learner.update -> Memory.update_priorities
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from gaikit.core.actions import ActionAdapter
from gaikit.core.components import (
    ActionSelector,
    Agent,
    Learner,
    Memory,
    Observation,
    StateDict,
    Transition,
)
from gaikit.core.errors import GaikitError


class LearnedAgent(Agent):
    """An agent that learns from replayed experience.

    ``names`` maps ``encoder``/``learner``/``memory``/``selector`` to the
    registered component names (shown in the run header);
    ``encoder_parameters`` is the online encoder's trainable parameter count.
    ``observation_space``/``action_space`` are one environment's spaces
    (what :meth:`predict` needs to tell one observation from a batch);
    ``step`` is the last training step the agent acted at (restored from a
    checkpoint by :func:`gaikit.load`), the point of the selector's schedule
    that ``predict(obs, deterministic=False)`` samples at.
    """

    def __init__(
        self,
        learner: Learner,
        memory: Memory,
        selector: ActionSelector,
        *,
        batch_size: int,
        names: dict[str, str] | None = None,
        encoder_parameters: int = 0,
        observation_space: gym.Space | None = None,
        action_space: gym.Space | None = None,
    ) -> None:
        self.learner = learner
        self.memory = memory
        self.selector = selector
        self.batch_size = int(batch_size)
        self.names = dict(names or {})
        self.encoder_parameters = int(encoder_parameters)
        self.observation_space = observation_space
        self.action_space = action_space
        self.step = 0

    def act(self, obs: Observation, step: int, explore: bool = True) -> np.ndarray:
        """Preferences from the learner, turned into actions by the selector."""
        if explore:
            self.step = step
        return self.selector.select(self.learner.predict(obs), step, explore)

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        """The action for one observation, or an array of actions for a batch (like Stable-Baselines3's ``predict``).

        One observation has the shape of a single environment's observation
        space (``env.observation_space`` of the user's own env); anything with
        a leading batch dimension is a batch. ``deterministic=True`` is the
        greedy policy that ``gaikit eval`` plays; ``False`` samples as the
        selector did in training at the agent's last training step. Actions
        are converted as the runner converts them (dtype, bounds clipped).
        """
        if self.observation_space is None or self.action_space is None:
            raise GaikitError("this agent does not know its env's spaces; build it with gaikit.load or gaikit.train")
        single = _is_single(obs, self.observation_space)
        batch = _add_batch_axis(obs) if single else obs
        count = _batch_size(batch)
        actions = ActionAdapter(self.action_space, count)(self.act(batch, self.step, explore=not deterministic))
        if not single:
            return actions
        action = actions[0]
        return int(action) if isinstance(self.action_space, gym.spaces.Discrete) else action

    def observe(self, transition: Transition) -> None:
        """Store the step of every environment in memory."""
        self.memory.add(transition)

    def can_learn(self) -> bool:
        """True once the memory holds at least one batch."""
        return len(self.memory) >= self.batch_size

    def learn(self) -> dict[str, float]:
        """One gradient step on a sampled batch; feeds TD errors back as priorities."""
        batch = self.memory.sample(self.batch_size)
        result = self.learner.update(batch)
        if result.td_errors is not None:
            self.memory.update_priorities(batch.indices, result.td_errors)
        return result.metrics

    def explain(self) -> dict[str, Any] | None:
        """What the selector says about its last choice, if anything."""
        return self.selector.explain()

    def describe(self) -> dict[str, Any]:
        """Component names, the encoder's parameter count and the learner's precision (if it has one), for the run header."""
        info = {"agent": "learned", **self.names, "encoder_parameters": self.encoder_parameters}
        precision = getattr(self.learner, "precision", None)  # a learner's own choice (ddqn: float32 or bf16-mixed)
        if isinstance(precision, str):
            info["learner_precision"] = precision
        return info

    def state_dict(self) -> StateDict:
        """Learner (networks, optimisers), memory contents and selector schedule/RNG."""
        return {
            "learner": self.learner.state_dict(),
            "memory": self.memory.state_dict(),
            "selector": self.selector.state_dict(),
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned.

        A state without ``memory`` (a checkpoint loaded for evaluation only)
        restores the learner and selector and leaves the memory empty.
        """
        self.learner.load_state_dict(state["learner"])
        if "memory" in state:
            self.memory.load_state_dict(state["memory"])
        if "selector" in state:
            self.selector.load_state_dict(state["selector"])


def _is_single(obs: Any, space: gym.Space) -> bool:
    """Whether ``obs`` is one observation of ``space`` (not a batch of them)."""
    if isinstance(space, gym.spaces.Dict):
        key = next(iter(space.spaces))
        return _is_single(obs[key], space.spaces[key])
    if isinstance(space, gym.spaces.Discrete):
        return np.ndim(obs) == 0
    return tuple(np.shape(obs)) == tuple(space.shape or ())


def _add_batch_axis(obs: Any) -> Any:
    if isinstance(obs, dict):
        return {key: np.asarray(value)[None] for key, value in obs.items()}
    return np.asarray(obs)[None]


def _batch_size(batch: Any) -> int:
    first = next(iter(batch.values())) if isinstance(batch, dict) else batch
    return int(np.shape(first)[0])
