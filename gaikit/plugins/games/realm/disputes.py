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
    #: Weeks the play lasts and the weeks of its sway rounds (the attacker's ``play_weeks``, ``sway_week_*``).
    weeks: int = 12
    sway_weeks: tuple[int, ...] = (4, 8)
    #: War goals the attacker added after the first: ``(goal, state, infamy)`` (:func:`goals` lists them all).
    extra_goals: list[tuple[str, int, float]] = field(default_factory=list)

    def goals(self) -> list[tuple[str, int, float]]:
        """Every war goal of the play, the first (``goal``, ``state``, ``infamy``) first."""
        return [(self.goal, self.state, self.infamy), *self.extra_goals]

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
