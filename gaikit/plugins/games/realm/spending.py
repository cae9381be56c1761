"""Spending decisions: tiers for increasing and decreasing, decided against the budget.

Every month a country reviews its spending. Each possible change (build a
farm, mine, workshop, barracks or administration in a state, subsidise a
loss-making industry, or the reverse) is an option of the ``spending``
decision, with a tier for increasing and one for decreasing and a
semi-random score that breaks ties within a tier. The budget decides which
tiers may be chosen (the Victoria 3 rules; thresholds are strategy values):

* increasing: an option is affordable at its tier when the surplus left
  after paying for it (weekly balance incl. construction, plus a 52nd of
  the reserves, minus the option's weekly cost, over income) stays above
  the tier's threshold: should-have ``surplus_small``, wants-to-have
  ``surplus_modest``, nice-to-have ``surplus_large``; must-have always, even
  into debt. Higher priority always wins: when an option of a higher tier
  is within the budget's tiers but waits only on its own cost, nothing of a
  lower tier is bought -- the country saves for it (:func:`increase_admission`);
* decreasing (surplus without temporary spending): must-not-have is cut at
  any time; nice-to-have when the surplus is below ``surplus_small``;
  wants-to-have in a deficit unless reserves exceed ``reserves_large``;
  should-have only in a deficit while in debt, and only when nothing lower
  is left (the decrease ranks cut the lowest tiers first); must-have never.

Downsizing an industry saves the budget nothing (industries are private),
so it happens only when the industry is a must-not-have. Each change
updates the spending variables before the next one is chosen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from gaikit.core.scoring import tier_rank
from gaikit.plugins.games.realm.economy import (
    ARMY_UPKEEP, BUILD_COST, BUILD_WEEKS, IRON, PRODUCES, UPKEEP, WAGE, WORKERS_PER_LEVEL, WORKFORCE_SHARE,
)
from gaikit.plugins.games.realm.features import construction_slots, spending_features
from gaikit.plugins.games.realm.forecast import SpendingVariables, forecast
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import ADMIN, BARRACKS, BUILDINGS, INDUSTRY, WORKSHOP, Country, Project
from gaikit.strategies.engine import Context, Decision, Option

SUBSIDY = "subsidy"
#: The strategy value a tier's surplus must exceed before the tier is bought.
THRESHOLDS = {"should-have": "surplus_small", "wants-to-have": "surplus_modest", "nice-to-have": "surplus_large"}
#: Reserves count as this many weeks of extra money when buying (construction is paid from savings too).
RESERVE_WEEKS = 52
#: After a decision that found nothing to buy or cut, the country waits this long (except sweeps and wars).
IDLE_WEEKS = 12
GOVERNMENT = (BARRACKS, ADMIN)


def affordable(tier: str, surplus: float, values: dict[str, float]) -> bool:
    """Whether an option of ``tier`` may be bought when ``surplus`` is left after paying for it."""
    if tier == "must-have":
        return True
    threshold = THRESHOLDS.get(tier)
    return threshold is not None and surplus > values[threshold]


def allowed_increase(surplus: float, values: dict[str, float]) -> set[str]:
    """Tiers a country may buy when ``surplus`` is left after paying (must-have always)."""
    return {tier for tier in ("must-have", *THRESHOLDS) if affordable(tier, surplus, values)}


def increase_admission(
    tiers: Sequence[str], left: Sequence[float], surplus: float, values: dict[str, float]
) -> tuple[list[bool], int | None]:
    """Which options may be bought, and the option the country saves for (``None``: not saving).

    ``tiers`` are the options' resolved tiers, ``left`` the surplus left after
    each one's own cost, ``surplus`` the surplus before any cost. The tiers
    the budget reaches before costs (:func:`allowed_increase`) are *waiting*;
    only the highest waiting tier may be bought, and only its options that
    stay affordable after their own cost. When none does, the first option of
    that tier is saved for and nothing is bought.
    """
    reach = allowed_increase(surplus, values)
    waiting = [i for i, t in enumerate(tiers) if t in reach]
    if not waiting:
        return [False] * len(tiers), None
    best = max(tier_rank(tiers[i], "increase") for i in waiting)
    keep = [i in waiting and tier_rank(tiers[i], "increase") == best and affordable(tiers[i], left[i], values)
            for i in range(len(tiers))]
    if any(keep):
        return keep, None
    return keep, next(i for i in waiting if tier_rank(tiers[i], "increase") == best)


def allowed_decrease(surplus: float, reserves: float, in_debt: bool, values: dict[str, float]) -> set[str]:
    """Tiers a country cuts at this recurring surplus (must-not-have always, must-have never)."""
    tiers = {"must-not-have"}
    if surplus < values["surplus_small"]:
        tiers.add("nice-to-have")
    if surplus < 0 and reserves < values["reserves_large"]:
        tiers.add("wants-to-have")
    if surplus < 0 and in_debt:
        tiers.add("should-have")
    return tiers


def option_features(realm: WorldState, sv: SpendingVariables, kind: int, state: int, border: bool, losses: float = 0.0) -> dict[str, float]:
    """The ``spending`` option features of building ``kind`` in ``state``."""
    econ = realm.economy
    good = PRODUCES.get(kind)
    return {
        "profit": sv.profit(econ, state, kind) if kind in INDUSTRY else 0.0,
        "shortage": float(sv.shortage[good]) if good is not None else 0.0,
        "input_shortage": float(sv.shortage[IRON]) if kind == WORKSHOP else 0.0,
        "yield": float(econ.yields[state, kind]),
        "levels": float(realm.map.levels[state, kind]),
        "border": float(border),
        "losses": losses,
    }


def free_workers(realm: WorldState, c: Country) -> np.ndarray:
    """Workers (millions) still free in every state, counting queued industry."""
    m = realm.map
    used = m.levels[:, :3].sum(axis=1).astype(np.float64)
    for p in c.queue:
        if p.kind in INDUSTRY:
            used[p.state] += 1
    return WORKFORCE_SHARE * m.pop - used * WORKERS_PER_LEVEL


def _losses(realm: WorldState, states: list[int], kind: int) -> float:
    m, econ = realm.map, realm.economy
    return float(sum(-econ.profit[s, kind] * m.levels[s, kind] for s in states if m.levels[s, kind] > 0 and econ.profit[s, kind] < 0))


def _option(realm: WorldState, sv: SpendingVariables, kind: int, s: int, border: list[int]) -> Option:
    return Option(BUILDINGS[kind], f"{BUILDINGS[kind]}@{realm.state_name(s)}", option_features(realm, sv, kind, s, s in border))


def increase_options(realm: WorldState, c: Country, sv: SpendingVariables) -> list[Option]:
    """What ``c`` could start: each industry in its best state, barracks in two states, administration, subsidies."""
    m, econ = realm.map, realm.economy
    states = [int(s) for s in np.flatnonzero(m.owner == c.index)]
    if not states:
        return []
    border = realm.border_states(c.index)
    free = free_workers(realm, c)
    room = [s for s in states if free[s] >= WORKERS_PER_LEVEL]
    options: list[Option] = []
    for kind in INDUSTRY:
        best = sorted(room, key=lambda s: (-econ.yields[s, kind] * (m.pop[s] if kind == WORKSHOP else 1.0), s))
        options.extend(_option(realm, sv, kind, s, border) for s in best[:1])
    for s in sorted(states, key=lambda s: (s not in border, -m.pop[s], s))[:2]:
        options.append(_option(realm, sv, BARRACKS, s, border))
    seat = c.capital if m.owner[c.capital] == c.index else states[0]
    options.append(_option(realm, sv, ADMIN, seat, border))
    for kind in INDUSTRY:
        loss = _losses(realm, states, kind)
        if loss > 0 and kind not in c.subsidised:
            options.append(Option(SUBSIDY, f"subsidy {BUILDINGS[kind]}", option_features(realm, sv, kind, states[0], False, loss)))
    return options


def decrease_options(realm: WorldState, c: Country, sv: SpendingVariables) -> list[Option]:
    """What ``c`` could cut: a barracks and an administration level, subsidies, its worst industries."""
    m, econ = realm.map, realm.economy
    states = [int(s) for s in np.flatnonzero(m.owner == c.index)]
    border = realm.border_states(c.index)
    options: list[Option] = []
    for kind in GOVERNMENT:
        have = sorted((s for s in states if m.levels[s, kind] > 0), key=lambda s: (s in border, -m.levels[s, kind], s))
        options.extend(_option(realm, sv, kind, s, border) for s in have[:1])
    for kind in sorted(c.subsidised):
        options.append(Option(SUBSIDY, f"subsidy {BUILDINGS[kind]}", option_features(realm, sv, kind, states[0], False, _losses(realm, states, kind))))
    for kind in INDUSTRY:
        have = sorted((s for s in states if m.levels[s, kind] > 0), key=lambda s: (econ.profit[s, kind], s))
        for s in have[:1]:
            option = _option(realm, sv, kind, s, border)
            profit = float(econ.profit[s, kind]) / WAGE  # profit now, not of one more level
            options.append(replace(option, features={**option.features, "profit": profit}))
    return options


def weekly_cost(option: Option) -> float:
    """What buying ``option`` adds to weekly spending: construction plus upkeep, or the subsidy."""
    if option.kind == SUBSIDY:
        return float(option.features["losses"])
    kind = BUILDINGS.index(option.kind)
    return float(BUILD_COST[kind]) / BUILD_WEEKS + float(UPKEEP[kind])


def funds(realm: WorldState, c: Country) -> float:
    """Weekly money for buying: this week's balance plus a ``RESERVE_WEEKS`` share of the reserves."""
    return float(realm.economy.balance[c.index]) + max(c.treasury, 0.0) / RESERVE_WEEKS


