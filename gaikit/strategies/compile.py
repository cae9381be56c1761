"""Compile a validated strategy file into a :class:`StrategySet`, checking every name.

Name scopes (an unknown name is an error naming file, line and field):

* default values and strategies' value changes read game features only;
* strategy weights, ``possible`` and event triggers read features and values;
* option scores, tiers and considerations read features, values and the
  decision's ``option_features``;
* everywhere, ``has_strategy = ID`` and ``has_game_rule = RULE:PRESET`` must
  name a declared strategy, rule and preset; ``country = TAG`` is recorded
  (``StrategySet.country_tags``) for the game to check;
* in decisions declared ``target: true``, option triggers may also read the
  target's scope: ``target.NAME`` for every feature ``NAME`` (plus
  ``target.strength`` and ``target.relations``), ``target.has_strategy = ID``,
  ``target.country = TAG`` and ``attitude = NAME`` (recorded in
  ``StrategySet.attitudes`` for the game to check).

Features are the game's ``feature_names()`` plus the file's ``features:``.
With ``game_offers``, the file declares exactly the game's decisions and
the options the game offers each.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Iterable, Mapping, Sequence

from gaikit.core.errors import ConfigError
from gaikit.strategies.compiled import (
    CompiledDecision,
    CompiledEvent,
    CompiledOption,
    CompiledOptionMod,
    CompiledStrategy,
    CompiledTier,
    CompiledType,
    StrategySet,
)
from gaikit.strategies.considerations import CompiledConsideration, compile_consideration
from gaikit.strategies.defines import BUILTIN_EVENTS
from gaikit.strategies.schema import MergeEntry, StrategyFile, TierBlock
from gaikit.strategies.triggers import TARGET, TARGET_CONDITIONS, flag_key
from gaikit.strategies.weights import CompiledWeight, compile_merge, compile_weight

Where = Callable[[tuple[Any, ...]], str]
#: Target-scope names every targeted decision may read besides ``target.<feature>``.
TARGET_EXTRAS: tuple[str, ...] = ("strength", "relations")


class _Checker:
    def __init__(self, where: Where, model: StrategyFile | None = None) -> None:
        self.where = where
        self.flags: set[str] = set()
        self.tags: dict[str, str] = {}
        self.attitudes: dict[str, str] = {}
        self.uses_target = False
        self.strategy_ids: list[str] = []
        self.rules: dict[str, list[str]] = {}
        if model is not None:
            self.strategy_ids = [s for s in model.strategies if s != "default"]
            self.rules = {name: list(rule.presets) for name, rule in model.rules.items()}
            self.flags = {flag_key("has_strategy", s) for s in self.strategy_ids} | {
                flag_key("has_game_rule", r, p) for r, presets in self.rules.items() for p in presets
            }

    def flag(self, path: tuple[Any, ...], key: str, targeted: bool = False) -> None:
        condition, *args = key.split(":")
        if condition in TARGET_CONDITIONS and not targeted:
            raise self.fail(path, f"{condition} = {args[0]}: this decision has no target (declare 'target: true' on a decision "
                                  "the game gives a target)")
        if condition in ("country", TARGET + "country"):
            self.tags.setdefault(args[0], f"{self.where(path)}: {'.'.join(str(p) for p in path)}")
            return
        if condition == "attitude":
            self.attitudes.setdefault(args[0], f"{self.where(path)}: {'.'.join(str(p) for p in path)}")
            return
        if condition == TARGET + "has_strategy":
            key = flag_key("has_strategy", *args)
        if key in self.flags:
            return
        if condition.endswith("has_strategy"):
            raise self.fail(path, f"has_strategy = {args[0]}: no such strategy; strategies: {', '.join(self.strategy_ids) or '(none)'}")
        rule, preset = args
        if rule not in self.rules:
            raise self.fail(path, f"has_game_rule = {rule}:{preset}: no such game rule; rules: {', '.join(self.rules) or '(none)'}")
        raise self.fail(path, f"has_game_rule = {rule}:{preset}: rule {rule!r} has no preset {preset!r}; presets: {', '.join(self.rules[rule])}")

    def fail(self, path: tuple[Any, ...], message: str) -> ConfigError:
        field = ".".join(str(p) for p in path)
        return ConfigError(f"{self.where(path)}: {field}: {message}")

    def names(self, path: tuple[Any, ...], names: Iterable[str], scope: dict[str, set[str]]) -> None:
        names = set(names)
        if any(n.startswith(TARGET) or n.startswith("attitude:") for n in names):
            self.uses_target = True
        for key in sorted(n for n in names if ":" in n):
            self.flag(path, key, "target" in scope)
        known = set().union(*scope.values())
        for name in sorted(n for n in names - known if ":" not in n):
            listing = "; ".join(f"{kind}: {', '.join(sorted(v)) or '(none)'}" for kind, v in scope.items())
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.fail(path, f"unknown name {name!r}; known {listing}{hint}")

    def weight(self, w: CompiledWeight, scope: dict[str, set[str]]) -> CompiledWeight:
        for path, names in w.trigger_paths():
            self.names(path, names, scope)
        return w


def _tier(raw: Any) -> CompiledTier:
    if isinstance(raw, TierBlock):
        mods = tuple((m.if_, m.if_.compile() if m.if_ is not None else None, m.tier, m.desc) for m in raw.modifiers)
        return CompiledTier(raw.value, mods)
    return CompiledTier(raw)


def _considerations(c: _Checker, raw: list[Any], path: tuple[Any, ...], scope: dict[str, set[str]]) -> tuple[CompiledConsideration, ...]:
    out = []
    for i, item in enumerate(raw):
        c.names(path + (i, "input"), [item.input], scope)
        out.append(compile_consideration(item, path + (i,)))
    return tuple(out)


def _checked_tier(c: _Checker, raw: Any, path: tuple[Any, ...], scope: dict[str, set[str]]) -> CompiledTier | None:
    if raw is None:
        return None
    tier = _tier(raw)
    for i, (node, _, _, _) in enumerate(tier.modifiers):
        if node is not None:
            c.names(path + ("modifiers", i, "if"), node.names(), scope)
    return tier


def _check_offers(c: _Checker, model: StrategyFile, offers: Mapping[str, Sequence[str] | None]) -> None:
    """Every decision the file declares is one the game makes, with the options the game offers it."""
    made = ", ".join(offers) or "(none)"
    for dname, dec in model.decisions.items():
        if dname not in offers:
            raise c.fail(("decisions", dname), f"the game never makes a decision {dname!r}; its decisions: {made}")
        offered = offers[dname]
        if offered is None:
            continue
        for oid in dec.options:
            if oid not in offered:
                raise c.fail(("decisions", dname, "options", oid),
                             f"the game never offers option {oid!r} to decision {dname!r}; it offers: {', '.join(offered)}")
        for oid in offered:
            if oid not in dec.options:
                raise c.fail(("decisions", dname, "options"),
                             f"the game offers option {oid!r} to decision {dname!r}; declare it (declared: {', '.join(dec.options) or '(none)'})")
    for dname in offers:
        if dname not in model.decisions:
            raise c.fail(("decisions",), f"the game makes a decision {dname!r}; declare it (declared: {', '.join(model.decisions) or '(none)'})")


def compile_strategies(
    model: StrategyFile,
    where: Where,
    game_features: Iterable[str] = (),
    *,
    source: str = "",
    game_offers: Mapping[str, Sequence[str] | None] | None = None,
) -> StrategySet:
    """Check names across the file and build the runtime :class:`StrategySet`.

    ``game_offers`` (decision -> the option kinds the game offers it, or
    ``None`` for any) makes the file declare exactly the game's decisions and
    options; without it any decisions and options are accepted.
    """
    c = _Checker(where, model)
    if game_offers is not None:
        _check_offers(c, model, game_offers)
    features = set(model.features) | set(game_features)
    default = model.strategies.get("default")
    values: set[str] = set(default.values) if default is not None else set()
    for name in sorted(values & features):
        raise c.fail(("strategies", "default", "values", name), f"value {name!r} has the name of a game feature")
    f_scope = {"features": features}
    fv_scope = {"features": features, "values": values}
    defines = model.defines

    for define, key in defines.per_type_keys():
        if key not in model.decisions and key not in model.strategy_types:
            raise c.fail(("defines", define, key), f"{key!r} is neither a decision nor a strategy type")
    for name in sorted(set(model.decisions) & set(model.strategy_types)):
        raise c.fail(("strategy_types", name), f"{name!r} names both a decision and a strategy type")
    if model.act is not None and model.act not in model.decisions:
        raise c.fail(("act",), f"unknown decision {model.act!r}; decisions: {', '.join(model.decisions) or '(none)'}")

    default_values: dict[str, CompiledWeight] = {}
    if default is not None:
        for key in ("type", "weight"):
            if getattr(default, key) is not None:
                raise c.fail(("strategies", "default", key), "the hidden default strategy has no type or weight")
        if default.possible is not None:
            raise c.fail(("strategies", "default", "possible"), "the hidden default strategy is always active; it has no 'possible'")
        if default.decisions or default.change_points:
            key = "decisions" if default.decisions else "change_points"
            raise c.fail(("strategies", "default", key), "declare options under 'decisions:' at the top level")
        for name, raw in default.values.items():
            path: tuple[Any, ...] = ("strategies", "default", "values", name)
            if isinstance(raw, MergeEntry):
                raise c.fail(path, "default values are plain weights; override/add/multiply are for other strategies")
            default_values[name] = c.weight(compile_weight(raw, path), f_scope)

    events: dict[str, CompiledEvent] = {}
    for name, ev in model.events.items():
        if name in BUILTIN_EVENTS:
            raise c.fail(("events", name), f"{name!r} is a built-in event; choose another name")
        if ev.if_ is not None:
            c.names(("events", name, "if"), ev.if_.names(), fv_scope)
        events[name] = CompiledEvent(name, ev.desc, ev.if_, ev.if_.compile() if ev.if_ is not None else None)
    event_names = set(events) | set(BUILTIN_EVENTS)

    def check_events(path: tuple[Any, ...], table: dict[str, float]) -> None:
        for event in table:
            if event not in event_names:
                raise c.fail(path + (event,), f"unknown event {event!r}; declare it under 'events:' (built-in: {', '.join(BUILTIN_EVENTS)})")

    decisions: dict[str, CompiledDecision] = {}
    option_scopes: dict[str, dict[str, set[str]]] = {}
    for dname, dec in model.decisions.items():
        ofeat = set(dec.option_features)
        for name in sorted(ofeat & (features | values)):
            raise c.fail(("decisions", dname, "option_features"), f"option feature {name!r} clashes with a feature or value")
        scope = {"features": features, "values": values, "option features": ofeat}
        if dec.target:
            scope["target"] = {TARGET + f for f in (*features, *TARGET_EXTRAS)}
        option_scopes[dname] = scope
        options = {}
        for oid, opt in dec.options.items():
            path = ("decisions", dname, "options", oid)
            options[oid] = CompiledOption(
                oid,
                opt.desc,
                opt.action,
                _checked_tier(c, opt.tier, path + ("tier",), scope) or CompiledTier("wants-to-have"),
                _checked_tier(c, opt.tier_decrease, path + ("tier_decrease",), scope),
                c.weight(compile_weight(opt.score, path + ("score",)), scope),
                _considerations(c, opt.considerations, path + ("considerations",), scope),
            )
        decisions[dname] = CompiledDecision(
            dname, dec.desc, options, tuple(dec.option_features), defines.randomness_for(dname),
            defines.distribution_for(dname), dec.momentum if dec.momentum is not None else defines.momentum,
        )

    strategies: dict[str, CompiledStrategy] = {}
    members: dict[str, list[str]] = {t: [] for t in model.strategy_types}
    for sid, st in model.strategies.items():
        if sid == "default":
            continue
        path = ("strategies", sid)
        if st.type is None or st.type not in model.strategy_types:
            raise c.fail(path + ("type",), f"expected one of the strategy types: {', '.join(model.strategy_types) or '(none declared)'}; got {st.type!r}")
        if st.weight is None:
            raise c.fail(path, "a strategy needs a 'weight' (its chance when its type is rolled)")
        merges = {}
        for name, raw in st.values.items():
            if name not in values:
                raise c.fail(path + ("values", name), f"value {name!r} is not in the default strategy; give its base value there")
            merge = compile_merge(raw, path + ("values", name))
            c.weight(merge.weight, f_scope)
            merges[name] = merge
        mods = {}
        for dname, opts in st.decisions.items():
            if dname not in decisions:
                raise c.fail(path + ("decisions", dname), f"unknown decision {dname!r}; decisions: {', '.join(decisions) or '(none)'}")
            for oid, om in opts.items():
                opath = path + ("decisions", dname, oid)
                if oid not in decisions[dname].options:
                    raise c.fail(opath, f"unknown option {oid!r} of decision {dname!r}; options: {', '.join(decisions[dname].options)}")
                scope = option_scopes[dname]
                score = None
                if om.score is not None:
                    score = compile_merge(om.score, opath + ("score",))
                    c.weight(score.weight, scope)
                mods[(dname, oid)] = CompiledOptionMod(
                    score,
                    _checked_tier(c, om.tier, opath + ("tier",), scope),
                    _checked_tier(c, om.tier_decrease, opath + ("tier_decrease",), scope),
                    _considerations(c, om.considerations, opath + ("considerations",), scope),
                )
        check_events(path + ("change_points",), st.change_points)
        if st.possible is not None:
            c.names(path + ("possible",), st.possible.names(), fv_scope)
        strategies[sid] = CompiledStrategy(
            sid, st.desc, st.type, c.weight(compile_weight(st.weight, path + ("weight",)), fv_scope), merges, mods,
            dict(st.change_points), st.possible, st.possible.compile() if st.possible is not None else None,
        )
        members[st.type].append(sid)

    types: dict[str, CompiledType] = {}
    for tname, tp in model.strategy_types.items():
        path = ("strategy_types", tname)
        if not members[tname]:
            raise c.fail(path, f"strategy type {tname!r} has no strategies; give some strategy 'type: {tname}'")
        if tp.initial is not None and tp.initial not in members[tname]:
            raise c.fail(path + ("initial",), f"{tp.initial!r} is not a strategy of type {tname!r}; those are {', '.join(members[tname])}")
        check_events(path + ("change_points",), tp.change_points)
        types[tname] = CompiledType(
            tname, tp.desc, tuple(members[tname]), tp.threshold or defines.change_point_threshold,
            dict(tp.change_points), tp.initial, defines.randomness_for(tname), defines.distribution_for(tname),
        )

    for rname, rule in model.rules.items():
        if rule.default not in rule.presets:
            raise c.fail(("rules", rname, "default"), f"{rule.default!r} is not one of the presets {', '.join(rule.presets)}")
        for preset, table in rule.presets.items():
            for name in table:
                if name not in values:
                    raise c.fail(("rules", rname, "presets", preset, name), f"unknown value {name!r}; rules multiply default strategy values: {', '.join(sorted(values)) or '(none)'}")

    return StrategySet(
        source=source, model=model, defines=defines, features=tuple(sorted(features)),
        default_values=default_values, strategies=strategies, types=types, decisions=decisions,
        events=events, rules=dict(model.rules), act=model.act, country_tags=dict(c.tags),
        uses_target=c.uses_target, attitudes=dict(c.attitudes),
    )
