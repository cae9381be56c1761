"""Bankruptcy: debts written off at a price, and how the neighbours and rivals react."""

from __future__ import annotations

from gaikit.plugins.games.realm import diplomacy
from gaikit.plugins.games.realm.economy import BANKRUPTCY_WEEKS, DEBT_LIMIT_WEEKS
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import BARRACKS, Country


def over_debt_limit(world: WorldState, c: Country) -> bool:
    """Whether ``c``'s debt exceeds ``DEBT_LIMIT_WEEKS`` weeks of income (and it may go bankrupt again)."""
    income = float(world.economy.income[c.index])
    return c.treasury < -DEBT_LIMIT_WEEKS * max(income, 1e-6) and world.week >= c.bankrupt_until


def declare_bankruptcy(world: WorldState, c: Country) -> None:
    """Debts are written off at a price: reduced taxes, half the army and barracks, no construction."""
    debt = -c.treasury
    c.bankruptcies += 1
    c.treasury = 0.0
    c.bankrupt_until = world.week + BANKRUPTCY_WEEKS
    c.army *= 0.5
    c.queue.clear()
    c.subsidised.clear()
    states = world.map.states_of(c.index)
    for s in states:
        world.map.levels[s, BARRACKS] = world.map.levels[s, BARRACKS] // 2
    world.chronicle.add(world.week, "bankruptcy", f"{c.name} declares bankruptcy (debt {debt:.0f})", c.index)
    world.invalidate()
    world.fire(c, "bankruptcy")
    for j in world.neighbours(c.index):
        world.fire(world.countries[j], "neighbour_bankrupt")
    diplomacy.on_bankruptcy(world, c)