def _state_of(option: Option) -> str:
    return option.label.split("@", 1)[1]


def apply_increase(realm: WorldState, c: Country, option: Option) -> float:
    """Start the chosen change; returns the weekly cost it adds (construction and upkeep, or the subsidy)."""
    if option.kind == SUBSIDY:
        c.subsidised.add(BUILDINGS.index(option.label.split(" ", 1)[1]))
        return float(option.features["losses"])
    kind = BUILDINGS.index(option.kind)
    cost = float(BUILD_COST[kind]) / BUILD_WEEKS
    c.queue.append(Project(kind, realm.state_index(_state_of(option)), BUILD_WEEKS, cost))
    return cost + float(UPKEEP[kind])


def apply_decrease(realm: WorldState, c: Country, option: Option) -> float:
    """Carry out the chosen cut; returns the weekly spending it saves."""
    if option.kind == SUBSIDY:
        c.subsidised.discard(BUILDINGS.index(option.label.split(" ", 1)[1]))
        return float(option.features["losses"])
    kind = BUILDINGS.index(option.kind)
    realm.map.levels[realm.state_index(_state_of(option)), kind] -= 1
    return float(UPKEEP[kind]) + (ARMY_UPKEEP if kind == BARRACKS else 0.0)


def _decide_cut(realm: WorldState, c: Country, ctx: Context, options: list[Option], allowed: set[str], surplus: float) -> Decision:
    d = c.engine.decide("spending", ctx, options, direction="decrease", allowed_tiers=allowed)
    if d.winner is not None and d.winner.kind in (b for b in BUILDINGS[:3]) and d.tiers[d.index][0] != "must-not-have":
        # cutting an industry saves the budget nothing: only must-not-have industries go
        mask = [o.kind not in BUILDINGS[:3] for o in options]
        d = c.engine.decide("spending", ctx, options, direction="decrease", allowed_tiers=allowed, mask=mask)
    realm.record(c, "spending", d, budget="decrease", surplus=surplus, cuts=sorted(allowed))
    return d


