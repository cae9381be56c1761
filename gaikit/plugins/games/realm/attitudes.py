"""Named attitudes: how a country regards another, from its desire toward it and their relations.

As in Victoria 3 ("the Ottomans are belligerent toward Egypt: very low
relations and a conquer desire"), a country's attitude toward each relevant
country is named from its strategic desire and the relations, with the
thresholds as strategy values:

======================  ============================================================
desire                  attitude
======================  ============================================================
(none)                  ``indifferent``
befriend / protect      ``loyal`` at relations >= ``attitude_loyal_relations`` (50),
                        else ``genial`` / ``protective``
reconcile               ``conciliatory``
any friendly desire     ``wary`` at relations <= ``attitude_wary_relations`` (-50)
antagonize              ``antagonistic``
conquer                 ``belligerent`` at relations <= ``attitude_belligerent_relations``
                        (-50), else ``covetous``
dominate                ``domineering``
======================  ============================================================

Decisions with a target ask for it with the trigger ``attitude = NAME``.
"""

from __future__ import annotations

from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import FRIENDLY, Country

_PLAIN = {"befriend": "genial", "reconcile": "conciliatory", "protect": "protective",
          "antagonize": "antagonistic", "dominate": "domineering"}


def attitude(realm: WorldState, c: Country, t: int) -> str:
    """``c``'s named attitude toward country ``t`` (one of :data:`~.world.ATTITUDES`)."""
    desire = c.desires.get(t)
    if desire is None:
        return "indifferent"
    values = realm.last_values(c)
    relations = float(realm.relations[c.index, t])
    kind = desire.kind
    if kind in FRIENDLY:
        if relations <= values["attitude_wary_relations"]:
            return "wary"
        if kind != "reconcile" and relations >= values["attitude_loyal_relations"]:
            return "loyal"
        return _PLAIN[kind]
    if kind == "conquer":
        return "belligerent" if relations <= values["attitude_belligerent_relations"] else "covetous"
    return _PLAIN[kind]
