"""Territory changing hands: a state passes to the winner, a country with none left is annexed."""

from __future__ import annotations

from gaikit.plugins.games.realm import diplomacy
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import ADMIN, Country


def transfer_state(world: WorldState, s: int, winner: Country, loser: Country) -> None:
    """``s`` changes hands: events, chronicle, elimination, new neighbours' desires."""
    world.map.owner[s] = winner.index
    world.map_changed()
    left = world.map.states_of(loser.index)
    if loser.capital == s and len(left):  # the government flees to a new capital with its administration
        loser.capital = int(max(left, key=lambda k: (world.map.pop[k], -k)))
        world.map.levels[loser.capital, ADMIN] += world.map.levels[s, ADMIN]
        world.map.levels[s, ADMIN] = 0
    world.chronicle.add(world.week, "territory", f"{world.state_name(s)} passes from {loser.name} to {winner.name}", winner.index)
    world.fire(winner, "state_gained")
    if not len(left):
        eliminate(world, loser, winner)
    else:
        world.fire(loser, "state_lost")
    for c in world.active_countries():
        diplomacy.update_desires(world, c, "new border")


def eliminate(world: WorldState, loser: Country, winner: Country) -> None:
    """``loser`` is annexed by ``winner``: no queue, desires or army; nobody desires anything of it."""
    loser.eliminated = True
    loser.queue.clear()
    loser.desires.clear()
    loser.army = 0.0
    world.chronicle.add(world.week, "territory", f"{loser.name} is annexed by {winner.name}", loser.index)
    for c in world.countries:
        c.desires.pop(loser.index, None)
