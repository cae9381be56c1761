"""Game rules and the example mod shift behaviour in the expected direction over many seeds."""

from __future__ import annotations

from pathlib import Path

from _realm_helpers import world
from gaikit.plugins.games.realm.simulation import run
from gaikit.plugins.games.realm.world import HOSTILE

SEEDS = range(10)
WARMONGER = str(Path(__file__).resolve().parent.parent / "examples" / "mods" / "warmonger")


def _hostile_share(**kwargs) -> float:
    hostile = total = 0
    for seed in SEEDS:
        r = world(seed, **kwargs)
        for c in r.countries:
            hostile += sum(d.kind in HOSTILE for d in c.desires.values())
            total += len(c.desires)
    return hostile / total


def _toward_player(rule: str) -> tuple[float, int]:
    hostile = total = conquer = 0
    for seed in SEEDS:
        r = world(seed, player=0, rules={"behaviour_toward_players": rule})
        for c in r.countries:
            if 0 in c.desires:
                hostile += c.desires[0].kind in HOSTILE
                conquer += c.desires[0].kind == "conquer"
                total += 1
    return hostile / total, conquer


def _plays_started(years: int, seeds: range, **kwargs) -> int:
    started = 0
    for seed in seeds:
        r = run(world(seed, **kwargs), years * 52)
        started += sum(1 for e in r.chronicle.entries if e.kind == "play" and " starts play " in e.text)
    return started


def test_ai_aggression_makes_desires_more_hostile():
    low, standard, high = (_hostile_share(rules={"ai_aggression": p}) for p in ("low", "standard", "high"))
    assert low < standard < high


def test_behaviour_toward_players_shifts_desires_toward_the_player():
    (lenient, lenient_conquer), (standard, _), (harsh, _) = (_toward_player(r) for r in ("lenient", "standard", "harsh"))
    assert lenient < standard < harsh
    assert lenient_conquer == 0  # lenient: no conquest of the player's homeland without a claim


def test_ai_aggression_starts_more_plays():
    low = _plays_started(4, range(3), rules={"ai_aggression": "low"})
    high = _plays_started(4, range(3), rules={"ai_aggression": "high"})
    assert high > low


def test_the_warmonger_mod_changes_outcomes():
    base = _plays_started(4, range(3))
    modded = _plays_started(4, range(3), mods=(WARMONGER,))
    assert modded > base + 3
    assert _hostile_share(mods=(WARMONGER,)) > _hostile_share() + 0.1
