"""The map and the state of the world: states on a grid, countries, buildings, armies.

The map is a ``width x height`` grid of states (4-neighbourhoods), grown into
``countries`` contiguous countries of equal size from spread-out capitals.
State data lives in numpy arrays indexed by state; country data in
:class:`Country` objects. Everything is drawn from one seeded generator, so a
seed gives the same map.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Building kinds: three private industries, then two government buildings.
BUILDINGS: tuple[str, ...] = ("farm", "mine", "workshop", "barracks", "admin")
FARM, MINE, WORKSHOP, BARRACKS, ADMIN = range(5)
INDUSTRY: tuple[int, ...] = (FARM, MINE, WORKSHOP)
#: The six strategic desires a country holds toward each relevant country.
DESIRES: tuple[str, ...] = ("befriend", "reconcile", "protect", "antagonize", "conquer", "dominate")
FRIENDLY = frozenset({"befriend", "reconcile", "protect"})
HOSTILE = frozenset({"antagonize", "conquer", "dominate"})
#: Named attitudes (Victoria 3's): how a country regards another, from its desire and their relations (:mod:`.attitudes`).
ATTITUDES: tuple[str, ...] = (
    "indifferent", "genial", "loyal", "conciliatory", "protective", "wary", "antagonistic", "covetous", "belligerent", "domineering",
)
NAMES: tuple[str, ...] = (
    "Avaria", "Borvonia", "Carpathia", "Drevnia", "Estmark", "Fjordland", "Galicor", "Hessaly",
    "Istria", "Jorvik", "Kalmar", "Lusitra", "Moravel", "Novgar", "Ostrava", "Pomeran",
)
START_DATE = _dt.date(1836, 1, 1)
WEEKS_PER_YEAR = 52


def country_names(n: int) -> list[str]:
    """Names of ``n`` countries (``NAMES``, then numbered repeats)."""
    return [NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f"-{i // len(NAMES) + 1}") for i in range(n)]


def country_tags(n: int) -> list[str]:
    """Stable tags of ``n`` countries: the name's first three letters upper-cased (``AVA`` for Avaria); the
    numbered repeats past the 16 names take two letters and the number (``AV2`` for Avaria-2)."""
    return [NAMES[i % len(NAMES)][:3].upper() if i < len(NAMES) else f"{NAMES[i % len(NAMES)][:2].upper()}{i // len(NAMES) + 1}"
            for i in range(n)]


def date_of(week: int) -> str:
    """ISO date of the first day of simulated ``week`` (week 0 is 1836-01-01)."""
    return (START_DATE + _dt.timedelta(days=7 * week)).isoformat()


def week_of(date: str) -> int:
    """The simulated week containing ISO ``date`` (may be negative before the start)."""
    day = _dt.date.fromisoformat(date)
    return (day - START_DATE).days // 7


@dataclass
class Project:
    """A building level under construction: kind, state, weeks left, weekly cost."""

    kind: int
    state: int
    weeks_left: int
    weekly_cost: float


@dataclass
class Desire:
    """A strategic desire toward one country, with its change-point counter."""

    kind: str
    points: float = 0.0
    since: int = 0


@dataclass
class Country:
    """One country: treasury, laws, army, construction queue, desires; its strategy engine is attached later."""

    index: int
    name: str
    capital: int
    tag: str = ""
    treasury: float = 0.0
    taxation: int = 1
    conscription: int = 1
    army: float = 0.0
    infamy: float = 0.0
    bankrupt_until: int = -1
    bankruptcies: int = 0
    idle_until: int = 0
    eliminated: bool = False
    is_player: bool = False
    initial_states: int = 0
    subsidised: set[int] = field(default_factory=set)
    queue: list[Project] = field(default_factory=list)
    desires: dict[int, Desire] = field(default_factory=dict)
    play: int | None = None
    war: int | None = None
    engine: Any = None

    @property
    def at_war(self) -> bool:
        """Whether the country fights a war now."""
        return self.war is not None


class WorldMap:
    """States on a grid: owners, population, land, buildings and adjacency."""

    def __init__(self, countries: int, states_per_country: int, rng: np.random.Generator) -> None:
        if countries < 2:
            raise ValueError("realm needs at least 2 countries")
        n = countries * states_per_country
        self.width = int(np.ceil(np.sqrt(n * 4 / 3)))
        self.height = int(np.ceil(n / self.width))
        cells = self.width * self.height
        self.n = n
        xy = np.array([(i % self.width, i // self.width) for i in range(cells)])
        self.xy = xy[:n]
        adj: list[list[int]] = [[] for _ in range(n)]
        for i in range(n):
            x, y = self.xy[i]
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                j = (y + dy) * self.width + (x + dx)
                if 0 <= x + dx < self.width and 0 <= y + dy < self.height and 0 <= j < n:
                    adj[i].append(int(j))
        self.adjacent = [np.array(sorted(a), dtype=np.int64) for a in adj]
        self.port = np.array([len(a) < 4 for a in adj])
        self.owner = self._grow(countries, states_per_country, rng)
        self.core = self.owner.copy()
        self.pop = rng.uniform(0.8, 2.2, n)
        self.arable = rng.uniform(0.4, 1.0, n)
        self.minerals = rng.uniform(0.2, 1.0, n)
        self.levels = np.zeros((n, len(BUILDINGS)), dtype=np.int64)

    def _grow(self, countries: int, size: int, rng: np.random.Generator) -> np.ndarray:
        """Capitals by farthest-point sampling, then round-robin growth into equal contiguous countries."""
        n = self.n
        capitals = [int(rng.integers(n))]
        while len(capitals) < countries:
            d = np.min(np.abs(self.xy[:, None, :] - self.xy[capitals][None, :, :]).sum(axis=2), axis=1)
            d = d + rng.random(n) * 0.5
            capitals.append(int(np.argmax(d)))
        owner = np.full(n, -1, dtype=np.int64)
        owner[capitals] = np.arange(countries)
        counts = np.ones(countries, dtype=np.int64)
        while (owner < 0).any():
            grew = False
            for c in range(countries):
                if counts[c] >= size:
                    continue
                frontier = sorted({int(j) for i in np.flatnonzero(owner == c) for j in self.adjacent[i] if owner[j] < 0})
                if frontier:
                    owner[frontier[int(rng.integers(len(frontier)))]] = c
                    counts[c] += 1
                    grew = True
            if not grew:  # enclosed countries: the smallest neighbouring owner takes what is left
                for i in np.flatnonzero(owner < 0):
                    owned = [int(owner[j]) for j in self.adjacent[i] if owner[j] >= 0]
                    if owned:
                        c = min(owned, key=lambda k: (counts[k], k))
                        owner[i] = c
                        counts[c] += 1
        self.capitals = capitals
        return owner

    def states_of(self, country: int) -> np.ndarray:
        """Indices of the states ``country`` owns."""
        return np.flatnonzero(self.owner == country)

    def neighbours_of(self, country: int) -> list[int]:
        """Countries sharing a border with ``country``, in index order."""
        own = self.owner == country
        out = set()
        for i in np.flatnonzero(own):
            for j in self.adjacent[i]:
                if self.owner[j] != country:
                    out.add(int(self.owner[j]))
        return sorted(out)

    def border_states(self, country: int, target: int) -> list[int]:
        """``target``'s states adjacent to ``country``'s territory."""
        own = self.owner == country
        return [int(i) for i in np.flatnonzero(self.owner == target) if own[self.adjacent[i]].any()]
