"""The realm simulation: founding a world and advancing it one week at a time.

:func:`new_world` builds a :class:`~gaikit.plugins.games.realm.state.WorldState`,
founds it (initial buildings, treasuries, armies) and rolls each country's
first desires. :func:`step` advances the world one week:

1. construction progresses, the economy ticks (markets, budget, army, people);
2. bankruptcies are declared; wars fight a week; plays advance;
3. relations drift;
4. each AI country reviews its spending and may start a play once a month
   (staggered by country), passes laws once a year; new year's events and
   desire change points come at each year's start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from gaikit.plugins.games.realm import conflict, diplomacy, politics, spending
from gaikit.plugins.games.realm.bankruptcy import declare_bankruptcy, over_debt_limit
from gaikit.plugins.games.realm.economy import (
    ADMIN_CAPACITY, BUREAUCRACY_PER_POP, BUREAUCRACY_PER_STATE, army_capacity,
)
from gaikit.plugins.games.realm.features import country_features
from gaikit.plugins.games.realm.history import History, apply_laws_and_values, load_history
from gaikit.plugins.games.realm.state import Recorder, WorldState
from gaikit.plugins.games.realm.world import ADMIN, BARRACKS, FARM, MINE, WEEKS_PER_YEAR, WORKSHOP, Desire
from gaikit.strategies.compiled import StrategySet

#: Weeks between sweeps of must-not-have spending (cuts that need no budget reason).
SWEEP_WEEKS = 24
#: Weeks of income each country starts with in its treasury.
START_RESERVE_WEEKS = 20


def new_world(
    strategies: StrategySet,
    *,
    countries: int = 8,
    states_per_country: int = 6,
    seed: int = 0,
    rules: Mapping[str, str] | None = None,
    player: int | None = None,
    player_controlled: bool = False,
    forecast: bool = True,
    recorder: Recorder | None = None,
    history: str | Path | None = None,
) -> WorldState:
    """A founded world at week 0: every country with its buildings, treasury, army, strategies and desires.

    ``player`` is flagged as the player (the ``behaviour_toward_players``
    rule applies to it); with ``player_controlled`` its own decisions are
    left to another agent (:mod:`.player`). ``history`` (a file or a
    directory, :mod:`.history`) sets countries' starting strategies,
    desires, laws and values.
    """
    world = WorldState(
        strategies, country_features, countries=countries, states_per_country=states_per_country, seed=seed,
        rules=rules, player=player, player_controlled=player_controlled, forecast=forecast, recorder=recorder,
    )
    book = None
    if history is not None:
        book = load_history(history, strategies, [c.tag for c in world.countries])
        apply_laws_and_values(book, world.countries)
    _found(world, world.rng)
    _start(world, book)
    return world


def _found(world: WorldState, rng: np.random.Generator) -> None:
    """Initial buildings, treasuries and armies roughly matching each country's needs."""
    m = world.map
    for c in world.countries:
        states = m.states_of(c.index)
        c.initial_states = len(states)
        pop = float(m.pop[states].sum())
        for s in states:
            m.levels[s, FARM] = max(1, round(m.pop[s] * 4.0 / m.arable[s] * rng.uniform(0.85, 1.05)))
            m.levels[s, BARRACKS] = 1
        workshops = max(1, round(pop * 0.8 / 1.5 * rng.uniform(0.6, 0.95)))
        by_pop = sorted(states, key=lambda s: (-m.pop[s], s))
        for k in range(workshops):
            m.levels[by_pop[k % len(by_pop)], WORKSHOP] += 1
        mine_yield = 0.8 * (0.3 + 0.7 * m.minerals[states])
        mines = max(1, round(workshops / float(mine_yield.mean()) * rng.uniform(0.8, 1.05)))
        by_ore = sorted(states, key=lambda s: (-m.minerals[s], s))
        for k in range(mines):
            m.levels[by_ore[k % len(by_ore)], MINE] += 1
        need = pop * BUREAUCRACY_PER_POP + len(states) * BUREAUCRACY_PER_STATE
        m.levels[c.capital, ADMIN] = int(np.ceil(need * 1.05 / ADMIN_CAPACITY))
        c.army = army_capacity(float(m.levels[states, BARRACKS].sum()), c.conscription)
    world.economy.tick(world.countries, 0)
    for c in world.countries:
        c.treasury = START_RESERVE_WEEKS * float(world.economy.income[c.index])


def _start(world: WorldState, history: History | None = None) -> None:
    for c in world.countries:
        c.engine.clock = 0
        world.context(c)
        strategies = ", ".join(f"{t} {s}" for t, s in c.engine.active.items())
        world.chronicle.add(0, "start", f"{c.name}{' (player)' if c.is_player else ''}: {strategies}", c.index)
    for c in world.countries:
        entry = history.entries.get(c.tag) if history is not None else None
        if entry is not None:
            for tag, kind in entry.history.desires.items():
                c.desires[world.tags[tag]] = Desire(kind, 0.0, 0)
                world.chronicle.add(0, "desire", f"{c.name} starts wanting to {kind} {world.countries[world.tags[tag]].name} (history)", c.index)
        diplomacy.update_desires(world, c, "start")


def step(world: WorldState) -> None:
    """Advance the world one week."""
    world.week += 1
    world.invalidate()
    for c in world.active_countries():
        c.engine.clock = world.week
        spending.advance_construction(world, c)
    world.economy.tick(world.countries, world.week)
    for c in world.active_countries():
        if over_debt_limit(world, c):
            declare_bankruptcy(world, c)
    conflict.tick_wars(world)
    conflict.tick_plays(world)
    diplomacy.drift_relations(world)
    if world.week % WEEKS_PER_YEAR == 0:
        _new_year(world)
    for c in world.active_countries():
        if world.player_controlled and c.index == world.player:
            continue
        if (world.week + c.index) % 4 == 0:
            c.engine.watch(world.context(c))
            world.log_changes(c)
            spending.review_spending(world, c, sweep=(world.week + c.index) % SWEEP_WEEKS == 0)
            conflict.consider_play(world, c)
        if world.week % WEEKS_PER_YEAR == (7 * c.index) % WEEKS_PER_YEAR:
            politics.yearly_politics(world, c)
    if world.week % 4 == 0:
        world.series.record(world.week, world.economy.gdp, world.countries)


def _new_year(world: WorldState) -> None:
    for c in world.active_countries():  # a semi-random year: half to one and a half times the points
        world.fire(c, "new_year", scale=float(c.engine.rng.uniform(0.5, 1.5)))
    diplomacy.yearly_desires(world)
    conflict.decay_infamy(world)


def run(world: WorldState, weeks: int) -> WorldState:
    """Advance ``weeks`` weeks; returns ``world``."""
    for _ in range(weeks):
        step(world)
    return world


def summary(world: WorldState) -> list[dict[str, Any]]:
    """Per country: name, states, GDP, treasury, army, bankruptcies, active strategies."""
    return [
        {"country": c.name, "states": int((world.map.owner == c.index).sum()), "gdp": float(world.economy.gdp[c.index]),
         "treasury": c.treasury, "army": c.army, "bankruptcies": c.bankruptcies, "eliminated": c.eliminated,
         "strategies": dict(c.engine.active)}
        for c in world.countries
    ]
