"""The pydantic schema of strategy files (see docs/strategies.md for the guide).

Every model forbids unknown keys and is strict about types, so a typo or a
quoted number is an error naming file, line and field. Semantic checks that
need the whole file (do the names a trigger reads exist?) are made when the
file is compiled (:mod:`gaikit.strategies.compile`).

Shapes used throughout:

* a *quantity* is a number or a name (a game feature or a strategy value);
* a *weight* is a quantity or a weight block
  ``{value, modifiers: [{if, add|factor, desc}], min, max}``;
* a *strategy value* in a non-default strategy is a weight (meaning
  ``override``) or ``{override|add|multiply: <weight>}``: how it combines
  with the hidden ``default`` strategy's value.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, PlainValidator, Tag, model_validator

from gaikit.core.scoring import TIERS, canonical_tier
from gaikit.strategies.defines import Defines
from gaikit.strategies.rules import Rule
from gaikit.strategies.triggers import NAME_PATTERN, Node, TriggerError, parse_trigger

_TierLiteral = Literal["must-have", "should-have", "wants-to-have", "nice-to-have", "must-not-have"]
#: A tier, in either spelling: ``should-have`` or Victoria 3's ``should_have``.
TierName = Annotated[_TierLiteral, BeforeValidator(canonical_tier)]
CurveType = Literal["linear", "polynomial", "logistic", "logit", "step"]
MERGE_MODES: tuple[str, ...] = ("override", "add", "multiply")
assert set(TIERS) == set(_TierLiteral.__args__)  # type: ignore[attr-defined]


def _quantity(value: Any) -> float | str:
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a feature/value name, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and re.match(NAME_PATTERN, value):
        return value
    raise ValueError(f"expected a number or a feature/value name, got {value!r}")


def _trigger(value: Any) -> Node:
    try:
        return parse_trigger(value)
    except TriggerError as exc:
        raise ValueError(str(exc)) from None


def _name(value: Any) -> str:
    if isinstance(value, str) and re.match(NAME_PATTERN, value):
        return value
    raise ValueError(f"expected a name (letters, digits, underscores), got {value!r}")


#: A number, or a name read from the game's features or the strategy values.
Quantity = Annotated[Union[float, str], PlainValidator(_quantity)]
#: A parsed trigger (either spelling, see :mod:`gaikit.strategies.triggers`).
Trigger = Annotated[Node, PlainValidator(_trigger)]
Name = Annotated[str, PlainValidator(_name)]
NonNegative = Annotated[float, Field(ge=0)]


class Base(BaseModel):
    """Strict model that forbids unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)


