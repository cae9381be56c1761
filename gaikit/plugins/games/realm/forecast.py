"""Spending variables: a country's forecast of its market once queued construction is finished.

The Victoria 3 AI tracks the buy and sell orders that buildings in its
construction queue will create. Realm does the same for its three goods:
each queued farm, mine or workshop adds its output (and a workshop its iron
input) to the forecast, and forecast prices, shortages and profits are
computed from that. So a country short of tools that has queued one
workshop sees the shortage as solved and does not queue a second and third.
Queued barracks and administration count toward the forecast army and
bureaucracy the same way. With ``enabled=False`` the forecast is the
current market (what the AI would see without spending variables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gaikit.plugins.games.realm.economy import (
    ADMIN_CAPACITY,
    BUREAUCRACY_PER_POP,
    BUREAUCRACY_PER_STATE,
    INPUT,
    IRON,
    OUTPUT,
    PRODUCES,
    WAGE,
    Economy,
    army_capacity,
    price_of,
    shortage_of,
)
from gaikit.plugins.games.realm.world import ADMIN, BARRACKS, INDUSTRY, WORKSHOP, Country, Project


@dataclass
class SpendingVariables:
    """Forecast supply, demand, prices and shortages (goods axis), army capacity and bureaucracy."""

    supply: np.ndarray
    demand: np.ndarray
    price: np.ndarray
    shortage: np.ndarray
    army_capacity: float
    bureaucracy: float
    queued: int
    _margins: np.ndarray | None = field(default=None, repr=False)

    def profit(self, economy: Economy, state: int, kind: int) -> float:
        """Forecast weekly profit of one more level of industry ``kind`` in ``state``, as a share of wages."""
        if self._margins is None:
            out = economy.yields[:, :3] * np.array([OUTPUT[k, PRODUCES[k]] * self.price[PRODUCES[k]] for k in range(3)])
            self._margins = (out - np.array([INPUT[k] @ self.price for k in range(3)]) - WAGE) / WAGE
        return float(self._margins[state, kind])


def forecast(economy: Economy, country: Country, *, enabled: bool = True, extra: list[Project] | None = None) -> SpendingVariables:
    """The spending variables of ``country`` (plus ``extra`` planned projects) at this week's market."""
    i = country.index
    m = economy.map
    supply = economy.supply[i].copy()
    demand = economy.demand[i].copy()
    own = m.owner == i
    barracks = float(m.levels[own, BARRACKS].sum())
    admin = float(m.levels[own, ADMIN].sum())
    projects = list(country.queue) + list(extra or []) if enabled else []
    for p in projects:
        if p.kind in INDUSTRY:
            good = PRODUCES[p.kind]
            supply[good] += economy.yields[p.state, p.kind] * OUTPUT[p.kind, good]
            if p.kind == WORKSHOP:
                demand[IRON] += INPUT[WORKSHOP, IRON]
        elif p.kind == BARRACKS:
            barracks += 1
        elif p.kind == ADMIN:
            admin += 1
    pop = float(economy.pop[i])
    states = int(own.sum())
    need = pop * BUREAUCRACY_PER_POP + states * BUREAUCRACY_PER_STATE
    bureaucracy = (admin * ADMIN_CAPACITY - need) / max(need, 1e-9)
    price = price_of(supply, demand)
    return SpendingVariables(
        supply, demand, price, shortage_of(supply, demand),
        army_capacity(barracks, country.conscription), bureaucracy, len(projects),
    )
