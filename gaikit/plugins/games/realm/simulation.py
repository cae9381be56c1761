"""The realm simulation: a world of countries, each run by its own strategy engine.

:class:`Realm` owns the map, the economy, the countries and their engines,
open plays and wars, the chronicle and the time series, and advances the
world one week per :meth:`Realm.step`:

1. construction progresses, the economy ticks (markets, budget, army, people);
2. bankruptcies are declared; wars fight a week; plays advance;
3. relations drift;
4. each AI country reviews its spending and may start a play once a month
   (staggered by country), passes laws once a year; new year's events and
   desire change points come at each year's start.

Randomness comes from one seed: the map, the world (war luck) and every
country's engine draw from their own child streams, so a seed gives the
same history.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from gaikit.plugins.games.realm import conflict, diplomacy, politics, spending
from gaikit.plugins.games.realm.chronicle import Chronicle
from gaikit.plugins.games.realm.economy import (
    ADMIN_CAPACITY, BANKRUPTCY_WEEKS, BUREAUCRACY_PER_POP, BUREAUCRACY_PER_STATE, DEBT_LIMIT_WEEKS, Economy,
    army_capacity,
)
from gaikit.plugins.games.realm.features import country_features
from gaikit.plugins.games.realm.plays import Play
from gaikit.plugins.games.realm.series import Series
from gaikit.plugins.games.realm.war import War
from gaikit.plugins.games.realm.world import (
    ADMIN, BARRACKS, FARM, MINE, WEEKS_PER_YEAR, WORKSHOP, Country, WorldMap, country_names,
)
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.engine import Context, StrategyEngine

#: Weeks between sweeps of must-not-have spending (cuts that need no budget reason).
SWEEP_WEEKS = 24
#: ``recorder(country, week, kind, decision_or_record, note)``: sees every decision (for explanations);
#: ``note`` is a dict of context the decision itself does not hold (e.g. the budget).
Recorder = Callable[[Country, int, str, Any, dict[str, Any]], None]
START_RESERVE_WEEKS = 20


class Realm:
    """A seeded world of ``countries`` strategy-engine countries on a map of states."""

    def __init__(
        self,
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
    ) -> None:
        if player is not None and not 0 <= player < countries:
            raise ValueError(f"player {player} is not a country index in [0, {countries})")
        seeds = np.random.SeedSequence(seed).spawn(2 + countries)
        self.strategies = strategies
        self.map = WorldMap(countries, states_per_country, np.random.default_rng(seeds[0]))
        self.rng = np.random.default_rng(seeds[1])
        self.economy = Economy(self.map, countries)
        self.week = 0
        self.player = player
        self.player_controlled = player_controlled and player is not None
        self.forecast_enabled = forecast
        self.recorder = recorder
        self.chronicle = Chronicle()
        self.series = Series(country_names(countries))
        self.plays: list[Play] = []
        self.wars: list[War] = []
        self._ids = 0
        self._contexts: dict[int, Context] = {}
        self._neighbours: dict[int, list[int]] = {}
        self._borders: dict[int, list[int]] = {}
        self._land: dict[int, dict[str, float]] = {}
        self._seen: dict[int, int] = {}
        self._totals: tuple[float, float] | None = None
        self._values: dict[int, dict[str, float]] = {}
        self._state_names = self._name_states()
        self.countries = [
            Country(i, self.series.names[i], capital=self.map.capitals[i], is_player=(i == player),
                    engine=StrategyEngine(strategies, rules=rules, rng=np.random.default_rng(seeds[2 + i])))
            for i in range(countries)
        ]
        self.relations = self.rng.uniform(-30, 30, (countries, countries))
        self.relations = np.triu(self.relations, 1) + np.triu(self.relations, 1).T
        self._found(self.rng)
        self._start()

    # -- setup ------------------------------------------------------------------
    def _name_states(self) -> dict[int, str]:
        names, counts = {}, {}
        country = self.series.names
        for s in range(self.map.n):
            c = int(self.map.owner[s])
            counts[c] = counts.get(c, 0) + 1
            names[s] = f"{country[c]}-{counts[c]}"
        self._state_index = {v: k for k, v in names.items()}
        return names

    def _found(self, rng: np.random.Generator) -> None:
        """Initial buildings, treasuries and armies roughly matching each country's needs."""
        m = self.map
        for c in self.countries:
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
        self.economy.tick(self.countries, 0)
        for c in self.countries:
            c.treasury = START_RESERVE_WEEKS * float(self.economy.income[c.index])

    def _start(self) -> None:
        for c in self.countries:
            c.engine.clock = 0
            self.context(c)
            self._seen[c.index] = c.engine.changes
            strategies = ", ".join(f"{t} {s}" for t, s in c.engine.active.items())
            self.chronicle.add(0, "start", f"{c.name}{' (player)' if c.is_player else ''}: {strategies}", c.index)
        for c in self.countries:
            diplomacy.update_desires(self, c, "start")

    # -- lookups ----------------------------------------------------------------
    def next_id(self) -> int:
        """A fresh id for a play (and the war it may become)."""
        self._ids += 1
        return self._ids

    def state_name(self, s: int) -> str:
        """A state's name: its original country and number, e.g. ``Avaria-3``."""
        return self._state_names[s]

    def state_index(self, name: str) -> int:
        """The state called ``name``."""
        return self._state_index[name]

    def active_countries(self) -> list[Country]:
        """Countries not eliminated, in index order."""
        return [c for c in self.countries if not c.eliminated]

    def neighbours(self, i: int) -> list[int]:
        """Countries bordering ``i`` (cached until the map changes)."""
        if i not in self._neighbours:
            self._neighbours[i] = [j for j in self.map.neighbours_of(i) if not self.countries[j].eliminated]
        return self._neighbours[i]

    def land(self, i: int) -> dict[str, float]:
        """``i``'s state count, lost core states, mean minerals and arable land (cached until the map changes)."""
        if i not in self._land:
            own = self.map.owner == i
            n = int(own.sum())
            self._land[i] = {
                "states": float(n),
                "lost_states": float(((self.map.core == i) & ~own).sum()),
                "minerals": float(self.map.minerals[own].mean()) if n else 0.0,
                "arable": float(self.map.arable[own].mean()) if n else 0.0,
            }
        return self._land[i]

    def border_states(self, i: int) -> list[int]:
        """``i``'s states that border another country."""
        if i not in self._borders:
            own = self.map.owner == i
            self._borders[i] = [int(s) for s in np.flatnonzero(own) if (~own[self.map.adjacent[s]]).any()]
        return self._borders[i]

    def totals(self) -> tuple[float, float]:
        """World GDP and world army of the countries still alive (cached for the week)."""
        if self._totals is None:
            alive = [c.index for c in self.countries if not c.eliminated]
            self._totals = (max(float(self.economy.gdp[alive].sum()), 1e-9),
                            max(float(sum(self.countries[i].army for i in alive)), 1e-9))
        return self._totals

    def context(self, c: Country) -> Context:
        """``c``'s engine context for this week (features and values; cached until invalidated)."""
        ctx = self._contexts.get(c.index)
        if ctx is None:
            ctx = c.engine.context(country_features(self, c))
            self._contexts[c.index] = ctx
            self._values[c.index] = ctx.values
            self._log_changes(c)
        return ctx

    def last_values(self, c: Country) -> dict[str, float]:
        """``c``'s strategy values as last resolved (cheap; may be a few weeks old)."""
        values = self._values.get(c.index)
        return values if values is not None else self.context(c).values

    def invalidate(self) -> None:
        """Forget cached contexts (after anything that changes features)."""
        self._contexts.clear()
        self._totals = None

    def record(self, c: Country, kind: str, decision: Any, **note: Any) -> None:
        """Hand a decision (or a back-down record) and its ``note`` to the recorder, if any."""
        if self.recorder is not None:
            self.recorder(c, self.week, kind, decision, note)

    # -- events -----------------------------------------------------------------
    def fire(self, c: Country, event: str, scale: float = 1.0) -> dict[str, str]:
        """Fire ``event`` at ``c``'s engine (change points x ``scale``, maybe re-rolls, chronicled)."""
        rolled = c.engine.event(event, self.context(c), scale=scale)
        if rolled:
            self.invalidate()
        self._log_changes(c)
        return rolled

    def _log_changes(self, c: Country) -> None:
        engine = c.engine
        new = min(engine.changes - self._seen.get(c.index, engine.changes), len(engine.history))
        self._seen[c.index] = engine.changes
        for entry in engine.history[len(engine.history) - new:] if new > 0 else []:
            if entry["from"] is not None and entry["from"] != entry["to"]:
                cause = entry["cause"].removeprefix("event ")
                self.chronicle.add(self.week, "strategy", f"{c.name}: {entry['type']} {entry['from']} -> {entry['to']} ({cause})", c.index)

    def shift_relations(self, i: int, j: int, amount: float) -> None:
        """Change relations between ``i`` and ``j`` (both ways), clamped to [-100, 100]."""
        value = float(np.clip(self.relations[i, j] + amount, -100, 100))
        self.relations[i, j] = self.relations[j, i] = value

    def transfer_state(self, s: int, winner: Country, loser: Country) -> None:
        """``s`` changes hands: events, chronicle, elimination, new neighbours' desires."""
        self.map.owner[s] = winner.index
        self._neighbours.clear()
        self._borders.clear()
        self._land.clear()
        self.invalidate()
        left = self.map.states_of(loser.index)
        if loser.capital == s and len(left):  # the government flees to a new capital with its administration
            loser.capital = int(max(left, key=lambda k: (self.map.pop[k], -k)))
            self.map.levels[loser.capital, ADMIN] += self.map.levels[s, ADMIN]
            self.map.levels[s, ADMIN] = 0
        self.chronicle.add(self.week, "territory", f"{self.state_name(s)} passes from {loser.name} to {winner.name}", winner.index)
        self.fire(winner, "state_gained")
        if not len(left):
            self._eliminate(loser, winner)
        else:
            self.fire(loser, "state_lost")
        for c in self.active_countries():
            diplomacy.update_desires(self, c, "new border")

    def _eliminate(self, loser: Country, winner: Country) -> None:
        loser.eliminated = True
        loser.queue.clear()
        loser.desires.clear()
        loser.army = 0.0
        self.chronicle.add(self.week, "territory", f"{loser.name} is annexed by {winner.name}", loser.index)
        for c in self.countries:
            c.desires.pop(loser.index, None)

    def declare_bankruptcy(self, c: Country) -> None:
        """Debts are written off at a price: reduced taxes, half the army and barracks, no construction."""
        debt = -c.treasury
        c.bankruptcies += 1
        c.treasury = 0.0
        c.bankrupt_until = self.week + BANKRUPTCY_WEEKS
        c.army *= 0.5
        c.queue.clear()
        c.subsidised.clear()
        states = self.map.states_of(c.index)
        for s in states:
            self.map.levels[s, BARRACKS] = self.map.levels[s, BARRACKS] // 2
        self.chronicle.add(self.week, "bankruptcy", f"{c.name} declares bankruptcy (debt {debt:.0f})", c.index)
        self.invalidate()
        self.fire(c, "bankruptcy")
        for j in self.neighbours(c.index):
            self.fire(self.countries[j], "neighbour_bankrupt")
        diplomacy.on_bankruptcy(self, c)

    # -- the weekly tick ----------------------------------------------------------
    def step(self) -> None:
        """Advance the world one week."""
        self.week += 1
        self.invalidate()
        for c in self.active_countries():
            c.engine.clock = self.week
            spending.advance_construction(self, c)
        self.economy.tick(self.countries, self.week)
        for c in self.active_countries():
            income = float(self.economy.income[c.index])
            if c.treasury < -DEBT_LIMIT_WEEKS * max(income, 1e-6) and self.week >= c.bankrupt_until:
                self.declare_bankruptcy(c)
        conflict.tick_wars(self)
        conflict.tick_plays(self)
        diplomacy.drift_relations(self)
        if self.week % WEEKS_PER_YEAR == 0:
            self._new_year()
        for c in self.active_countries():
            if self.player_controlled and c.index == self.player:
                continue
            if (self.week + c.index) % 4 == 0:
                c.engine.watch(self.context(c))
                self._log_changes(c)
                spending.review_spending(self, c, sweep=(self.week + c.index) % SWEEP_WEEKS == 0)
                conflict.consider_play(self, c)
            if self.week % WEEKS_PER_YEAR == (7 * c.index) % WEEKS_PER_YEAR:
                politics.yearly_politics(self, c)
        if self.week % 4 == 0:
            self.series.record(self)

    def _new_year(self) -> None:
        for c in self.active_countries():  # a semi-random year: half to one and a half times the points
            self.fire(c, "new_year", scale=float(c.engine.rng.uniform(0.5, 1.5)))
        diplomacy.yearly_desires(self)
        conflict.decay_infamy(self)

    def run(self, weeks: int) -> "Realm":
        """Advance ``weeks`` weeks; returns self."""
        for _ in range(weeks):
            self.step()
        return self

    def summary(self) -> list[dict[str, Any]]:
        """Per country: name, states, GDP, treasury, army, bankruptcies, active strategies."""
        return [
            {"country": c.name, "states": int((self.map.owner == c.index).sum()), "gdp": float(self.economy.gdp[c.index]),
             "treasury": c.treasury, "army": c.army, "bankruptcies": c.bankruptcies, "eliminated": c.eliminated,
             "strategies": dict(c.engine.active)}
            for c in self.countries
        ]