def review_spending(realm: WorldState, c: Country, sweep: bool = True) -> list[dict[str, Any]]:
    """One review: cuts (what the budget demands), then purchases; returns the changes made.

    Cheap months are skipped: must-not-have cuts are swept only when
    ``sweep`` is true (the simulation sweeps quarterly); when the budget
    allows only must-haves, purchases are checked with the sweep or at war;
    after a decision that found nothing the country waits ``IDLE_WEEKS``.
    Values are this week's; the budget and spending-variable features are
    recomputed after every change.
    """
    econ = realm.economy
    income = max(float(econ.income[c.index]), 1e-6)
    last = realm.last_values(c)
    free = features_queue_free(realm, c)
    tight = funds(realm, c) / income <= last["surplus_small"]
    cuts = econ.recurring_balance(c.index) / income < last["surplus_small"]
    if not sweep and ((not cuts and (free < 1 or (tight and not c.at_war))) or (realm.week < c.idle_until and not c.at_war)):
        return []  # nothing the budget needs cut or allows to buy, or nothing found worth it lately
    ctx = realm.context(c)
    values = ctx.values
    budget = max(int(values["spending_changes"]), 0)
    sv = forecast(econ, c, enabled=realm.forecast_enabled)
    feats = dict(ctx.features)
    changes: list[dict[str, Any]] = []
    net = 0.0  # weekly spending added by this review (negative: saved)
    idle = False  # a decision found nothing: wait before looking again
    for direction in ("decrease", "increase"):
        for _ in range(budget):
            if direction == "decrease":
                recurring = (econ.recurring_balance(c.index) - net) / income
                allowed = allowed_decrease(recurring, c.treasury / (income * 52), c.treasury < 0, values)
                if allowed == {"must-not-have"} and not sweep:
                    break
                options = decrease_options(realm, c, sv)
            else:
                money = funds(realm, c) - net
                allowed = allowed_increase(money / income, values)
                if feats["queue_free"] < 1 or (allowed == {"must-have"} and not (sweep or c.at_war)):
                    break
                options = increase_options(realm, c, sv)
                left = [(money - weekly_cost(o)) / income for o in options]
            if not options:
                break
            now = Context(feats, values, {**ctx.env, **feats})
            if direction == "decrease":
                d = _decide_cut(realm, c, now, options, allowed, recurring)
            else:
                saving: list[int | None] = [None]

                def screen(tiers: list[str]) -> list[bool]:
                    keep, saving[0] = increase_admission(tiers, left, money / income, values)
                    return keep

                d = c.engine.decide("spending", now, options, direction="increase", screen=screen)
                note: dict[str, Any] = {}
                if saving[0] is not None:
                    note["saving_for"] = options[saving[0]].label
                realm.record(c, "spending", d, budget="increase", surplus=money / income,
                             thresholds={t: values[v] for t, v in THRESHOLDS.items()},
                             left={o.label: round(x, 4) for o, x in zip(options, left)}, **note)
            if d.winner is None:
                idle = True
                break
            net += apply_increase(realm, c, d.winner) if direction == "increase" else -apply_decrease(realm, c, d.winner)
            changes.append({"direction": direction, "option": d.winner.label, "tier": d.tiers[d.index][0]})
            sv = forecast(econ, c, enabled=realm.forecast_enabled)
            feats.update(spending_features(realm, c, sv, net))
    if idle:
        c.idle_until = realm.week + IDLE_WEEKS
    return changes


def features_queue_free(realm: WorldState, c: Country) -> int:
    """Free construction slots now."""
    return construction_slots(float(realm.economy.gdp[c.index])) - len(c.queue)


def advance_construction(realm: WorldState, c: Country) -> list[Project]:
    """One week of construction: finished projects become building levels; returns them."""
    done = []
    for p in c.queue:
        p.weeks_left -= 1
    for p in [p for p in c.queue if p.weeks_left <= 0]:
        c.queue.remove(p)
        if realm.map.owner[p.state] == c.index:
            realm.map.levels[p.state, p.kind] += 1
            done.append(p)
    return done