def _unique_ids(items: list[Any], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id is not None:
            if item.id in seen:
                raise ValueError(f"two {what} have the id {item.id!r}; ids name one entry (mods replace it by id)")
            seen.add(item.id)


class Modifier(Base):
    """``{if: <trigger>, add|factor: <quantity>, desc: "..."}``; no ``if`` means always."""

    id: Optional[Name] = Field(None, description="Names the modifier: a mod injecting one with the same id replaces it.")
    if_: Optional[Trigger] = Field(None, alias="if", description="Condition; the modifier applies when true.")
    add: Optional[Quantity] = Field(None, description="Added to the value.")
    factor: Optional[Quantity] = Field(None, description="Multiplies the value.")
    desc: str = Field("", description="Shown in explanations: why the value changed.")

    @model_validator(mode="after")
    def _one_op(self) -> "Modifier":
        if (self.add is None) == (self.factor is None):
            raise ValueError("a modifier takes exactly one of 'add' or 'factor'")
        return self


class WeightBlock(Base):
    """A Paradox weight block: start at ``value``, apply modifiers in order, clamp to [min, max]."""

    id: Optional[Name] = Field(None, description="Names the block: a mod injecting a block with the same id replaces it whole.")
    desc: str = Field("", description="What the value means (shown by `gaikit strategy show` and in docs).")
    value: Quantity = Field(..., description="Starting value.")
    modifiers: list[Modifier] = Field(default_factory=list, description="Applied in order when their trigger holds.")
    min: Optional[float] = Field(None, description="Lower clamp after the modifiers.")
    max: Optional[float] = Field(None, description="Upper clamp after the modifiers.")

    @model_validator(mode="after")
    def _ids(self) -> "WeightBlock":
        _unique_ids(self.modifiers, "modifiers")
        return self


def _weight_kind(value: Any) -> str:
    return "block" if isinstance(value, dict) else "quantity"


#: A number, a name, or a weight block.
Weight = Annotated[
    Union[Annotated[Quantity, Tag("quantity")], Annotated[WeightBlock, Tag("block")]], Discriminator(_weight_kind)
]


class MergeEntry(Base):
    """How a strategy's value combines with the default: exactly one of override, add, multiply."""

    override: Optional[Weight] = None
    add: Optional[Weight] = None
    multiply: Optional[Weight] = None

    @model_validator(mode="after")
    def _one_mode(self) -> "MergeEntry":
        given = [m for m in MERGE_MODES if getattr(self, m) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'override', 'add' or 'multiply'")
        return self

    @property
    def mode(self) -> str:
        """The merge mode given."""
        return next(m for m in MERGE_MODES if getattr(self, m) is not None)

    @property
    def weight(self) -> Any:
        """The weight of the merge mode given."""
        return getattr(self, self.mode)


def _value_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "merge" if set(value) & set(MERGE_MODES) else "block"
    return "quantity"


#: A weight (meaning override) or a merge entry.
StrategyValue = Annotated[
    Union[
        Annotated[Quantity, Tag("quantity")],
        Annotated[WeightBlock, Tag("block")],
        Annotated[MergeEntry, Tag("merge")],
    ],
    Discriminator(_value_kind),
]


class TierModifier(Base):
    """``{if: <trigger>, tier: <tier>, desc}``: the last modifier whose trigger holds sets the tier."""

    id: Optional[Name] = Field(None, description="Names the modifier: a mod injecting one with the same id replaces it.")
    if_: Optional[Trigger] = Field(None, alias="if")
    tier: TierName
    desc: str = ""


class TierBlock(Base):
    """A tier with conditional changes."""

    id: Optional[Name] = Field(None, description="Names the block: a mod injecting a block with the same id replaces it whole.")
    value: TierName
    modifiers: list[TierModifier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ids(self) -> "TierBlock":
        _unique_ids(self.modifiers, "tier modifiers")
        return self


def _tier_kind(value: Any) -> str:
    return "block" if isinstance(value, dict) else "name"


TierSpec = Annotated[
    Union[Annotated[TierName, Tag("name")], Annotated[TierBlock, Tag("block")]], Discriminator(_tier_kind)
]


class Curve(Base):
    """A response curve with Curvature-style parameters (m slope, k exponent/height, b y-shift, c x-shift)."""

    type: CurveType
    m: Optional[float] = None
    k: Optional[float] = None
    b: Optional[float] = None
    c: Optional[float] = None
    invert: bool = Field(False, description="Use 1 - y.")


def _curve_kind(value: Any) -> str:
    return "curve" if isinstance(value, dict) else "type"


class Consideration(Base):
    """An IAUS consideration: read ``input``, normalise [min, max] to [0, 1], map through ``curve``."""

    input: Name = Field(..., description="A feature (global or option) or a strategy value.")
    min: float = Field(0.0, description="Input mapped to 0 (values below are clamped).")
    max: float = Field(1.0, description="Input mapped to 1 (values above are clamped).")
    curve: Annotated[
        Union[Annotated[CurveType, Tag("type")], Annotated[Curve, Tag("curve")]], Discriminator(_curve_kind)
    ] = "linear"
    desc: str = ""

    @model_validator(mode="after")
    def _range(self) -> "Consideration":
        if self.max == self.min:
            raise ValueError("'min' and 'max' must differ")
        return self


class OptionSpec(Base):
    """One option of a decision, as the default strategy scores it."""

    desc: str = ""
    action: Union[int, str, None] = Field(None, description="What the game does for this option (e.g. an action id).")
    tier: TierSpec = Field("wants-to-have", description="Priority tier when increasing / choosing.")
    tier_decrease: Optional[TierSpec] = Field(None, description="Tier when decreasing (default: 'tier').")
    score: Weight = Field(1.0, description="Base score: the option's weight (a number, name or weight block).")
    considerations: list[Consideration] = Field(default_factory=list)


class OptionMod(Base):
    """What an active strategy changes about one option."""

    score: Optional[StrategyValue] = None
    tier: Optional[TierSpec] = None
    tier_decrease: Optional[TierSpec] = None
    considerations: list[Consideration] = Field(default_factory=list, description="Appended to the option's.")


class DecisionSpec(Base):
    """A decision type: options scored by tiers, weights and considerations, then drawn semi-randomly."""

    desc: str = ""
    option_features: list[Name] = Field(default_factory=list, description="Features each option instance carries.")
    target: bool = Field(False, description="The decision is about a target country: its triggers may read target.NAME "
                         "(the target's features), target.has_strategy = ID and target.country = TAG.")
    momentum: Optional[NonNegative] = Field(None, description="Overrides defines.momentum for this decision.")
    options: dict[Name, OptionSpec] = Field(default_factory=dict)


class StrategyType(Base):
    """A strategy type (e.g. administrative): one of its strategies is active at a time."""

    desc: str = ""
    change_points: dict[Name, NonNegative] = Field(default_factory=dict, description="Event -> points added.")
    threshold: Optional[Annotated[float, Field(gt=0)]] = Field(None, description="Overrides the define.")
    initial: Optional[Name] = Field(None, description="Strategy active at the start instead of a roll.")


class Strategy(Base):
    """A strategy; ``default`` takes only ``desc`` and ``values`` (plain weights)."""

    desc: str = ""
    type: Optional[Name] = None
    weight: Optional[Weight] = Field(None, description="Chance weight when its type is rolled.")
    possible: Optional[Trigger] = Field(None, description="Only when this holds may a roll pick the strategy.")
    values: dict[Name, StrategyValue] = Field(default_factory=dict)
    decisions: dict[Name, dict[Name, OptionMod]] = Field(default_factory=dict)
    change_points: dict[Name, NonNegative] = Field(default_factory=dict, description="Per-event points (override).")


class EventSpec(Base):
    """An event: fired by the game, or by the agent when its trigger becomes true."""

    if_: Optional[Trigger] = Field(None, alias="if")
    desc: str = ""


class StrategyFile(Base):
    """A whole strategy file, after mods are layered."""

    game: Optional[str] = Field(None, description="The game the file is for.")
    desc: str = ""
    act: Optional[Name] = Field(None, description="The decision whose winning option's action the agent plays.")
    features: list[Name] = Field(default_factory=list, description="Feature names used beyond the game's own.")
    defines: Defines = Field(default_factory=Defines)
    rules: dict[Name, Rule] = Field(default_factory=dict)
    strategy_types: dict[Name, StrategyType] = Field(default_factory=dict)
    events: dict[Name, EventSpec] = Field(default_factory=dict)
    decisions: dict[Name, DecisionSpec] = Field(default_factory=dict)
    strategies: dict[Name, Strategy] = Field(default_factory=dict)
