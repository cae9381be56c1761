"""Realm simulation speed: simulated country-weeks per second, 8 countries, all strategy agents.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_realm.py --years 50 --seeds 3

Prints, per seed, the wall time and CPU time (``time.process_time``) of a
whole-world run (strategies loaded and the world founded before timing),
country-weeks per wall second and per CPU second, the engine decisions made,
and the machine's load average (other processes share the cores; CPU time
is the figure that does not depend on them).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from gaikit.plugins.games.realm.simulate import WorldSpec, build_world
from gaikit.plugins.games.realm.simulation import run


def main() -> None:
    """Run the benchmark and print one line per seed plus the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--countries", type=int, default=8)
    args = parser.parse_args()
    total_wall = total_cpu = 0.0
    total_weeks = 0
    print(f"realm: {args.countries} countries, {args.years} years, load average {os.getloadavg()[0]:.1f}")
    for seed in range(args.seeds):
        decisions: Counter[str] = Counter()
        realm = build_world(WorldSpec(seed=seed, countries=args.countries), recorder=lambda c, w, kind, d, note: decisions.update([kind]))
        wall, cpu = time.perf_counter(), time.process_time()
        run(realm, args.years * 52)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        weeks = args.countries * args.years * 52
        total_wall, total_cpu, total_weeks = total_wall + wall, total_cpu + cpu, total_weeks + weeks
        print(f"seed {seed}: {weeks:,} country-weeks in {wall:.2f} s wall ({weeks / wall:,.0f}/s), "
              f"{cpu:.2f} s CPU ({weeks / cpu:,.0f}/s); {sum(decisions.values()):,} decisions, "
              f"{len(realm.chronicle)} chronicle entries")
    print(f"total: {total_weeks / total_wall:,.0f} country-weeks per wall second, "
          f"{total_weeks / total_cpu:,.0f} per CPU second; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
