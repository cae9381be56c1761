"""The strategy engine: one per agent (an Asterix player, a realm country).

It holds the hidden ``default`` strategy plus one active strategy per
strategy type, rolled semi-randomly from the strategies' weights. Events add
change points to the active strategies; at the threshold a type is re-rolled
(the roll may pick the same strategy again) and its counter starts from 0.

A decision scores each offered option::

    X = score (default's weight, then each active strategy's override/add/multiply)
        x product of the considerations (with Dave Mark's compensation)
        x (1 + momentum) if the option was this decision's last choice

ranks options by tier, and picks with :func:`gaikit.core.scoring.choose`.
An option's tier for a direction is its own ``tier`` (increasing) or
``tier_decrease`` (decreasing) with each active strategy's change for that
direction layered on: the strategy's value replaces the option's, its
modifiers run after the option's (the last that holds wins). A strategy's
``tier`` never touches the decrease tier, and a must-have that the option's
own tier gives is never lowered by a strategy. Values (the default's, changed by the
active strategies, times the game-rule multipliers) are readable by name in
every weight, trigger and consideration, and by game code via :meth:`values`;
every context also carries the flags ``has_strategy:ID`` and
``has_game_rule:RULE:PRESET`` that the triggers ``has_strategy = ID`` and
``has_game_rule = RULE:PRESET`` read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from gaikit.core.errors import ConfigError
from gaikit.core.scoring import Choice, choose, tier_rank
from gaikit.strategies.compiled import CompiledOption, CompiledTier, StrategySet
from gaikit.strategies.considerations import compensate
from gaikit.strategies.defines import BUILTIN_EVENTS
from gaikit.strategies.rules import resolve_rules
from gaikit.strategies.triggers import flag_key
from gaikit.strategies.weights import CompiledMerge


@dataclass(frozen=True)
class Option:
    """An option offered to a decision: a declared option ``kind``, a unique ``key`` and its own features."""

    kind: str
    key: str | None = None
    features: Mapping[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``key`` or, when not given, ``kind``."""
        return self.key if self.key is not None else self.kind


@dataclass
class Context:
    """Features and resolved values at one moment; ``env`` is what names are read from."""

    features: dict[str, float]
    values: dict[str, float]
    env: dict[str, float]


@dataclass
class Decision:
    """A decision taken, with everything needed to explain it."""

    name: str
    direction: str
    options: list[Option]
    specs: list[CompiledOption]
    envs: list[Mapping[str, float]]
    tiers: list[tuple[str, str]]
    base: np.ndarray
    choice: Choice
    momentum_for: str | None
    active: dict[str, dict[str, Any]]
    mods: list[list[tuple[str, Any]]]
    values: dict[str, float]
    explore: bool

    @property
    def index(self) -> int:
        """Index of the winning option in ``options`` (-1: nothing eligible)."""
        return int(self.choice.winners[0])

    @property
    def winner(self) -> Option | None:
        """The winning option, or ``None`` when no option was eligible."""
        return self.options[self.index] if self.index >= 0 else None

    @property
    def action(self) -> Any:
        """The winning option's declared ``action`` (``None`` when nothing won)."""
        return self.specs[self.index].action if self.index >= 0 else None


