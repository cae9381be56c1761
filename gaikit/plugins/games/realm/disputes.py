"""The records of open disputes the world holds: diplomatic plays and the wars they become.

Plain data, so that the world state (:mod:`.state`) can hold them without
importing the rules that run them (:mod:`.plays`, :mod:`.war`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ATTACKER, DEFENDER = 0, 1
SIDE_NAMES = ("attacker", "defender")


@dataclass
class Play:
    """An open diplomatic play."""

    id: int
    attacker: int
    defender: int
    goal: str
    state: int
    infamy: float
    started: int
    sides: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    neutral: list[int] = field(default_factory=list)
    sympathy: dict[tuple[int, int], float] = field(default_factory=dict)
    sway: dict[tuple[int, int], float] = field(default_factory=dict)

    def leader(self, side: int) -> int:
        """The leader of ``side``."""
        return self.attacker if side == ATTACKER else self.defender


@dataclass
class War:
    """A war that grew out of a play; ``score`` is from the attacker's point of view."""

    play: Play
    started: int
    score: float = 0.0

    @property
    def id(self) -> int:
        """The play's id."""
        return self.play.id
