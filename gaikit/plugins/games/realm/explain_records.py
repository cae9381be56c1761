"""What ``gaikit explain RUN --country C --date D`` shows for realm, beyond the strategy decisions themselves.

:class:`WeekCollector` is the world's recorder while a world is simulated
again up to a date. It keeps one country's records of the last week (up to
the date) in which anything happened to it, and assembles them:

* every strategy decision (spending, desires, war goals, play stances),
  explained by :func:`~gaikit.strategies.explain.explain_decision` with each
  value it read derived (default -> the country's history -> active
  strategies -> game rules);
* the strategy rolls of that week (every candidate's weight, range and draw),
  taken from the country's engine history, so a week with only a roll shows
  that roll rather than an earlier week's decisions;
* the monthly play-chance roll and the play-target roll;
* back-down decisions itemised: confidence (strength share, defending, debt),
  boldness (its range and draw, facing annexation), their sum against the
  threshold;
* play stances summarised: neutrality against both sides' scores with the
  sympathy and sway in each;
* when the country did nothing in the week asked for, a first ``week``
  record says so and names the earlier week shown.

Every record keeps its data for ``--json``; records that are not decisions
also carry ``text`` (what the text output prints).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from gaikit.plugins.games.realm.disputes import DEFENDER, SIDE_NAMES, Play
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import Country
from gaikit.strategies.derivation import derive_values
from gaikit.strategies.explain import explain_decision, format_chain

#: Strategy values each game record reads (those the strategy file declares are derived).
RECORD_VALUES: dict[str, tuple[str, ...]] = {
    "play_chance": ("play_chance",),
    "backdown": ("confidence_scale", "confidence_defending", "confidence_debt", "boldness", "boldness_spread",
                 "annexation_boldness", "war_goal_stakes", "backdown_threshold"),
}
#: Tolerance when checking that itemised parts add up to a recorded (rounded) total.
_TOL = 2e-3


def _n(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, (int, float)) else str(x)


def backdown_parts(realm: WorldState, play: Play, side: int, record: Mapping[str, Any]) -> dict[str, Any]:
    """Confidence and boldness of a back-down ``record`` itemised from the world as it is at the decision.

    Parts the game adds that this breakdown does not know appear as ``not itemised`` (the remainder), so
    the parts always add up to the recorded numbers.
    """
    from gaikit.plugins.games.realm.plays import side_strength  # the game's own strength sum

    leader = realm.countries[play.leader(side)]
    values = realm.last_values(leader)
    own, other = side_strength(realm, play, side), side_strength(realm, play, 1 - side)
    share = own / (own + other)
    scale = values.get("confidence_scale", 100.0)
    conf: list[dict[str, Any]] = [{"part": "strength share", "amount": scale * (share - 0.5),
                                   "how": f"{_n(scale)} x (share {_n(share)} - 0.5); side strength {_n(own)} vs {_n(other)}"}]
    if side == DEFENDER:
        conf.append({"part": "defending", "amount": values.get("confidence_defending", 10.0), "how": "confidence_defending"})
    if leader.treasury < 0:
        conf.append({"part": "in debt", "amount": values.get("confidence_debt", -10.0), "how": f"treasury {_n(leader.treasury)}"})
    rest = float(record["confidence"]) - sum(p["amount"] for p in conf)
    if abs(rest) > _TOL:
        conf.append({"part": "not itemised", "amount": rest, "how": "parts of the game's formula this breakdown does not know"})
    base = max(values.get("boldness", 0.0), 0.0)
    spread = max(values.get("boldness_spread", 0.0), 0.0)
    bold = float(record["boldness"])
    annex = 0.0
    if side == DEFENDER and play.goal == "conquer_state" and int((realm.map.owner == leader.index).sum()) <= 1:
        annex = values.get("annexation_boldness", 0.0)
    draw = bold - annex
    low, high = base / (1.0 + spread), base * (1.0 + spread)
    boldness: dict[str, Any] = {"base": base, "randomness": spread, "range": [low, high], "facing_annexation": annex}
    if low - _TOL <= draw <= high + _TOL:
        boldness["draw"] = draw
    else:
        boldness["not_itemised"] = bold
    return {"confidence_parts": conf, "boldness_parts": boldness}


def format_backdown(record: Mapping[str, Any]) -> str:
    """Text for a back-down record (itemised when it carries :func:`backdown_parts`)."""
    verdict = "backs down" if record["backs_down"] else "stands firm"
    known = {"decision", "play", "side", "confidence", "boldness", "threshold", "backs_down", "time", "agent", "kind",
             "confidence_parts", "boldness_parts", "derivation", "values_read", "text"}
    extra = {k: v for k, v in record.items() if k not in known and isinstance(v, (int, float)) and not isinstance(v, bool)}
    total = record["confidence"] + record["boldness"] + sum(extra.values())
    lines = [f"backdown [time={record.get('time')}, agent={record.get('agent')}] play #{record['play']} as {record['side']}: "
             f"confidence {_n(record['confidence'])} + boldness {_n(record['boldness'])}"
             + "".join(f" + {k} {_n(v)}" for k, v in extra.items())
             + f" = {_n(total)} vs threshold {_n(record['threshold'])} -> {verdict} (backs down when below)"]
    for part in record.get("confidence_parts", []):
        lines.append(f"  confidence {part['part']}: {_n(part['amount'])} ({part['how']})")
    b = record.get("boldness_parts")
    if b:
        rng = f"[{_n(b['range'][0])}, {_n(b['range'][1])}]"
        if "draw" in b:
            lines.append(f"  boldness: drawn {_n(b['draw'])} in {rng} (boldness {_n(b['base'])}, R={_n(b['randomness'])})"
                         + (f" + facing annexation {_n(b['facing_annexation'])}" if b["facing_annexation"] else ""))
        else:
            lines.append(f"  boldness: {_n(b['not_itemised'])}, not itemised (the draw range {rng} of boldness "
                         f"{_n(b['base'])}, R={_n(b['randomness'])} does not hold it: the game adds parts this "
                         "breakdown does not know)")
    return "\n".join(lines)


def format_play_chance(record: Mapping[str, Any]) -> str:
    """Text for a play-chance roll (and the play-target roll when it passed)."""
    head = f"play chance [time={record.get('time')}, agent={record.get('agent')}]: monthly roll {_n(record['draw'])}"
    targets = ", ".join(record["targets"])
    if not record["pressed"]:
        return f"{head} >= play_chance {_n(record['chance'])} -> no play this month (would-be targets: {targets})"
    return (f"{head} < play_chance {_n(record['chance'])} -> presses a play; target drawn uniformly from "
            f"{targets} (draw {record['target_draw']}) -> {record['target']}")


def stance_summary(record: Mapping[str, Any]) -> str:
    """Neutrality against both sides' scores, with sympathy and sway, for an explained ``play_stance`` decision."""
    by = {o["option"]: o for o in record["options"]}
    stay = next((o for o in record["options"] if o["kind"] == "stay_out"), None)
    if stay is None:
        return ""
    parts = [f"neutrality {_n(stay['base'])}"]
    for o in record["options"]:
        if o["kind"] != "join":
            continue
        f = o["features"]
        parts.append(f"{o['option']} {_n(o['base'])} (sympathy {_n(f.get('sympathy'))}, sway {_n(f.get('sway'))})")
    won = record["winner"]
    verdict = "stays out" if won is None or by.get(won, {}).get("kind") == "stay_out" else won
    return ("stance: " + "; ".join(parts) + f" -> {verdict} (a side is joined only when its score exceeds both "
            "neutrality and the other side's)")


