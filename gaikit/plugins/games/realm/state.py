"""The world state of a realm and its services: the leaf every subsystem imports.

:class:`WorldState` holds the map, the economy, the countries and their
strategy engines, relations, open plays and wars, the chronicle and the time
series, and offers the lookups and bookkeeping every subsystem shares
(neighbours, cached engine contexts, events, the decision recorder). It
imports no subsystem: the rules that change the world (economy ticks,
spending, diplomacy, plays, wars, territory, bankruptcy) live in their own
modules and take a ``WorldState``; :mod:`.simulation` runs the weekly loop.

Randomness comes from one seed: the map, the world (war luck) and every
country's engine draw from their own child streams, so a seed gives the
same history.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from gaikit.core.errors import ConfigError
from gaikit.plugins.games.realm.chronicle import Chronicle
from gaikit.plugins.games.realm.disputes import Play, War
from gaikit.plugins.games.realm.economy import Economy
from gaikit.plugins.games.realm.series import Series
from gaikit.plugins.games.realm.world import ATTITUDES, Country, WorldMap, country_names, country_tags
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.engine import Context, StrategyEngine

#: ``recorder(country, week, kind, decision_or_record, note)``: sees every decision (for explanations);
#: ``note`` is a dict of context the decision itself does not hold (e.g. the budget).
Recorder = Callable[[Country, int, str, Any, dict[str, Any]], None]
#: ``features(world, country) -> {name: value}``: what a country's engine reads (see :mod:`.features`).
FeatureFn = Callable[["WorldState", Country], dict[str, float]]


class WorldState:
    """A seeded world of ``countries`` strategy-engine countries on a map of states (not yet founded).

    ``features`` computes a country's named features for its engine's
    context; :func:`gaikit.plugins.games.realm.simulation.new_world` passes
    :func:`~gaikit.plugins.games.realm.features.country_features` and founds
    the world.
    """

    def __init__(
        self,
        strategies: StrategySet,
        features: FeatureFn,
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
        self.features = features
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
        #: ``(debtor, creditor) -> obligations`` the debtor owes (a leader owes a country that joined its side).
        self.obligations: dict[tuple[int, int], int] = {}
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
        tags = country_tags(countries)
        self.countries = [
            Country(i, self.series.names[i], capital=self.map.capitals[i], tag=tags[i], is_player=(i == player),
                    engine=StrategyEngine(strategies, rules=rules, rng=np.random.default_rng(seeds[2 + i]), tag=tags[i]))
            for i in range(countries)
        ]
        self.tags = {tag: i for i, tag in enumerate(tags)}
        unknown = strategies.unknown_tag(self.tags) or strategies.unknown_attitude(ATTITUDES)
        if unknown is not None:
            raise ConfigError(unknown)
        relations = self.rng.uniform(-30, 30, (countries, countries))
        self.relations = np.triu(relations, 1) + np.triu(relations, 1).T

    def _name_states(self) -> dict[int, str]:
        names: dict[int, str] = {}
        counts: dict[int, int] = {}
        country = self.series.names
        for s in range(self.map.n):
            c = int(self.map.owner[s])
            counts[c] = counts.get(c, 0) + 1
            names[s] = f"{country[c]}-{counts[c]}"
        self._state_index = {v: k for k, v in names.items()}
        return names

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

    # -- engine contexts and events -------------------------------------------------
    def context(self, c: Country) -> Context:
        """``c``'s engine context for this week (features and values; cached until invalidated)."""
        ctx = self._contexts.get(c.index)
        if ctx is None:
            ctx = c.engine.context(self.features(self, c))
            self._contexts[c.index] = ctx
            self._values[c.index] = ctx.values
            self.log_changes(c)
        return ctx

    def last_values(self, c: Country) -> dict[str, float]:
        """``c``'s strategy values as last resolved (cheap; may be a few weeks old)."""
        values = self._values.get(c.index)
        return values if values is not None else self.context(c).values

    def invalidate(self) -> None:
        """Forget cached contexts (after anything that changes features)."""
        self._contexts.clear()
        self._totals = None

    def map_changed(self) -> None:
        """Forget everything cached about the map (after a state changed hands)."""
        self._neighbours.clear()
        self._borders.clear()
        self._land.clear()
        self.invalidate()

    def record(self, c: Country, kind: str, decision: Any, **note: Any) -> None:
        """Hand a decision (or a back-down record) and its ``note`` to the recorder, if any."""
        if self.recorder is not None:
            self.recorder(c, self.week, kind, decision, note)

    def fire(self, c: Country, event: str, scale: float = 1.0) -> dict[str, str]:
        """Fire ``event`` at ``c``'s engine (change points x ``scale``, maybe re-rolls, chronicled)."""
        rolled = c.engine.event(event, self.context(c), scale=scale)
        if rolled:
            self.invalidate()
        self.log_changes(c)
        return rolled

    def log_changes(self, c: Country) -> None:
        """Chronicle the strategy changes of ``c``'s engine since last looked."""
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
