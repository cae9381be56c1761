"""The learned agent: encoder + learner + memory + selector behind one :class:`Agent`.

One training iteration through it (DESIGN.md)::

    act:     obs -> Learner.predict (encoder inside) -> ActionSelector.select
    observe: transition -> Memory.add
    learn:   Memory.sample -> Learner.update -> Memory.update_priorities
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaikit.core.components import (
    ActionSelector,
    Agent,
    Learner,
    Memory,
    Observation,
    StateDict,
    Transition,
)


class LearnedAgent(Agent):
    """An agent that learns from replayed experience.

    ``names`` maps ``encoder``/``learner``/``memory``/``selector`` to the
    registered component names (shown in the run header);
    ``encoder_parameters`` is the online encoder's trainable parameter count.
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
    ) -> None:
        self.learner = learner
        self.memory = memory
        self.selector = selector
        self.batch_size = int(batch_size)
        self.names = dict(names or {})
        self.encoder_parameters = int(encoder_parameters)

    def act(self, obs: Observation, step: int, explore: bool = True) -> np.ndarray:
        """Preferences from the learner, turned into actions by the selector."""
        return self.selector.select(self.learner.predict(obs), step, explore)

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
        """Component names and the encoder's parameter count, for the run header."""
        return {"agent": "learned", **self.names, "encoder_parameters": self.encoder_parameters}

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
