"""The weekly economy: one market per country, production, GDP, the budget, population.

Three goods: grain (farms), iron (mines) and tools (workshops, from iron).
Population demands grain and tools, construction demands tools. A good's
price is ``base x demand / supply`` clamped to [0.25, 4] x base, so a
shortage raises the price and makes building its producer profitable. All
numbers are per week; they are documented in docs/realm.md.

The government taxes GDP (``TAX_RATE`` by taxation law, scaled down by a
bureaucracy deficit and after a bankruptcy) and pays upkeep for
administration, barracks and the army (x ``WAR_UPKEEP`` at war), subsidies, running
construction and interest on debt. Debt beyond ``DEBT_LIMIT_WEEKS`` weeks of
income is a bankruptcy.
"""

from __future__ import annotations

import numpy as np

from gaikit.plugins.games.realm.world import ADMIN, BARRACKS, BUILDINGS, FARM, MINE, WORKSHOP, Country, WorldMap

GOODS: tuple[str, ...] = ("grain", "iron", "tools")
GRAIN, IRON, TOOLS = range(3)
BASE_PRICE = np.array([10.0, 12.0, 13.0])
#: Output per building level (before the state's yield), rows in BUILDINGS order.
OUTPUT = np.array([[1.0, 0, 0], [0, 0.8, 0], [0, 0, 1.5], [0, 0, 0], [0, 0, 0]], dtype=np.float64)
#: Input per building level.
INPUT = np.array([[0, 0, 0], [0, 0, 0], [0, 1.0, 0], [0, 0, 0], [0, 0, 0]], dtype=np.float64)
#: The good each industry produces.
PRODUCES = {FARM: GRAIN, MINE: IRON, WORKSHOP: TOOLS}
WAGE = 5.0
WORKERS_PER_LEVEL = 0.05          # millions of workers per building level
WORKFORCE_SHARE = 0.6             # share of a state's population that can work in buildings
POP_DEMAND = np.array([4.0, 0.0, 0.8])   # per million people per week
CONSTRUCTION_TOOLS = 0.5          # tools per running project per week
SERVICES_PER_POP = 6.0            # GDP of everything not modelled, per million people per week
PRODUCTIVITY_GROWTH = 0.005       # yearly growth of services per person
TAX_RATE = (0.12, 0.15, 0.18)     # by taxation law (low, medium, high)
ADMIN_CAPACITY = 4.0              # bureaucracy per administration level
BUREAUCRACY_PER_POP = 0.6
BUREAUCRACY_PER_STATE = 1.0
UPKEEP = np.array([0.0, 0.0, 0.0, 1.0, 2.0])  # per level, by building kind
ARMY_UPKEEP = 3.0                 # per battalion per week
WAR_UPKEEP = 1.5                  # army upkeep multiplier while mobilised at war
BUILD_COST = np.array([200.0, 250.0, 350.0, 250.0, 250.0])
BUILD_WEEKS = 8
INTEREST = 0.08 / 52              # weekly interest on debt
DEBT_LIMIT_WEEKS = 52             # bankrupt when debt exceeds this many weeks of income
BANKRUPTCY_WEEKS = 104            # weeks of reduced taxes after a bankruptcy
BANKRUPTCY_TAX = 0.7
ARMY_PER_BARRACKS = 1.0
ARMY_REGEN = 0.03                 # share of capacity recruited per week


