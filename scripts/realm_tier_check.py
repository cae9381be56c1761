"""Check realm's spending priorities over many worlds: must-haves never cut, higher tiers never passed over.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/realm_tier_check.py --seeds 10 --years 50

Simulates each seed's world (shipped strategies, ``--mod`` and ``--rule``
as for ``gaikit run``) and watches every spending decision through the
world's recorder. Per seed it counts:

* ``cuts``: spending cuts made;
* ``must-have cuts``: cuts of an option whose own decrease tier (the
  option's, without strategies) or whose resolved tier was a must-have;
* ``cuts in crisis``: barracks cut at war or in a play (the shipped
  barracks are a must-have to keep then);
* ``purchases``;
* ``passed over (after cost)``: purchases made while an option of a higher
  tier was affordable even after its own cost;
* ``passed over (before cost)``: purchases made while an option of a higher
  tier was within the budget's tiers and waited only on its own cost (the
  country should have saved for it);
* ``saving``: increase decisions that bought nothing to save for a
  higher-tier option.

Exit status 1 when any of the three violation counts is non-zero.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Mapping

from gaikit.core.scoring import tier_rank
from gaikit.plugins.games.realm.simulate import load_realm_strategies
from gaikit.plugins.games.realm.simulation import new_world, run
from gaikit.plugins.games.realm.spending import THRESHOLDS, affordable, allowed_increase
from gaikit.strategies.rules import parse_rule_choices

COLUMNS = ("cuts", "must-have cuts", "cuts in crisis", "purchases", "passed over (after cost)",
           "passed over (before cost)", "saving")
VIOLATIONS = ("must-have cuts", "cuts in crisis", "passed over (before cost)")


class TierWatch:
    """A realm recorder that counts tier violations in spending decisions."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(COLUMNS, 0)

    def __call__(self, country: Any, week: int, kind: str, decision: Any, note: Mapping[str, Any]) -> None:
        """Look at one recorded decision (only spending decisions with a note on the budget count)."""
        if kind != "spending" or "budget" not in note:
            return
        if note["budget"] == "decrease":
            self._cut(decision)
        else:
            self._purchase(decision, note)

    def _cut(self, d: Any) -> None:
        if d.winner is None:
            return
        k = d.index
        self.counts["cuts"] += 1
        own = d.specs[k].tier_for("decrease").resolve(d.envs[k])[0]
        if own == "must-have" or d.tiers[k][0] == "must-have":
            self.counts["must-have cuts"] += 1
        env = d.envs[k]
        if d.winner.kind == "barracks" and (env.get("at_war", 0) or env.get("in_play", 0)):
            self.counts["cuts in crisis"] += 1

    def _purchase(self, d: Any, note: Mapping[str, Any]) -> None:
        if d.winner is None:
            self.counts["saving"] += "saving_for" in note
            return
        self.counts["purchases"] += 1
        values = {THRESHOLDS[t]: v for t, v in note["thresholds"].items()}
        reach = allowed_increase(float(note["surplus"]), values)
        won = tier_rank(d.tiers[d.index][0], "increase")
        left = [note["left"][o.label] for o in d.options]
        higher = [i for i, (t, _) in enumerate(d.tiers) if t in reach and tier_rank(t, "increase") > won]
        self.counts["passed over (before cost)"] += bool(higher)
        self.counts["passed over (after cost)"] += any(affordable(d.tiers[i][0], left[i], values) for i in higher)


def check(seed: int, years: int, mods: list[str], rules: dict[str, str]) -> dict[str, int]:
    """Counts for one seed's world over ``years`` years."""
    watch = TierWatch()
    world = new_world(load_realm_strategies(None, mods), seed=seed, rules=rules, recorder=watch)
    run(world, years * 52)
    return watch.counts


def main(argv: list[str] | None = None) -> int:
    """Print one row per seed and the totals; non-zero exit status on any violation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument("--years", type=int, default=50)
    parser.add_argument("--mod", action="append", default=[], help="a mod directory or file (repeatable)")
    parser.add_argument("--rule", action="append", default=[], help="RULE=PRESET (repeatable)")
    args = parser.parse_args(argv)
    rules = parse_rule_choices(args.rule)
    total = dict.fromkeys(COLUMNS, 0)
    print("| seed | " + " | ".join(COLUMNS) + " |")
    print("| ---: | " + " | ".join("---:" for _ in COLUMNS) + " |")
    for seed in range(args.seeds):
        counts = check(seed, args.years, args.mod, rules)
        for key in COLUMNS:
            total[key] += counts[key]
        print(f"| {seed} | " + " | ".join(str(counts[k]) for k in COLUMNS) + " |", flush=True)
    print("| all | " + " | ".join(str(total[k]) for k in COLUMNS) + " |")
    return 1 if any(total[k] for k in VIOLATIONS) else 0


if __name__ == "__main__":
    sys.exit(main())
