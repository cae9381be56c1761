"""Whole-world runs: simulate a realm, write its outputs, explain a country's decisions on a date.

``run_world`` is what ``gaikit run realm --agent strategy`` does: every
country is a strategy agent, nothing learns. The run directory gets
``config.yaml``, ``chronicle.txt``, ``series.csv``, ``summary.json`` and
``plots/realm.png``. ``explain_at`` re-simulates the same world (same seed,
rules and mods give the same history) up to a date and explains the
decisions one country took that week.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from gaikit.core.errors import ConfigError
from gaikit.plugins.games.realm.features import FEATURES
from gaikit.plugins.games.realm.simulation import Realm
from gaikit.plugins.games.realm.world import Country, country_names, date_of, week_of
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.explain import explain_decision
from gaikit.strategies.loader import load_strategies

#: The shipped strategy file (``gaikit/strategies/data/realm.yaml``).
REALM_YAML = Path(__file__).resolve().parents[3] / "strategies" / "data" / "realm.yaml"


@dataclass
class WorldSpec:
    """Everything that determines a world's history."""

    seed: int = 0
    years: int = 50
    countries: int = 8
    states_per_country: int = 6
    player: int | None = None
    rules: dict[str, str] = field(default_factory=dict)
    file: str | None = None
    mods: list[str] = field(default_factory=list)
    forecast: bool = True


def load_realm_strategies(file: str | Path | None = None, mods: Sequence[str | Path] = ()) -> StrategySet:
    """The realm strategy file (default: the shipped one) with ``mods`` layered on."""
    return load_strategies(file or REALM_YAML, list(mods), game_features=FEATURES)


def build_world(spec: WorldSpec, recorder: Callable[..., None] | None = None) -> Realm:
    """A fresh world for ``spec`` (not yet run)."""
    strategies = load_realm_strategies(spec.file, spec.mods)
    return Realm(
        strategies, countries=spec.countries, states_per_country=spec.states_per_country, seed=spec.seed,
        rules=spec.rules, player=spec.player, forecast=spec.forecast, recorder=recorder,
    )


def _summary_lines(realm: Realm) -> list[str]:
    lines = [f"{'country':<11} {'states':>6} {'GDP/week':>9} {'treasury':>10} {'army':>6} {'bankrupt':>8}  strategies"]
    for row in realm.summary():
        strategies = ", ".join(row["strategies"].values())
        state = "annexed" if row["eliminated"] else ""
        lines.append(f"{row['country']:<11} {row['states']:>6} {row['gdp']:>9.0f} {row['treasury']:>10.0f} "
                     f"{row['army']:>6.1f} {row['bankruptcies']:>8}  {strategies} {state}".rstrip())
    return lines


def run_world(spec: WorldSpec, run_dir: Path, echo: Callable[[str], None], config_text: str = "") -> Realm:
    """Simulate ``spec.years`` years, print the chronicle and a summary, write the run directory."""
    realm = build_world(spec)
    realm.run(spec.years * 52)
    run_dir.mkdir(parents=True, exist_ok=True)
    if config_text:
        (run_dir / "config.yaml").write_text(config_text, encoding="utf-8")
    chronicle = realm.chronicle.text()
    (run_dir / "chronicle.txt").write_text(chronicle, encoding="utf-8")
    realm.series.write_csv(run_dir / "series.csv")
    (run_dir / "summary.json").write_text(json.dumps(realm.summary(), indent=2, default=float) + "\n", encoding="utf-8")
    plot = realm.series.plot(run_dir / "plots" / "realm.png", title=f"realm, seed {spec.seed}, {spec.years} years")
    echo(chronicle.rstrip("\n"))
    echo("")
    for line in _summary_lines(realm):
        echo(line)
    echo("")
    echo(f"chronicle: {run_dir / 'chronicle.txt'} ({len(realm.chronicle)} entries); plots: {plot}")
    return realm


def find_country(countries: int, name: str) -> int:
    """The index of a country given by name (case-insensitive) or index; a clear error lists the names."""
    names = country_names(countries)
    for i, known in enumerate(names):
        if known.lower() == name.lower() or name == str(i):
            return i
    raise ConfigError(f"unknown country {name!r}; countries: {', '.join(names)}")


def explain_at(spec: WorldSpec, country: str, date: str) -> list[dict[str, Any]]:
    """Explanations of ``country``'s decisions in the week of ISO ``date`` (or its last week with decisions before).

    The world is simulated from the start to that week; the same spec gives the same history as the run.
    """
    try:
        target = week_of(date)
    except ValueError:
        raise ConfigError(f"--date {date!r}: expected an ISO date such as 1850-03-01") from None
    if not 0 <= target <= spec.years * 52:
        raise ConfigError(f"--date {date}: outside the simulated years {date_of(0)} .. {date_of(spec.years * 52)}")
    found: dict[str, Any] = {"week": -1, "items": []}
    who = find_country(spec.countries, country)

    def recorder(c: Country, week: int, kind: str, decision: Any, note: dict[str, Any]) -> None:
        if c.index != who or week > target:
            return
        if week != found["week"]:
            found["week"], found["items"] = week, []
        found["items"].append((kind, decision, note))

    realm = build_world(spec, recorder)
    realm.run(target)
    records = []
    compensation = realm.strategies.defines.compensation
    for kind, decision, note in found["items"]:
        head = {"time": date_of(found["week"]), "agent": realm.countries[who].name, "kind": kind}
        body = dict(decision) if isinstance(decision, Mapping) else explain_decision(decision, compensation)
        text = budget_note(note)
        records.append({**head, **body, **({"note": text} if text else {})})
    return records


def budget_note(note: Mapping[str, Any]) -> str:
    """One line on the budget behind a spending decision (empty for other decisions)."""
    if note.get("budget") == "increase":
        tiers = ", ".join(f"{t} > {v:.3g}" for t, v in note["thresholds"].items())
        left = ", ".join(f"{k} {v:.3g}" for k, v in note["left"].items())
        return (f"budget: surplus {note['surplus']:.3g} of income before costs; an option is affordable at its tier "
                f"when the surplus left after its own cost beats the tier's threshold ({tiers}; must-have always). "
                f"Left after each: {left}")
    if note.get("budget") == "decrease":
        return (f"budget: recurring surplus {note['surplus']:.3g} of income; tiers that may be cut now: "
                f"{', '.join(note['cuts'])} (lowest first; must-have never)")
    return ""


def format_backdown(record: Mapping[str, Any]) -> str:
    """Text for a back-down record."""
    verdict = "backs down" if record["backs_down"] else "stands firm"
    return (f"backdown [time={record['time']}, agent={record['agent']}] play #{record['play']} as {record['side']}: "
            f"confidence {record['confidence']:+.1f} + boldness {record['boldness']:.1f} = "
            f"{record['confidence'] + record['boldness']:+.1f} vs threshold {record['threshold']:g} -> {verdict}")