def price_of(supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Prices for supply and demand arrays (last axis: goods)."""
    ratio = np.maximum(demand, 1e-9) / np.maximum(supply, 1e-9)
    return BASE_PRICE * np.clip(ratio, 0.25, 4.0)


def shortage_of(supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """``(demand - supply) / max(demand, supply)`` in [-1, 1]: positive is a shortage."""
    top = np.maximum(np.maximum(demand, supply), 1e-9)
    return (demand - supply) / top


def yields(m: WorldMap) -> np.ndarray:
    """``(states, buildings)`` output multiplier of each building kind in each state."""
    y = np.ones((m.n, len(BUILDINGS)))
    y[:, FARM] = m.arable
    y[:, MINE] = 0.3 + 0.7 * m.minerals
    return y


def army_capacity(barracks: float, conscription: int) -> float:
    """Battalions a country's barracks support under its conscription law."""
    return barracks * ARMY_PER_BARRACKS * (1.0 + 0.25 * conscription)


class Economy:
    """Per-country economic arrays, updated every week by :meth:`tick`."""

    def __init__(self, m: WorldMap, countries: int) -> None:
        self.map = m
        self.yields = yields(m)
        c, g = countries, len(GOODS)
        self.supply = np.zeros((c, g))
        self.demand = np.zeros((c, g))
        self.price = np.tile(BASE_PRICE, (c, 1))
        self.gdp = np.zeros(c)
        self.income = np.zeros(c)
        self.upkeep = np.zeros(c)
        self.subsidies = np.zeros(c)
        self.construction = np.zeros(c)
        self.interest = np.zeros(c)
        self.balance = np.zeros(c)
        self.pop = np.zeros(c)
        self.bureaucracy = np.zeros(c)
        self.gdp_history: list[np.ndarray] = []
        #: Weekly profit per level of each building kind in each state, at this week's prices.
        self.profit = np.zeros((m.n, len(BUILDINGS)))

    def tick(self, countries: list[Country], week: int) -> None:
        """One week: markets, GDP, taxes, upkeep, construction, treasury, army and population."""
        m = self.map
        n_c = len(countries)
        owner = m.owner
        own = (owner[None, :] == np.arange(n_c)[:, None]).astype(np.float64)  # (countries, states)
        levels = m.levels.astype(np.float64)
        subsidised = np.zeros((n_c, 3), dtype=bool)
        for c in countries:
            for kind in c.subsidised:
                subsidised[c.index, kind] = True
        loss = self.profit[:, :3] < 0
        paid = loss & subsidised[owner]
        run = np.where(loss & ~paid, 0.5, 1.0)
        active = levels[:, :3] * self.yields[:, :3] * run
        produced = own @ active                      # good index == industry index
        iron_need = (own @ (levels[:, WORKSHOP] * run[:, WORKSHOP])) * INPUT[WORKSHOP, IRON]
        iron_sat = np.minimum(1.0, produced[:, IRON] / np.maximum(iron_need, 1e-9))
        supply = produced * OUTPUT[[FARM, MINE, WORKSHOP], [GRAIN, IRON, TOOLS]]
        supply[:, TOOLS] *= iron_sat
        pop = own @ m.pop
        projects = np.array([len(c.queue) for c in countries], dtype=np.float64)
        demand = pop[:, None] * POP_DEMAND
        demand[:, IRON] += iron_need
        demand[:, TOOLS] += projects * CONSTRUCTION_TOOLS
        price = price_of(supply, demand)
        tools_sat = np.minimum(1.0, supply[:, TOOLS] / np.maximum(demand[:, TOOLS], 1e-9))
        services = pop * SERVICES_PER_POP * (1 + PRODUCTIVITY_GROWTH) ** (week / 52.0) * (0.7 + 0.3 * tools_sat)
        gdp = (supply * price).sum(axis=1) - iron_need * iron_sat * price[:, IRON] + services
        self.supply, self.demand, self.price, self.gdp, self.pop = supply, demand, price, gdp, pop
        state_price = price[owner]
        profit = np.zeros((m.n, len(BUILDINGS)))
        profit[:, :3] = self.yields[:, :3] * OUTPUT[:3, :3].diagonal() * state_price - WAGE
        profit[:, WORKSHOP] -= state_price @ INPUT[WORKSHOP]
        self.profit = profit
        level_sum = own @ levels
        losses = own @ (np.where(paid, -profit[:, :3], 0.0) * levels[:, :3]).sum(axis=1)
        self._budget(countries, week, level_sum, own.sum(axis=1), losses)
        self.gdp_history.append(gdp.copy())
        if len(self.gdp_history) > 53:
            del self.gdp_history[0]
        self._population(countries, supply, demand)

    def _budget(self, countries: list[Country], week: int, level_sum: np.ndarray, states: np.ndarray, losses: np.ndarray) -> None:
        need = self.pop * BUREAUCRACY_PER_POP + states * BUREAUCRACY_PER_STATE
        capacity = level_sum[:, ADMIN] * ADMIN_CAPACITY
        self.bureaucracy = (capacity - need) / np.maximum(need, 1e-9)
        efficiency = np.clip(capacity / np.maximum(need, 1e-9), 0.4, 1.0).tolist()
        fixed = (level_sum @ UPKEEP).tolist()
        barracks = level_sum[:, BARRACKS].tolist()
        gdp, loss = self.gdp.tolist(), losses.tolist()
        for c in countries:
            i = c.index
            if c.eliminated:
                self.income[i] = self.upkeep[i] = self.balance[i] = self.construction[i] = 0.0
                continue
            tax = TAX_RATE[c.taxation] * gdp[i] * efficiency[i]
            if week < c.bankrupt_until:
                tax *= BANKRUPTCY_TAX
            upkeep = fixed[i] + ARMY_UPKEEP * c.army * (WAR_UPKEEP if c.war is not None else 1.0)
            construction = sum(p.weekly_cost for p in c.queue)
            interest = INTEREST * max(0.0, -c.treasury)
            balance = tax - upkeep - loss[i] - construction - interest
            self.income[i], self.upkeep[i], self.subsidies[i] = tax, upkeep, loss[i]
            self.construction[i], self.interest[i], self.balance[i] = construction, interest, balance
            c.treasury += balance
            cap = army_capacity(barracks[i], c.conscription)
            if c.army < cap:
                c.army = min(cap, c.army + ARMY_REGEN * max(cap, 1.0))
            elif c.army > cap:
                c.army = cap

    def _population(self, countries: list[Country], supply: np.ndarray, demand: np.ndarray) -> None:
        grain_sat = np.where(demand[:, GRAIN] > 0, np.minimum(1.0, supply[:, GRAIN] / np.maximum(demand[:, GRAIN], 1e-9)), 1.0)
        weekly = (0.02 * grain_sat - 0.01) / 52.0
        self.map.pop *= 1.0 + weekly[self.map.owner]

    def recurring_balance(self, c: int) -> float:
        """This week's balance without temporary spending (construction)."""
        return float(self.balance[c] + self.construction[c])

    def gdp_growth(self, c: int) -> float:
        """GDP growth over the last year (0 before a year has passed)."""
        if len(self.gdp_history) < 53:
            return 0.0
        old = self.gdp_history[0][c]
        return float(self.gdp[c] / old - 1.0) if old > 0 else 0.0
