"""Derivation chains: how each strategy value was made, step by step, for explanations.

A value is resolved (:meth:`~gaikit.strategies.engine.StrategyEngine.values`)
as its default weight block, then the agent's own change (e.g. a realm
history file), then each active strategy's ``override``/``add``/``multiply``
in strategy-type order, then each game rule's multiplier. A chain records
every step with its ``desc``::

    {"value": 2.25, "steps": [
        {"source": "default", "after": 1.0, "weight": {...}},
        {"source": "strategy", "strategy": "militarist", "type": "expansion", "desc": "...",
         "mode": "multiply", "amount": 1.5, "before": 1.0, "after": 1.5, "weight": {...}},
        {"source": "game rule", "rule": "ai_aggression", "preset": "high", "desc": "...",
         "mode": "multiply", "amount": 1.5, "before": 1.5, "after": 2.25}]}

``weight`` is :meth:`CompiledWeight.explain` (start value, each modifier with
its ``desc``, clamping). The final value equals what the engine resolves
(``tests/test_explain_derivation.py`` checks it).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.rules import rule_factors
from gaikit.strategies.weights import CompiledMerge


def _merge_step(merge: CompiledMerge, before: float, env: Mapping[str, float], **head: Any) -> dict[str, Any]:
    weight = merge.weight.explain(env)
    after = merge.apply(before, env)
    return {**head, "mode": merge.mode, "amount": weight["value"], "before": before, "after": after, "weight": weight}


def derive_values(
    strategies: StrategySet,
    env: Mapping[str, float],
    active: Mapping[str, str | None],
    *,
    rules: Mapping[str, str] | None = None,
    overrides: Mapping[str, CompiledMerge] | None = None,
    names: Iterable[str] | None = None,
    tag: str | None = None,
) -> dict[str, dict[str, Any]]:
    """``{value name: {"value", "steps"}}`` for ``names`` (default: every value).

    ``env`` holds the features and flags the weights read; ``active`` maps
    strategy type -> active strategy id; ``rules`` are the chosen presets;
    ``overrides`` the agent's own changes (applied before the strategies'), made by
    the agent ``tag`` (a realm country's history file).
    """
    overrides = overrides or {}
    per_rule = rule_factors(strategies.rules, rules)
    wanted = list(strategies.default_values) if names is None else [n for n in names if n in strategies.default_values]
    out: dict[str, dict[str, Any]] = {}
    for name in wanted:
        weight = strategies.default_values[name].explain(env)
        v = weight["value"]
        steps: list[dict[str, Any]] = [{"source": "default", "after": v, "weight": weight}]
        own = overrides.get(name)
        if own is not None:
            steps.append(_merge_step(own, v, env, source="country", tag=tag))
            v = steps[-1]["after"]
        for type_name in strategies.types:
            sid = active.get(type_name)
            st = strategies.strategies.get(sid) if sid else None
            if st is None:
                continue
            merge = st.values.get(name)
            if merge is not None:
                steps.append(_merge_step(merge, v, env, source="strategy", strategy=sid, type=type_name, desc=st.desc))
                v = steps[-1]["after"]
        product = 1.0
        for rule in per_rule:
            factor = rule["factors"].get(name)
            if factor is None:
                continue
            product *= factor
            steps.append({"source": "game rule", "rule": rule["rule"], "preset": rule["preset"], "desc": rule["desc"],
                          "mode": "multiply", "amount": factor, "before": steps[-1]["after"],
                          "after": steps[-1]["after"] * factor})
        final = v * product  # as the engine computes it (the rules' product, then one multiplication)
        steps[-1]["after"] = final
        out[name] = {"value": final, "steps": steps}
    return out


def derive_engine_values(engine: Any, env: Mapping[str, float], names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`derive_values` for a :class:`~gaikit.strategies.engine.StrategyEngine` in its current state."""
    full = {**env, **engine.flags()}
    return derive_values(engine.strategies, full, dict(engine.active), rules=engine.rules,
                         overrides=getattr(engine, "overrides", None), names=names, tag=getattr(engine, "tag", None))


def values_read(decision: Any) -> list[str]:
    """Names of strategy values a :class:`~gaikit.strategies.engine.Decision` read (scores, tiers, considerations)."""
    names: set[str] = set()
    for spec, used in zip(decision.specs, decision.mods):
        names |= spec.score.names() | spec.tier.names()
        if spec.tier_decrease is not None:
            names |= spec.tier_decrease.names()
        names |= {c.input for c in spec.considerations}
        for _, mod in used:
            if mod.score is not None:
                names |= mod.score.weight.names()
            for tier in (mod.tier, mod.tier_decrease):
                if tier is not None:
                    names |= tier.names()
            names |= {c.input for c in mod.considerations}
    return sorted(n for n in names if n in decision.values)
