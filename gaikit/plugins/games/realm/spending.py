"""Spending decisions: tiers for increasing and decreasing, decided against the budget.

Every month a country reviews its spending. Each possible change (build a
farm, mine, workshop, barracks or administration in a state, subsidise a
loss-making industry, or the reverse) is an option of the ``spending``
decision, with a tier for increasing and one for decreasing and a
semi-random score that breaks ties within a tier. The budget decides which
tiers may be chosen (the Victoria 3 rules, thresholds are strategy values):

* increasing (surplus = weekly balance incl. construction / income):
  must-have always, even into debt; should-have above ``surplus_small``;
  wants-to-have above ``surplus_modest``; nice-to-have above ``surplus_large``;
* decreasing (surplus without temporary spending): must-not-have is cut at
  any time; nice-to-have when the surplus is below ``surplus_small``;
  wants-to-have in a deficit unless reserves exceed ``reserves_large``;
  should-have only in a deficit while in debt, and only when nothing lower
  is left (the decrease ranks cut the lowest tiers first); must-have never.

Each change updates the spending variables before the next one is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gaikit.plugins.games.realm.economy import (
    BUILD_COST,
    BUILD_WEEKS,
    IRON,
    PRODUCES,
    UPKEEP,
    WAGE,
    WORKERS_PER_LEVEL,
    WORKFORCE_SHARE,
)
from gaikit.plugins.games.realm.features import country_features
from gaikit.plugins.games.realm.forecast import SpendingVariables, forecast
from gaikit.plugins.games.realm.world import ADMIN, BARRACKS, BUILDINGS, INDUSTRY, WORKSHOP, Country, Project
from gaikit.strategies.engine import Option

if TYPE_CHECKING:
    from gaikit.plugins.games.realm.simulation import Realm

SUBSIDY = "subsidy"
#: Weekly upkeep saved by cutting one level of a government building.
GOVERNMENT = (BARRACKS, ADMIN)


def allowed_increase(surplus: float, values: dict[str, float]) -> set[str]:
    """Tiers a country may buy at this surplus (must-have always)."""
    tiers = {"must-have"}
    if surplus > values["surplus_small"]:
        tiers.add("should-have")
    if surplus > values["surplus_modest"]:
        tiers.add("wants-to-have")
    if surplus > values["surplus_large"]:
        tiers.add("nice-to-have")
    return tiers


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


def _features(kind: int, sv: SpendingVariables, realm: "Realm", state: int, border: bool, losses: float = 0.0) -> dict[str, float]:
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


def _free_workers(realm: "Realm", c: Country, state: int) -> float:
    m = realm.map
    queued = sum(1 for p in c.queue if p.state == state and p.kind in INDUSTRY)
    used = (m.levels[state, list(INDUSTRY)].sum() + queued) * WORKERS_PER_LEVEL
    return WORKFORCE_SHARE * m.pop[state] - used


def increase_options(realm: "Realm", c: Country, sv: SpendingVariables) -> list[Option]:
    """What ``c`` could start: the two best states per industry, barracks, administration, subsidies."""
    m, econ = realm.map, realm.economy
    states = [int(s) for s in np.flatnonzero(m.owner == c.index)]
    if not states:
        return []
    border = realm.border_states(c.index)
    options = []
    for kind in INDUSTRY:
        room = [s for s in states if _free_workers(realm, c, s) >= WORKERS_PER_LEVEL]
        room.sort(key=lambda s: (-econ.yields[s, kind] * (m.pop[s] if kind == WORKSHOP else 1.0), s))
        for s in room[:2]:
            options.append(Option(BUILDINGS[kind], f"{BUILDINGS[kind]}@{realm.state_name(s)}", _features(kind, sv, realm, s, s in border)))
    for s in sorted(states, key=lambda s: (s not in border, -m.pop[s], s))[:2]:
        options.append(Option("barracks", f"barracks@{realm.state_name(s)}", _features(BARRACKS, sv, realm, s, s in border)))
    seat = c.capital if m.owner[c.capital] == c.index else states[0]
    options.append(Option("admin", f"admin@{realm.state_name(seat)}", _features(ADMIN, sv, realm, seat, seat in border)))
    for kind in INDUSTRY:
        losing = [s for s in states if m.levels[s, kind] > 0 and econ.profit[s, kind] < 0]
        if losing and kind not in c.subsidised:
            loss = float(sum(-econ.profit[s, kind] * m.levels[s, kind] for s in losing))
            options.append(Option(SUBSIDY, f"subsidy {BUILDINGS[kind]}", _features(kind, sv, realm, losing[0], False, loss)))
    return options


def decrease_options(realm: "Realm", c: Country, sv: SpendingVariables, budget_only: bool) -> list[Option]:
    """What ``c`` could cut; ``budget_only`` keeps only cuts that save money (government, subsidies)."""
    m, econ = realm.map, realm.economy
    states = [int(s) for s in np.flatnonzero(m.owner == c.index)]
    border = realm.border_states(c.index)
    options = []
    for kind in GOVERNMENT:
        have = [s for s in states if m.levels[s, kind] > 0]
        have.sort(key=lambda s: (s in border, -m.levels[s, kind], s))
        for s in have[:1]:
            options.append(Option(BUILDINGS[kind], f"{BUILDINGS[kind]}@{realm.state_name(s)}", _features(kind, sv, realm, s, s in border)))
    for kind in sorted(c.subsidised):
        losing = [s for s in states if m.levels[s, kind] > 0 and econ.profit[s, kind] < 0]
        loss = float(sum(-econ.profit[s, kind] * m.levels[s, kind] for s in losing))
        options.append(Option(SUBSIDY, f"subsidy {BUILDINGS[kind]}", _features(kind, sv, realm, states[0] if states else 0, False, loss)))
    if not budget_only:
        for kind in INDUSTRY:
            have = [s for s in states if m.levels[s, kind] > 0]
            have.sort(key=lambda s: (econ.profit[s, kind], s))
            for s in have[:1]:
                feats = _features(kind, sv, realm, s, s in border)
                feats["profit"] = float(econ.profit[s, kind]) / WAGE
                options.append(Option(BUILDINGS[kind], f"{BUILDINGS[kind]}@{realm.state_name(s)}", feats))
    return options


def _state_of(option: Option) -> str:
    return option.label.split("@", 1)[1] if "@" in option.label else ""


def apply_increase(realm: "Realm", c: Country, option: Option) -> float:
    """Start the chosen change; returns the weekly cost it adds (construction, upkeep or subsidy)."""
    if option.kind == SUBSIDY:
        kind = BUILDINGS.index(option.label.split(" ", 1)[1])
        c.subsidised.add(kind)
        return float(option.features.get("losses", 0.0))
    kind = BUILDINGS.index(option.kind)
    state = realm.state_index(_state_of(option))
    cost = float(BUILD_COST[kind]) / BUILD_WEEKS
    c.queue.append(Project(kind, state, BUILD_WEEKS, cost))
    return cost + float(UPKEEP[kind])


def apply_decrease(realm: "Realm", c: Country, option: Option) -> float:
    """Carry out the chosen cut; returns the weekly spending it saves."""
    if option.kind == SUBSIDY:
        kind = BUILDINGS.index(option.label.split(" ", 1)[1])
        c.subsidised.discard(kind)
        return float(option.features.get("losses", 0.0))
    kind = BUILDINGS.index(option.kind)
    state = realm.state_index(_state_of(option))
    realm.map.levels[state, kind] -= 1
    return float(UPKEEP[kind]) + (2.0 if kind == BARRACKS else 0.0)


def review_spending(realm: "Realm", c: Country) -> list[dict[str, Any]]:
    """One monthly review: cuts first (as the budget demands), then purchases; returns the changes made."""
    engine = c.engine
    changes: list[dict[str, Any]] = []
    planned = 0.0
    saved = 0.0
    sv = forecast(realm.economy, c, enabled=realm.forecast_enabled)
    ctx = engine.context(country_features(realm, c, sv))
    values = ctx.values
    budget = max(int(values["spending_changes"]), 0)
    income = max(float(realm.economy.income[c.index]), 1e-6)
    for budget_only in (False, True):
        for _ in range(budget):
            recurring = (realm.economy.recurring_balance(c.index) + saved) / income
            reserves = c.treasury / (income * 52)
            allowed = allowed_decrease(recurring, reserves, c.treasury < 0, values) if budget_only else {"must-not-have"}
            options = decrease_options(realm, c, sv, budget_only)
            if not options:
                break
            d = engine.decide("spending", ctx, options, direction="decrease", allowed_tiers=allowed)
            realm.record(c, "spending", d)
            if d.winner is None:
                break
            saved += apply_decrease(realm, c, d.winner)
            changes.append({"direction": "decrease", "option": d.winner.label, "tier": d.tiers[d.index][0]})
            sv = forecast(realm.economy, c, enabled=realm.forecast_enabled)
            ctx = engine.context(country_features(realm, c, sv, planned - saved))
    for _ in range(budget):
        feats = country_features(realm, c, sv, planned - saved)
        if feats["queue_free"] < 1:
            break
        ctx = engine.context(feats)
        allowed = allowed_increase(feats["surplus"], ctx.values)
        options = increase_options(realm, c, sv)
        d = engine.decide("spending", ctx, options, direction="increase", allowed_tiers=allowed)
        realm.record(c, "spending", d)
        if d.winner is None:
            break
        planned += apply_increase(realm, c, d.winner)
        changes.append({"direction": "increase", "option": d.winner.label, "tier": d.tiers[d.index][0]})
        sv = forecast(realm.economy, c, enabled=realm.forecast_enabled)
    return changes


def advance_construction(realm: "Realm", c: Country) -> list[Project]:
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
