"""The compiled, immutable form of a strategy file that engines run on.

Built by :func:`gaikit.strategies.compile.compile_strategies`; shared by every
:class:`~gaikit.strategies.engine.StrategyEngine` (one per agent or country).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from gaikit.strategies.considerations import CompiledConsideration
from gaikit.strategies.defines import Defines
from gaikit.strategies.rules import Rule
from gaikit.strategies.schema import StrategyFile
from gaikit.strategies.triggers import Check, Node
from gaikit.strategies.weights import CompiledMerge, CompiledWeight


@dataclass(frozen=True)
class CompiledTier:
    """A tier with conditional changes: the last modifier whose trigger holds wins."""

    value: str
    modifiers: tuple[tuple[Node | None, Check | None, str, str], ...] = ()

    def resolve(self, env: Mapping[str, float]) -> tuple[str, str]:
        """``(tier, why)`` for the current features."""
        tier, why = self.value, ""
        for node, check, mod_tier, desc in self.modifiers:
            if check is None or check(env):
                tier, why = mod_tier, desc or (node.text() if node is not None else "")
        return tier, why

    def names(self) -> set[str]:
        """Names read by the triggers."""
        return set().union(*(n.names() for n, _, _, _ in self.modifiers if n is not None)) if self.modifiers else set()


@dataclass(frozen=True)
class CompiledOption:
    """An option of a decision as the default strategy scores it."""

    id: str
    desc: str
    action: int | str | None
    tier: CompiledTier
    tier_decrease: CompiledTier | None
    score: CompiledWeight
    considerations: tuple[CompiledConsideration, ...]

    def tier_for(self, direction: str) -> CompiledTier:
        """The tier spec used when increasing or decreasing."""
        return self.tier_decrease if direction == "decrease" and self.tier_decrease is not None else self.tier


@dataclass(frozen=True)
class CompiledOptionMod:
    """An active strategy's change to one option."""

    score: CompiledMerge | None
    tier: CompiledTier | None
    tier_decrease: CompiledTier | None
    considerations: tuple[CompiledConsideration, ...]


@dataclass(frozen=True)
class CompiledDecision:
    """A decision type with its options, R, distribution and momentum."""

    name: str
    desc: str
    options: dict[str, CompiledOption]
    option_features: tuple[str, ...]
    randomness: float
    distribution: str
    momentum: float


@dataclass(frozen=True)
class CompiledStrategy:
    """A non-default strategy: its type, chance weight, value and option changes."""

    id: str
    desc: str
    type: str
    weight: CompiledWeight
    values: dict[str, CompiledMerge]
    option_mods: dict[tuple[str, str], CompiledOptionMod]
    change_points: dict[str, float]
    possible: Node | None = None
    possible_check: Check | None = None


@dataclass(frozen=True)
class CompiledType:
    """A strategy type: its strategies, threshold, per-event change points, R."""

    name: str
    desc: str
    strategies: tuple[str, ...]
    threshold: float
    change_points: dict[str, float]
    initial: str | None
    randomness: float
    distribution: str


@dataclass(frozen=True)
class CompiledEvent:
    """An event; with a trigger, the agent fires it when the trigger becomes true."""

    name: str
    desc: str
    node: Node | None
    check: Check | None


@dataclass
class StrategySet:
    """Everything an engine needs from one layered, validated, compiled strategy file."""

    source: str
    model: StrategyFile
    defines: Defines
    features: tuple[str, ...]
    default_values: dict[str, CompiledWeight]
    strategies: dict[str, CompiledStrategy]
    types: dict[str, CompiledType]
    decisions: dict[str, CompiledDecision]
    events: dict[str, CompiledEvent]
    rules: dict[str, Rule]
    act: str | None
    raw: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: Country tags the triggers name (``country = TAG``, ``target.country = TAG``) -> ``file:line: field`` of
    #: the first use; a game with country tags checks them (:meth:`unknown_tag`).
    country_tags: dict[str, str] = field(default_factory=dict)
    #: Whether any trigger reads a decision's target scope (``target.NAME``): games may skip building it otherwise.
    uses_target: bool = False
    #: Named attitudes the triggers ask for (``attitude = NAME``) -> ``file:line: field`` of the first use.
    attitudes: dict[str, str] = field(default_factory=dict)

    def unknown_tag(self, tags: Any) -> str | None:
        """One line naming the first tag the triggers use that is not in ``tags``; ``None`` when all are known."""
        return _first_unknown(self.country_tags, tags, "country tag", "countries")

    def unknown_attitude(self, attitudes: Any) -> str | None:
        """One line naming the first attitude the triggers ask for that is not in ``attitudes``; ``None`` when all are known."""
        return _first_unknown(self.attitudes, attitudes, "attitude", "attitudes")


def _first_unknown(used: dict[str, str], known: Any, what: str, listing: str) -> str | None:
    names = list(known)
    for name, where in used.items():
        if name not in names:
            return f"{where}: unknown {what} {name!r}; {listing}: {', '.join(names) or '(none)'}"
    return None
