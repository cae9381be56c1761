"""Where the learner publishes its acting weights and collectors pick them up (a small Ray actor).

Every ``train.sync_every`` updates the learner publishes
:meth:`~gaikit.core.components.Learner.policy_state`, tagged with a version
(the learner's update count) and the run step; a collector asks for anything
newer than what it holds before each chunk. The version gap between the
learner and a chunk's policy is the policy lag the driver reports.
"""

from __future__ import annotations

from typing import Any

from gaikit.core.components import StateDict


class WeightStore:
    """The newest published policy (run as a Ray actor)."""

    def __init__(self) -> None:
        self.version = -1
        self.step = 0
        self.state: StateDict | None = None

    def publish(self, version: int, step: int, state: StateDict) -> None:
        """Keep ``state`` as the policy of learner update ``version``, made at run step ``step``."""
        self.version, self.step, self.state = version, step, state

    def set_step(self, step: int) -> None:
        """Tell collectors the run step (drives their selectors' schedules) without new weights."""
        self.step = step

    def newer_than(self, version: int) -> tuple[int, int, StateDict | None]:
        """``(version, step, state)``; ``state`` is ``None`` unless newer than ``version``."""
        return self.version, self.step, (self.state if self.version > version else None)

    def peek(self) -> dict[str, Any]:
        """The published version and step."""
        return {"version": self.version, "step": self.step}
