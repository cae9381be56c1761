"""Defines: the global constants of a strategy file (the ``defines:`` section).

Like Paradox ``defines``, these are numbers a modder may tune without touching
any strategy: the change-point threshold, the randomness factor R and the draw
distribution per decision type, the momentum bonus, the IAUS compensation and
how often decisions are written to ``explain.jsonl``.

``randomness`` and ``distribution`` take one value for everything, or a
mapping keyed by decision name or strategy-type name (a strategy type's R is
used when rolling its active strategy) with ``default`` for the rest.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.scoring import Distribution

NonNegative = Annotated[float, Field(ge=0)]


class Defines(BaseModel):
    """The ``defines:`` section of a strategy file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    change_point_threshold: Annotated[float, Field(gt=0)] = Field(
        100.0, description="Change points at which an active strategy is re-rolled (may pick the same one)."
    )
    randomness: Union[NonNegative, dict[str, NonNegative]] = Field(
        1.0, description="R: draws fall in [X/(1+R), X*(1+R)]; one number or per decision/strategy type."
    )
    distribution: Union[Distribution, dict[str, Distribution]] = Field(
        "uniform", description="Draw distribution over the range: uniform or log-uniform; one or per type."
    )
    momentum: NonNegative = Field(
        0.0, description="Bonus for repeating the last choice of a decision: score x (1 + momentum)."
    )
    compensation: bool = Field(True, description="Apply Dave Mark's compensation factor to considerations.")
    explain_every: Annotated[int, Field(ge=0)] = Field(
        1, description="Write every n-th decision to explain.jsonl in the run directory (0: never)."
    )
    explain_limit: Annotated[int, Field(ge=0)] = Field(
        10_000, description="At most this many records per agent in explain.jsonl (then recording stops)."
    )

    def randomness_for(self, name: str) -> float:
        """R for decision or strategy type ``name``."""
        return _pick(self.randomness, name, 1.0)

    def distribution_for(self, name: str) -> str:
        """The draw distribution for decision or strategy type ``name``."""
        fallback: Distribution = "uniform"
        return _pick(self.distribution, name, fallback)

    def per_type_keys(self) -> list[tuple[str, str]]:
        """``(define, key)`` pairs of the per-type mappings, for name validation."""
        keys: list[tuple[str, str]] = []
        for define in ("randomness", "distribution"):
            table = getattr(self, define)
            if isinstance(table, dict):
                keys.extend((define, key) for key in table if key != "default")
        return keys


_T = TypeVar("_T")


def _pick(table: _T | dict[str, _T], name: str, fallback: _T) -> _T:
    if not isinstance(table, dict):
        return table
    if name in table:
        return table[name]
    return table.get("default", fallback)


#: Event names the strategy agent fires by itself (games may fire their own).
BUILTIN_EVENTS: dict[str, str] = {
    "tick": "every decision step of the agent",
    "reward": "a step with positive reward (points are multiplied by the reward)",
    "penalty": "a step with negative reward (points are multiplied by its size)",
    "life_lost": "the env's info 'lives' decreased",
}

Direction = Literal["increase", "decrease"]
