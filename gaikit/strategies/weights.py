"""Weight blocks at run time: evaluation, merging with the default, explanations.

A compiled weight reads quantities (numbers, or names looked up in a mapping
of features and values), applies its modifiers in order and clamps. The fast
path returns a float; :meth:`CompiledWeight.explain` records what each
modifier contributed, with its ``desc``, for explanations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from gaikit.strategies.schema import MergeEntry, WeightBlock
from gaikit.strategies.triggers import Check, Node

Env = Mapping[str, float]


def _read(quantity: float | str, env: Env) -> float:
    return env[quantity] if isinstance(quantity, str) else quantity


@dataclass(frozen=True)
class CompiledModifier:
    """One modifier: its condition, operation (``add`` or ``factor``), amount and description."""

    node: Node | None
    check: Check | None
    op: str
    amount: float | str
    desc: str


@dataclass(frozen=True)
class CompiledWeight:
    """A number, a name or a weight block, ready to evaluate."""

    value: float | str
    modifiers: tuple[CompiledModifier, ...] = ()
    lo: float | None = None
    hi: float | None = None
    where: tuple[Any, ...] = field(default=(), compare=False)

    def evaluate(self, env: Env) -> float:
        """The weight's value for the given features and values."""
        v = _read(self.value, env)
        for mod in self.modifiers:
            if mod.check is None or mod.check(env):
                amount = _read(mod.amount, env)
                v = v + amount if mod.op == "add" else v * amount
        if self.lo is not None and v < self.lo:
            v = self.lo
        if self.hi is not None and v > self.hi:
            v = self.hi
        return float(v)

    def explain(self, env: Env) -> dict[str, Any]:
        """Start value, each applied modifier's contribution and ``desc``, clamping, result."""
        start = float(_read(self.value, env))
        v = start
        steps = []
        for mod in self.modifiers:
            if mod.check is not None and not mod.check(env):
                continue
            amount = float(_read(mod.amount, env))
            before = v
            v = v + amount if mod.op == "add" else v * amount
            steps.append(
                {
                    "desc": mod.desc,
                    "if": mod.node.text() if mod.node is not None else None,
                    "op": mod.op,
                    "amount": amount,
                    "contribution": v - before,
                }
            )
            if isinstance(mod.amount, str):
                steps[-1]["amount_from"] = mod.amount
        clamped = min(max(v, self.lo if self.lo is not None else v), self.hi if self.hi is not None else v)
        out: dict[str, Any] = {"start": start, "steps": steps, "value": clamped}
        if isinstance(self.value, str):
            out["from"] = self.value
        if clamped != v:
            out["clamped_from"] = v
        return out

    def names(self) -> set[str]:
        """Names read by the value, the amounts and the triggers."""
        names = {self.value} if isinstance(self.value, str) else set()
        for mod in self.modifiers:
            if isinstance(mod.amount, str):
                names.add(mod.amount)
            if mod.node is not None:
                names |= mod.node.names()
        return names

    def trigger_paths(self) -> list[tuple[tuple[Any, ...], set[str]]]:
        """``(path, names)`` for each part, so unknown names can be reported at their line."""
        parts: list[tuple[tuple[Any, ...], set[str]]] = []
        if isinstance(self.value, str):
            parts.append((self.where + (("value",) if self.modifiers or self.lo is not None or self.hi is not None else ()), {self.value}))
        for i, mod in enumerate(self.modifiers):
            names = {mod.amount} if isinstance(mod.amount, str) else set()
            if mod.node is not None:
                names |= mod.node.names()
            parts.append((self.where + ("modifiers", i), names))
        return parts


def compile_weight(raw: float | str | WeightBlock, where: tuple[Any, ...] = ()) -> CompiledWeight:
    """Compile a schema weight (number, name or block); ``where`` is its path in the file."""
    if not isinstance(raw, WeightBlock):
        return CompiledWeight(raw, where=where)
    mods = tuple(
        CompiledModifier(
            m.if_,
            m.if_.compile() if m.if_ is not None else None,
            "add" if m.add is not None else "factor",
            m.add if m.add is not None else m.factor,  # type: ignore[arg-type]
            m.desc,
        )
        for m in raw.modifiers
    )
    return CompiledWeight(raw.value, mods, raw.min, raw.max, where)


@dataclass(frozen=True)
class CompiledMerge:
    """A strategy's change to a default value: ``mode`` (override/add/multiply) and the weight."""

    mode: str
    weight: CompiledWeight

    def apply(self, base: float, env: Env) -> float:
        """The default's ``base`` combined with this strategy's weight."""
        amount = self.weight.evaluate(env)
        if self.mode == "override":
            return amount
        if self.mode == "add":
            return base + amount
        return base * amount


def compile_merge(raw: Any, where: tuple[Any, ...]) -> CompiledMerge:
    """A plain weight means ``override``; a :class:`MergeEntry` names its mode."""
    if isinstance(raw, MergeEntry):
        return CompiledMerge(raw.mode, compile_weight(raw.weight, where + (raw.mode,)))
    return CompiledMerge("override", compile_weight(raw, where))