class StrategyEngine:
    """Active strategies, change points and semi-random decisions for one agent."""

    def __init__(
        self,
        strategies: StrategySet,
        *,
        rules: Mapping[str, str] | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        tag: str | None = None,
    ) -> None:
        self.strategies = strategies
        #: The agent's country tag (``country = TAG`` reads it); ``None`` for agents without one.
        self.tag = tag
        #: Per-agent changes to default values (e.g. from a realm history file), applied before the strategies'.
        self.overrides: dict[str, CompiledMerge] = {}
        self.rules = dict(rules or {})
        self.multipliers = resolve_rules(strategies.rules, self.rules)
        self._rule_flags = {
            flag_key("has_game_rule", name, self.rules.get(name, rule.default)): 1.0 for name, rule in strategies.rules.items()
        }
        self._tiers: dict[tuple[Any, ...], tuple[CompiledTier, CompiledTier | None]] = {}
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.active: dict[str, str] = {}
        self.points: dict[str, float] = {}
        self.last_choice: dict[str, str] = {}
        self.history: list[dict[str, Any]] = []
        self._event_state: dict[str, bool] = {}
        self.clock: Any = 0
        #: Strategy changes ever made (``history`` keeps the last 1000).
        self.changes = 0

    # -- values ---------------------------------------------------------------
    def values(self, features: Mapping[str, float]) -> dict[str, float]:
        """Every strategy value: default, the agent's own overrides, then active strategies, then game-rule multipliers."""
        out: dict[str, float] = {}
        env = {**features, **self.flags()}
        try:
            for name, weight in self.strategies.default_values.items():
                v = weight.evaluate(env)
                own = self.overrides.get(name)
                if own is not None:
                    v = own.apply(v, env)
                for type_name in self.strategies.types:
                    sid = self.active.get(type_name)
                    merge = self.strategies.strategies[sid].values.get(name) if sid else None
                    if merge is not None:
                        v = merge.apply(v, env)
                out[name] = v * self.multipliers.get(name, 1.0)
        except KeyError as exc:
            raise _missing(exc) from None
        return out

    def flags(self) -> dict[str, float]:
        """``{has_strategy:ID: 1}`` per active strategy, ``{has_game_rule:RULE:PRESET: 1}`` per rule, ``{country:TAG: 1}``."""
        out = dict(self._rule_flags)
        if self.tag is not None:
            out[flag_key("country", self.tag)] = 1.0
        for sid in self.active.values():
            out[flag_key("has_strategy", sid)] = 1.0
        return out

    def context(self, features: Mapping[str, float]) -> Context:
        """Resolve values for ``features``; rolls strategy types that have none active yet."""
        feats = dict(features)
        if len(self.active) < len(self.strategies.types):
            self._start(feats)
        values = self.values(feats)
        return Context(feats, values, {**feats, **values, **self.flags()})

    # -- strategies and change points ----------------------------------------
    def _start(self, features: dict[str, float]) -> None:
        values = self.values(features)
        env = {**features, **values, **self.flags()}
        for name, tp in self.strategies.types.items():
            if name not in self.active:
                if tp.initial is not None:
                    self._set_active(name, tp.initial, "initial", None)
                else:
                    self.roll(name, env, cause="start")

    def set_strategy(self, type_name: str, sid: str, cause: str = "history") -> None:
        """Make ``sid`` the active strategy of ``type_name`` now (e.g. a starting strategy from a history file)."""
        tp = self.strategies.types.get(type_name)
        if tp is None:
            raise ConfigError(f"unknown strategy type {type_name!r}; types: {', '.join(self.strategies.types)}")
        if sid not in tp.strategies:
            raise ConfigError(f"{sid!r} is not a strategy of type {type_name!r}; those are {', '.join(tp.strategies)}")
        self._set_active(type_name, sid, cause, None)

    def roll(self, type_name: str, env: Mapping[str, float], cause: str = "roll") -> str:
        """Roll ``type_name``'s active strategy semi-randomly from the weights; returns its id.

        Only strategies whose ``possible`` holds take part. When none does,
        the active strategy stays (at the start, when none is active yet, the
        roll takes every strategy of the type).
        """
        tp = self.strategies.types[type_name]
        members = [self.strategies.strategies[s] for s in tp.strategies]
        try:
            weights = np.array([st.weight.evaluate(env) for st in members])
            possible = [st.possible_check is None or bool(st.possible_check(env)) for st in members]
        except KeyError as exc:
            raise _missing(exc) from None
        current = self.active.get(type_name)
        if not any(possible) and current is not None:
            # nothing may be picked: the active strategy stays (its counter restarts)
            self._set_active(type_name, current, f"{cause} (no strategy possible)", {"possible": dict(zip(tp.strategies, possible))})
            return current
        mask = np.array([possible]) if any(possible) and not all(possible) else None
        choice = choose(weights[None, :], tp.randomness, self.rng, distribution=tp.distribution, mask=mask)
        sid = tp.strategies[int(choice.winners[0])]
        roll = {
            "weights": {s: float(w) for s, w in zip(tp.strategies, weights)},
            "draws": {s: _num(d) for s, d in zip(tp.strategies, choice.draws[0])},
            "why": {s: self.strategies.strategies[s].weight.explain(env)["steps"] for s in tp.strategies},
            "randomness": float(tp.randomness),
            "distribution": tp.distribution,
        }
        if mask is not None:
            roll["possible"] = dict(zip(tp.strategies, possible))
        self._set_active(type_name, sid, cause, roll)
        return sid

    def _set_active(self, type_name: str, sid: str, cause: str, roll: dict[str, Any] | None) -> None:
        previous = self.active.get(type_name)
        self.active[type_name] = sid
        self.points[type_name] = 0.0
        entry = {"time": self.clock, "type": type_name, "from": previous, "to": sid, "cause": cause}
        if roll is not None:
            entry["roll"] = roll
        self.history.append(entry)
        self.changes += 1
        if len(self.history) > 1000:
            del self.history[: len(self.history) - 1000]

    def add_change_points(self, type_name: str, points: float, env: Mapping[str, float], cause: str) -> str | None:
        """Add points to a type's counter; at its threshold re-roll. Returns the new id if rolled."""
        tp = self.strategies.types[type_name]
        self.points[type_name] = self.points.get(type_name, 0.0) + points
        if self.points[type_name] >= tp.threshold:
            return self.roll(type_name, env, cause=cause)
        return None

    def event(self, name: str, context: Context, scale: float = 1.0) -> dict[str, str]:
        """Fire event ``name``: each active strategy gains its declared points (x ``scale``).

        The active strategy's own ``change_points`` take precedence over its
        type's. Returns ``{type: new strategy}`` for the types re-rolled.
        """
        if name not in self.strategies.events and name not in BUILTIN_EVENTS:
            known = ", ".join(sorted(set(self.strategies.events) | set(BUILTIN_EVENTS)))
            raise ConfigError(f"unknown event {name!r}; declared and built-in events: {known}")
        if len(self.active) < len(self.strategies.types):
            self._start(context.features)
        rolled = {}
        for type_name, tp in self.strategies.types.items():
            strategy = self.strategies.strategies[self.active[type_name]]
            points = strategy.change_points.get(name, tp.change_points.get(name, 0.0))
            if points > 0:
                new = self.add_change_points(type_name, points * scale, context.env, cause=f"event {name}")
                if new is not None:
                    rolled[type_name] = new
        return rolled

    def watch(self, context: Context) -> list[str]:
        """Fire every trigger event whose trigger became true since the last call; returns their names."""
        fired = []
        for name, ev in self.strategies.events.items():
            if ev.check is None:
                continue
            try:
                now = bool(ev.check(context.env))
            except KeyError as exc:
                raise _missing(exc) from None
            if now and not self._event_state.get(name, False):
                fired.append(name)
            self._event_state[name] = now
        for name in fired:
            self.event(name, context)
        return fired

    def active_summary(self) -> dict[str, dict[str, Any]]:
        """``{type: {strategy, change_points, threshold}}`` for explanations."""
        return {
            t: {"strategy": self.active.get(t), "change_points": self.points.get(t, 0.0), "threshold": tp.threshold}
            for t, tp in self.strategies.types.items()
        }

    # -- decisions ------------------------------------------------------------
    def decide(
        self,
        decision: str,
        context: Context,
        options: Sequence[Option] | None = None,
        *,
        direction: str = "increase",
        explore: bool = True,
        allowed_tiers: Iterable[str] | None = None,
        mask: Sequence[bool] | None = None,
        admit: Callable[[int, str], bool] | None = None,
        screen: Callable[[list[str]], Sequence[bool]] | None = None,
    ) -> Decision:
        """Score the options of ``decision`` and pick one (tiers first, then the semi-random draw).

        ``options`` default to the decision's declared options. ``explore=False``
        draws with R = 0 (the highest score of the best tier wins).
        ``allowed_tiers`` and ``mask`` exclude options (e.g. a budget that only
        allows must-haves). ``admit(index, tier)`` is asked once per option
        with its resolved tier; ``False`` excludes it (e.g. a budget where
        each tier must stay affordable after the option's own cost).
        ``screen(tiers)`` sees every option's resolved tier at once and
        returns which to keep (e.g. a budget that saves for a dearer option
        of a higher tier instead of buying a lower one).
        """
        spec = self.strategies.decisions.get(decision)
        if spec is None:
            raise ConfigError(f"unknown decision {decision!r}; decisions: {', '.join(self.strategies.decisions) or '(none)'}")
        if options is None:
            options = [Option(oid) for oid in spec.options]
        active = [self.strategies.strategies[self.active[t]] for t in self.strategies.types if t in self.active]
        momentum_for = self.last_choice.get(decision) if spec.momentum > 0 else None
        envs: list[Mapping[str, float]] = []
        specs, tiers, base, mods_used = [], [], [], []
        try:
            for opt in options:
                o = spec.options.get(opt.kind)
                if o is None:
                    raise ConfigError(f"decision {decision!r}: unknown option {opt.kind!r}; declared: {', '.join(spec.options)}")
                env = {**context.env, **opt.features} if opt.features else context.env
                own, layered = self._tier_specs(decision, o, active, direction)
                x = o.score.evaluate(env)
                considerations = list(o.considerations)
                used = []
                for st in active:
                    mod = st.option_mods.get((decision, opt.kind))
                    if mod is None:
                        continue
                    used.append((st.id, mod))
                    if mod.score is not None:
                        x = mod.score.apply(x, env)
                    considerations.extend(mod.considerations)
                product, _ = compensate((c.utility(env) for c in considerations), self.strategies.defines.compensation)
                x *= product
                if momentum_for is not None and opt.label == momentum_for:
                    x *= 1.0 + spec.momentum
                specs.append(o)
                envs.append(env)
                tiers.append(_resolve_tier(own, layered, env))
                base.append(x)
                mods_used.append(used)
        except KeyError as exc:
            raise _missing(exc, decision) from None
        ranks = np.array([[tier_rank(t, direction) for t, _ in tiers]], dtype=np.int64)
        keep = np.ones((1, len(options)), dtype=bool)
        if allowed_tiers is not None:
            allowed = set(allowed_tiers)
            keep &= np.array([[t in allowed for t, _ in tiers]])
        if mask is not None:
            keep &= np.asarray(mask, dtype=bool).reshape(1, -1)
        if admit is not None:
            keep &= np.array([[bool(admit(i, t)) for i, (t, _) in enumerate(tiers)]], dtype=bool)
        if screen is not None:
            keep &= np.asarray(screen([t for t, _ in tiers]), dtype=bool).reshape(1, -1)
        r = spec.randomness if explore else 0.0
        base_arr = np.array(base, dtype=np.float64).reshape(1, -1)
        choice = choose(base_arr, r, self.rng, distribution=spec.distribution, ranks=ranks, mask=keep)
        result = Decision(
            decision, direction, list(options), specs, envs, tiers, base_arr[0], choice, momentum_for,
            self.active_summary(), mods_used, dict(context.values), explore,
        )
        if result.winner is not None:
            self.last_choice[decision] = result.winner.label
        return result

    def _tier_specs(
        self, decision: str, option: CompiledOption, active: Sequence[Any], direction: str
    ) -> tuple[CompiledTier, CompiledTier | None]:
        """The option's own tier spec for ``direction`` and, when strategies change it, the layered spec."""
        key = (decision, option.id, direction, tuple(st.id for st in active))
        cached = self._tiers.get(key)
        if cached is not None:
            return cached
        own = option.tier_for(direction)
        value, modifiers, changed = own.value, list(own.modifiers), False
        for st in active:
            mod = st.option_mods.get((decision, option.id))
            change = None if mod is None else (mod.tier_decrease if direction == "decrease" else mod.tier)
            if change is not None:
                value, changed = change.value, True
                modifiers.extend(change.modifiers)
        result = (own, CompiledTier(value, tuple(modifiers)) if changed else None)
        self._tiers[key] = result
        return result

    # -- persistence ----------------------------------------------------------
    def reset(self) -> None:
        """Forget active strategies, counters and memory (a new game); the RNG continues."""
        self.active.clear()
        self.points.clear()
        self.last_choice.clear()
        self._event_state.clear()

    def state_dict(self) -> dict[str, Any]:
        """Active strategies, counters, last choices, event states and the RNG state."""
        return {
            "active": dict(self.active),
            "points": dict(self.points),
            "last_choice": dict(self.last_choice),
            "event_state": dict(self._event_state),
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.active = dict(state["active"])
        self.points = {k: float(v) for k, v in state["points"].items()}
        self.last_choice = dict(state["last_choice"])
        self._event_state = dict(state["event_state"])
        self.rng.bit_generator.state = state["rng"]


def _resolve_tier(own: CompiledTier, layered: CompiledTier | None, env: Mapping[str, float]) -> tuple[str, str]:
    """``(tier, why)``: the layered spec's, unless the option's own spec makes it a must-have."""
    if layered is None:
        return own.resolve(env)
    tier, why = own.resolve(env)
    changed = layered.resolve(env)
    if tier == "must-have" and changed[0] != "must-have":
        return tier, f"{why} (the option's own must-have: strategies cannot lower it)".lstrip()
    return changed


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _missing(exc: KeyError, decision: str | None = None) -> ConfigError:
    where = f" (decision {decision!r})" if decision else ""
    return ConfigError(
        f"feature {exc.args[0]!r} has no value{where}: the game (or the option) did not supply it; "
        "check the game's feature_names() and the decision's option_features"
    )
