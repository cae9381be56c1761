"""Explanations: why a decision went the way it did, as JSON-ready data and as text.

A record holds the decision, its direction, R and distribution, the active
strategies with their change points, the resolved values, and per option:
tier (and the modifier that set it), base score with every modifier's
contribution and ``desc``, the active strategies' changes, each
consideration's input, curve and utility, the momentum bonus, the range, the
draw, and the winner. Records are computed lazily from a
:class:`~gaikit.strategies.engine.Decision`, so deciding stays fast.
"""

from __future__ import annotations

from typing import Any, Mapping

from gaikit.strategies.considerations import compensate
from gaikit.strategies.derivation import values_read
from gaikit.strategies.engine import Decision


def _f(x: Any) -> Any:
    return None if x is None else float(x)


def explain_decision(
    d: Decision, compensation: bool = True, derivation: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The full explanation of decision ``d`` as plain data (JSON-serialisable).

    ``derivation`` (from :mod:`gaikit.strategies.derivation`, taken when the
    decision was made) adds each value's chain under ``"derivation"`` and the
    names the decision read under ``"values_read"``.
    """
    options = []
    for i, (opt, spec, env, (tier, why), used) in enumerate(zip(d.options, d.specs, d.envs, d.tiers, d.mods)):
        changes = []
        considerations = list(spec.considerations)
        for sid, mod in used:
            if mod.score is not None:
                changes.append(
                    {"strategy": sid, "mode": mod.score.mode, "amount": mod.score.weight.evaluate(env), "weight": mod.score.weight.explain(env)}
                )
            if mod.tier is not None or mod.tier_decrease is not None:
                changes.append({"strategy": sid, "mode": "tier"})
            considerations.extend(mod.considerations)
        parts = [c.explain(env) for c in considerations]
        product, compensated = compensate((p["utility"] for p in parts), compensation)
        for part, value in zip(parts, compensated):
            part["compensated"] = value
        draw = d.choice.draws[0, i]
        options.append(
            {
                "option": opt.label,
                "kind": opt.kind,
                "action": spec.action,
                "tier": tier,
                "tier_reason": why,
                "eligible": bool(d.choice.eligible[0, i]),
                "base": float(d.base[i]),
                "score": spec.score.explain(env),
                "strategy_changes": changes,
                "considerations": parts,
                "consideration_product": product,
                "momentum": d.momentum_for is not None and opt.label == d.momentum_for,
                "range": [float(d.choice.low[0, i]), float(d.choice.high[0, i])],
                "draw": None if draw != draw or abs(draw) == float("inf") else float(draw),
                "features": {k: _f(v) for k, v in opt.features.items()},
            }
        )
    winner = d.winner
    extra: dict[str, Any] = {}
    if derivation is not None:
        extra = {"values_read": values_read(d), "derivation": dict(derivation)}
    return {
        "decision": d.name,
        "direction": d.direction,
        "randomness": float(d.choice.randomness[0]),
        "distribution": d.choice.distribution,
        "explore": d.explore,
        "winner": winner.label if winner is not None else None,
        "action": d.action,
        "active_strategies": d.active,
        "values": d.values,
        "options": options,
        **extra,
    }


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, (int, float)):
        return f"{x:.4g}"
    return str(x)


def _steps(score: Mapping[str, Any]) -> str:
    text = f"{_num(score['start'])}" + (f" ({score['from']})" if "from" in score else "")
    for step in score["steps"]:
        sign = f"+{_num(step['amount'])}" if step["op"] == "add" else f"x{_num(step['amount'])}"
        if step.get("amount_from"):
            sign += f" ({step['amount_from']})"
        cond = f" if {step['if']}" if step.get("if") else ""
        desc = f' "{step["desc"]}"' if step.get("desc") else ""
        text += f" {sign}{desc}{cond}"
    if "clamped_from" in score:
        text += f" clamped from {_num(score['clamped_from'])}"
    return text + f" = {_num(score['value'])}"


def format_chain(name: str, chain: Mapping[str, Any]) -> str:
    """One line: a value's derivation chain (default, the country's change, strategies, game rules) and result."""
    parts = []
    for step in chain["steps"]:
        source = step["source"]
        if source == "default":
            weight = step["weight"]
            plain = not weight["steps"] and "clamped_from" not in weight and "from" not in weight
            parts.append(f"default {_num(weight['value']) if plain else _steps(weight)}")
            continue
        desc = f' "{step["desc"]}"' if step.get("desc") else ""
        if source == "game rule":
            head = f"game rule {step['rule']}={step['preset']}{desc}"
        elif source == "strategy":
            head = f"strategy {step['strategy']} ({step['type']}){desc}"
        elif source == "country":
            head = f"country {step['tag']} (its history)" if step.get("tag") else "the agent's own change"
        else:
            head = f"{source}{desc}"
        how = step["mode"]
        amount = _steps(step["weight"]) if step.get("weight") and step["weight"]["steps"] else _num(step["amount"])
        parts.append(f"{head}: {how} {amount} -> {_num(step['after'])}")
    return f"{name} = {_num(chain['value'])}: " + "; ".join(parts)


def format_decision(record: Mapping[str, Any], values: bool = False) -> str:
    """A readable multi-line rendering of one explanation record."""
    head = [f"{k}={record[k]}" for k in ("time", "step", "env", "agent") if k in record]
    lines = [
        f"decision {record['decision']} ({record['direction']}, R={_num(record['randomness'])} "
        f"{record['distribution']}{'' if record.get('explore', True) else ', greedy'})"
        + (f" [{', '.join(head)}]" if head else "")
        + f" -> winner: {record['winner']}"
        + (f" (action {record['action']})" if record.get("action") is not None else "")
    ]
    active = record.get("active_strategies") or {}
    if active:
        lines.append(
            "  active strategies: "
            + ", ".join(
                f"{t}={a['strategy']} ({_num(a['change_points'])}/{_num(a['threshold'])} change points)" for t, a in active.items()
            )
        )
    if values and record.get("values"):
        lines.append("  values: " + ", ".join(f"{k}={_num(v)}" for k, v in record["values"].items()))
    derivation = record.get("derivation") or {}
    shown = list(derivation) if values else [n for n in record.get("values_read", []) if n in derivation]
    if shown:
        lines.append("  how the values " + ("were made:" if values else "this decision read were made:"))
        lines.extend(f"    {format_chain(name, derivation[name])}" for name in shown)
    lines.append(f"  {'option':<22} {'tier':<14} {'base':>10} {'range':>22} {'draw':>10}")
    for opt in record["options"]:
        mark = "*" if opt["option"] == record["winner"] else (" " if opt["eligible"] else "x")
        rng = f"[{_num(opt['range'][0])}, {_num(opt['range'][1])}]"
        lines.append(f"{mark} {opt['option']:<22} {opt['tier']:<14} {_num(opt['base']):>10} {rng:>22} {_num(opt['draw']):>10}")
        if opt.get("tier_reason"):
            lines.append(f"      tier: {opt['tier_reason']}")
        lines.append(f"      score: {_steps(opt['score'])}")
        for change in opt["strategy_changes"]:
            if change["mode"] == "tier":
                lines.append(f"      strategy {change['strategy']}: sets the tier")
            else:
                lines.append(f"      strategy {change['strategy']}: {change['mode']} {_steps(change['weight'])}")
        for c in opt["considerations"]:
            desc = f' "{c["desc"]}"' if c.get("desc") else ""
            lines.append(
                f"      consideration {c['input']}{desc}: {_num(c['value'])} -> {_num(c['normalised'])} "
                f"-> {c['curve']} = {_num(c['utility'])} (compensated {_num(c['compensated'])})"
            )
        if opt["considerations"]:
            lines.append(f"      considerations multiply to {_num(opt['consideration_product'])}")
        if opt.get("momentum"):
            lines.append("      momentum: last choice, bonus applied")
    return "\n".join(lines)


def format_roll(roll: Mapping[str, Any], winner: str | None = None) -> list[str]:
    """One line per candidate of a strategy roll: weight (with its modifiers' descs), draw range, draw, possible."""
    r = roll.get("randomness")
    draws = roll.get("draws") or {}
    possible = roll.get("possible") or {}
    lines = []
    for sid, weight in (roll.get("weights") or {}).items():
        why = "".join(f' {"+" if st["op"] == "add" else "x"}{_num(st["amount"])} "{st["desc"]}"'
                      for st in (roll.get("why") or {}).get(sid, []) if st.get("desc"))
        rng = f" range [{_num(weight / (1 + r))}, {_num(weight * (1 + r))}]" if r is not None and weight > 0 else ""
        barred = " (not possible)" if possible.get(sid) is False else ""
        mark = "*" if sid == winner else " "
        lines.append(f"  {mark} {sid:<20} weight {_num(weight)}{why}{rng} draw {_num(draws.get(sid))}{barred}")
    return lines


def format_record(record: Mapping[str, Any], values: bool = False) -> str:
    """Text for any record written to ``explain.jsonl`` (a decision, a strategy change) or a game's own record.

    A strategy change lists every candidate's weight, range and draw; a game's
    record that carries ``text`` (e.g. realm's back-down) is printed as that text.
    """
    if "decision" in record and "options" in record:
        return format_decision(record, values=values)
    if record.get("kind") == "strategy_change":
        roll = record.get("roll") or {}
        head = " ".join(f"{k}={record[k]}" for k in ("time", "step", "env", "agent") if k in record)
        barred = [k for k, ok in (roll.get("possible") or {}).items() if not ok]
        line = f"strategy change [{head}] {record['type']}: {record['from']} -> {record['to']} ({record['cause']})"
        if roll.get("weights"):
            r = roll.get("randomness")
            how = f" (R={_num(r)} {roll.get('distribution', 'uniform')})" if r is not None else ""
            line += f"; rolled from the weights{how}, highest draw wins:"
            tail = [f"  not possible: {', '.join(barred)}"] if barred else []
            return "\n".join([line, *format_roll(roll, record["to"]), *tail])
        return line + (f"; not possible: {', '.join(barred)}" if barred else "")
    if isinstance(record.get("text"), str):
        return record["text"]
    return " ".join(f"{k}={v}" for k, v in record.items())
