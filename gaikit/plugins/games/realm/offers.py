"""The options realm's code offers to each decision it makes (what a strategy file may declare).

A strategy file for realm declares each of these decisions with exactly
these options: an option the game never offers would never be chosen (or,
for ``politics``, chosen with nothing to do), so validation refuses it and
names what the game supports. ``player_action`` is played by a strategy
agent through its declared options' ``action`` ids, so any names go there.
"""

from __future__ import annotations

from gaikit.plugins.games.realm.politics import REFORMS
from gaikit.plugins.games.realm.spending import SUBSIDY
from gaikit.plugins.games.realm.world import BUILDINGS, DESIRES

#: Decision -> the option kinds the game offers it (``None``: whatever the file declares).
OFFERED: dict[str, tuple[str, ...] | None] = {
    "spending": (*BUILDINGS, SUBSIDY),
    "politics": ("status_quo", *REFORMS),
    "desire": DESIRES,
    "war_goal": ("conquer_state", "tribute"),
    "play_stance": ("stay_out", "join"),
    "player_action": None,
}
