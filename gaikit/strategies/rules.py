"""Game rules: presets declared in YAML as multipliers on named strategy values.

The Victoria 3 AI has two game rules instead of a difficulty that cheats:
*AI aggression* (low / standard / high) and *AI behaviour toward players*
(lenient / standard / harsh). A strategy file declares any such rule::

    rules:
      ai_aggression:
        desc: How aggressively the AI acts toward everyone.
        default: standard
        presets:
          low: {aggression: 0.5, conquer_weight: 0.25}
          standard: {}
          high: {aggression: 1.5, conquer_weight: 2.0}

Choosing ``ai_aggression: high`` multiplies the resolved values
``aggression`` and ``conquer_weight`` (after the active strategies were
applied) by 1.5 and 2.0. Several rules multiply together.
"""

from __future__ import annotations

from typing import Annotated, Any, Mapping

from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.errors import ConfigError
from gaikit.core.registry import unknown_name_message


class Rule(BaseModel):
    """One game rule: named presets, each a set of multipliers on strategy values."""

    model_config = ConfigDict(extra="forbid", strict=True)

    desc: str = Field("", description="What the rule changes, for players.")
    default: str = Field(..., description="The preset used when the player chooses none.")
    presets: dict[str, dict[str, Annotated[float, Field(ge=0)]]] = Field(
        ..., description="Preset name -> {value name: multiplier}."
    )


def resolve_rules(rules: Mapping[str, Rule], chosen: Mapping[str, str] | None = None) -> dict[str, float]:
    """Multiplier per value name for the chosen presets (each rule's default where not chosen).

    Unknown rule or preset names are a :class:`ConfigError` listing the known ones.
    """
    chosen = dict(chosen or {})
    for name in chosen:
        if name not in rules:
            raise ConfigError(unknown_name_message("game rule", name, rules))
    factors: dict[str, float] = {}
    for name, rule in rules.items():
        preset = chosen.get(name, rule.default)
        if preset not in rule.presets:
            raise ConfigError(f"game rule {name!r}: " + unknown_name_message("preset", preset, rule.presets))
        for value, factor in rule.presets[preset].items():
            factors[value] = factors.get(value, 1.0) * factor
    return factors


def rule_factors(rules: Mapping[str, Rule], chosen: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Per rule, in declaration order: ``{rule, preset, desc, factors}`` of the chosen preset (the default's if none).

    The product of every rule's ``factors`` per value is :func:`resolve_rules`; this
    keeps them apart so an explanation can name each rule that changed a value.
    """
    resolve_rules(rules, chosen)  # the same checks: unknown rules or presets are errors
    chosen = dict(chosen or {})
    out = []
    for name, rule in rules.items():
        preset = chosen.get(name, rule.default)
        out.append({"rule": name, "preset": preset, "desc": rule.desc, "factors": dict(rule.presets[preset])})
    return out


def parse_rule_choices(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["ai_aggression=high", ...]`` -> ``{"ai_aggression": "high"}`` (from the CLI)."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"game rule {item!r}: expected RULE=PRESET, e.g. ai_aggression=high")
        key, value = (part.strip() for part in item.split("=", 1))
        out[key] = value
    return out