class WeekCollector:
    """The recorder for one country's explanations up to week ``target`` (see the module docstring)."""

    def __init__(self, who: int, target: int, note_text: Callable[[Mapping[str, Any]], str]) -> None:
        self.who, self.target, self.note_text = who, target, note_text
        self.week = -1
        self.items: list[tuple[str, Any, dict[str, Any], dict[str, Any] | None]] = []
        self.realm: WorldState | None = None

    def __call__(self, c: Country, week: int, kind: str, decision: Any, note: dict[str, Any]) -> None:
        """Keep ``c``'s record if it is the country explained and the week is not past the target."""
        if c.index != self.who or week > self.target:
            return
        if week != self.week:
            self.week, self.items = week, []
        snap = None
        if isinstance(decision, Mapping):
            decision = dict(decision)
            if kind == "backdown" and self.realm is not None:
                play = next((p for p in self.realm.plays if p.id == decision["play"]), None)
                if play is not None:
                    decision.update(backdown_parts(self.realm, play, SIDE_NAMES.index(decision["side"]), decision))
            if self.realm is not None and kind in RECORD_VALUES:
                ctx = self.realm.context(c)  # cached: the record's caller has just read these values
                snap = {"env": dict(ctx.env), "active": dict(c.engine.active)}
        elif decision.envs:
            snap = {"env": decision.envs[0], "active": dict(c.engine.active)}
        self.items.append((kind, decision, note, snap))

    def records(self, realm: WorldState, date_of: Callable[[int], str]) -> list[dict[str, Any]]:
        """The explained records of the last week (up to the target) with decisions or strategy rolls."""
        c = realm.countries[self.who]
        engine = c.engine
        changes = [e for e in engine.history if isinstance(e.get("time"), int) and e["time"] <= self.target]
        week = max(self.week, max((e["time"] for e in changes), default=-1))
        head = {"time": date_of(max(week, 0)), "agent": c.name}
        out: list[dict[str, Any]] = []
        if week != self.target:  # say so rather than silently showing an earlier week
            out.append({**head, "kind": "week", "requested": date_of(self.target),
                        "text": f"{c.name} made no decision and rolled nothing in the week of {date_of(self.target)}; "
                                f"its last week with any before it: {head['time']}"})
        out.extend({**head, "kind": "strategy_change", **{k: v for k, v in e.items() if k != "time"}}
                   for e in changes if e["time"] == week)
        items = self.items if self.week == week else []
        compensation = realm.strategies.defines.compensation
        for kind, decision, note, snap in items:
            chains = None
            if snap is not None:
                chains = derive_values(realm.strategies, snap["env"], snap["active"], rules=engine.rules,
                                       overrides=getattr(engine, "overrides", None), tag=c.tag)
            if isinstance(decision, Mapping):
                body = dict(decision)
                names = [n for n in RECORD_VALUES.get(kind, ()) if chains is not None and n in chains]
                if chains is not None:
                    body["values_read"], body["derivation"] = names, chains
                record = {**head, "kind": kind, **body}
                record["text"] = _text(kind, record)
            else:
                record = {**head, "kind": kind, **explain_decision(decision, compensation, derivation=chains)}
                if kind == "play_stance":
                    record["stance"] = stance_summary(record)
            text = "\n".join(t for t in (self.note_text(note), record.get("stance", "")) if t)
            if text:
                record["note"] = text
            out.append(record)
        return out


def _text(kind: str, record: Mapping[str, Any]) -> str:
    if kind == "backdown":
        text = format_backdown(record)
    elif kind == "play_chance":
        text = format_play_chance(record)
    else:
        text = " ".join(f"{k}={v}" for k, v in record.items() if k not in ("derivation", "values_read"))
    chains = record.get("derivation") or {}
    lines = [f"    {format_chain(n, chains[n])}" for n in record.get("values_read", []) if n in chains]
    return "\n".join([text, "  how the values it read were made:", *lines] if lines else [text])
