"""Named attitudes: named from the desire and the relations; asked by ``attitude = NAME`` in targeted decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from _realm_helpers import world
from gaikit.core.errors import ConfigError
from gaikit.plugins.games.realm import diplomacy
from gaikit.plugins.games.realm.attitudes import attitude
from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.plugins.games.realm.world import ATTITUDES, Desire
from gaikit.strategies.engine import Option


@pytest.mark.parametrize("desire, relations, expect", [
    (None, 0.0, "indifferent"),
    ("befriend", 10.0, "genial"), ("befriend", 60.0, "loyal"), ("befriend", -60.0, "wary"),
    ("protect", 10.0, "protective"), ("protect", 50.0, "loyal"),
    ("reconcile", 70.0, "conciliatory"), ("reconcile", -50.0, "wary"),
    ("antagonize", -90.0, "antagonistic"),
    ("conquer", -40.0, "covetous"), ("conquer", -50.0, "belligerent"),
    ("dominate", -90.0, "domineering"),
])
def test_attitudes_are_named_from_desire_and_relations(desire, relations, expect):
    r = world(0)
    c, t = r.countries[0], 1
    c.desires.pop(t, None)
    if desire is not None:
        c.desires[t] = Desire(desire)
    r.relations[0, t] = r.relations[t, 0] = relations
    assert attitude(r, c, t) == expect and expect in ATTITUDES


MOD = """\
mode: inject
game: realm
decisions:
  desire:
    options:
      reconcile:
        tier:
          value: wants-to-have
          modifiers:
            - {id: grudge, if: "attitude = belligerent", tier: must-not-have, desc: "no reconciling while belligerent"}
"""


def _mod(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mod.yaml"
    path.write_text(text)
    return str(path)


def test_attitude_conditions_are_evaluated(tmp_path):
    r = world(0, mods=(_mod(tmp_path, MOD),))
    c, t = r.countries[0], 1
    r.relations[0, t] = r.relations[t, 0] = -80.0

    def tier() -> str:
        d = c.engine.decide("desire", r.context(c), [Option("reconcile", "reconcile", diplomacy.target_features(r, 0, t))])
        return d.tiers[0][0]

    c.desires[t] = Desire("conquer")
    assert tier() == "must-not-have"
    c.desires[t] = Desire("antagonize")
    assert tier() == "wants-to-have"


def test_an_unknown_attitude_names_file_and_line(tmp_path):
    mod = _mod(tmp_path, MOD.replace("attitude = belligerent", "attitude = bellicose"))
    with pytest.raises(ConfigError, match=r"mod\.yaml:10: decisions\.desire\.options\.reconcile\.tier\.modifiers\.1\.if: "
                                          r"unknown attitude 'bellicose'; attitudes: indifferent, genial"):
        world(0, mods=(mod,))


def test_attitude_needs_a_targeted_decision(tmp_path):
    mod = _mod(tmp_path, "mode: inject\ngame: realm\ndecisions:\n  politics:\n    options:\n      status_quo:\n"
                         "        tier: {value: wants-to-have, modifiers: [{if: \"attitude = loyal\", tier: must-have}]}\n")
    with pytest.raises(ConfigError, match=r"mod\.yaml:7: .*attitude = loyal: this decision has no target"):
        load_realm_strategies(None, [mod])
