"""Realm's world: simulate a whole realm, write its outputs, explain a country's decisions on a date.

:class:`RealmWorld` is realm's :class:`~gaikit.core.world.World`,
registered through ``gaikit_register_worlds`` (:func:`register_world`).
``run_world`` is what ``gaikit run realm --agent strategy`` does: every
country is a strategy agent, nothing learns. The run directory gets
``config.yaml``, ``chronicle.txt``, ``series.csv``, ``summary.json`` and
``plots/realm.png``. ``explain_at`` re-simulates the same world (same seed,
rules and mods give the same history) up to a date and explains the
decisions one country took that week.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from gaikit.core.config import RunConfig
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register
from gaikit.core.world import World
from gaikit.plugins.games.realm.config import RealmConfig, check_player
from gaikit.plugins.games.realm.explain_records import WeekCollector
from gaikit.plugins.games.realm.features import FEATURES
from gaikit.plugins.games.realm.offers import OFFERED
from gaikit.plugins.games.realm.simulation import new_world, run, summary
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import country_names, country_tags, date_of, week_of
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.loader import load_strategies
from gaikit.strategies.run_files import store_run_files

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
    history: str | None = None


def load_realm_strategies(file: str | Path | None = None, mods: Sequence[str | Path] = ()) -> StrategySet:
    """The realm strategy file (default: the shipped one) with ``mods`` layered on."""
    return load_strategies(file or REALM_YAML, list(mods), game_features=FEATURES, game_offers=OFFERED)


def build_world(spec: WorldSpec, recorder: Callable[..., None] | None = None) -> WorldState:
    """A fresh world for ``spec`` (not yet run)."""
    strategies = load_realm_strategies(spec.file, spec.mods)
    return new_world(
        strategies, countries=spec.countries, states_per_country=spec.states_per_country, seed=spec.seed,
        rules=spec.rules, player=spec.player, forecast=spec.forecast, recorder=recorder, history=spec.history,
    )


def _summary_lines(realm: WorldState) -> list[str]:
    lines = [f"{'country':<11} {'states':>6} {'GDP/week':>9} {'treasury':>10} {'army':>6} {'bankrupt':>8}  strategies"]
    for row in summary(realm):
        strategies = ", ".join(row["strategies"].values())
        state = "annexed" if row["eliminated"] else ""
        lines.append(f"{row['country']:<11} {row['states']:>6} {row['gdp']:>9.0f} {row['treasury']:>10.0f} "
                     f"{row['army']:>6.1f} {row['bankruptcies']:>8}  {strategies} {state}".rstrip())
    return lines


def run_world(spec: WorldSpec, run_dir: Path, echo: Callable[[str], None], config_text: str = "") -> WorldState:
    """Simulate ``spec.years`` years, print the chronicle and a summary, write the run directory."""
    realm = build_world(spec)
    run(realm, spec.years * 52)
    run_dir.mkdir(parents=True, exist_ok=True)
    if config_text:
        (run_dir / "config.yaml").write_text(config_text, encoding="utf-8")
    chronicle = realm.chronicle.text()
    (run_dir / "chronicle.txt").write_text(chronicle, encoding="utf-8")
    realm.series.write_csv(run_dir / "series.csv")
    (run_dir / "summary.json").write_text(json.dumps(summary(realm), indent=2, default=float) + "\n", encoding="utf-8")
    plot = realm.series.plot(run_dir / "plots" / "realm.png", title=f"realm, seed {spec.seed}, {spec.years} years")
    echo(chronicle.rstrip("\n"))
    echo("")
    for line in _summary_lines(realm):
        echo(line)
    echo("")
    echo(f"chronicle: {run_dir / 'chronicle.txt'} ({len(realm.chronicle)} entries); plots: {plot}")
    return realm


def find_country(countries: int, name: str) -> int:
    """The index of a country given by name or tag (case-insensitive) or index; a clear error lists the names."""
    names, tags = country_names(countries), country_tags(countries)
    for i, known in enumerate(names):
        if name.lower() in (known.lower(), tags[i].lower()) or name == str(i):
            return i
    raise ConfigError(f"unknown country {name!r}; countries: {', '.join(f'{n} ({t})' for n, t in zip(names, tags))}")


def explain_at(spec: WorldSpec, country: str, date: str) -> list[dict[str, Any]]:
    """Explanations of ``country``'s decisions and rolls in the week of ISO ``date`` (or its last week with any before).

    The world is simulated from the start to that week; the same spec gives the same history as the run
    (:class:`~gaikit.plugins.games.realm.explain_records.WeekCollector` says what is shown).
    """
    try:
        target = week_of(date)
    except ValueError:
        raise ConfigError(f"--date {date!r}: expected an ISO date such as 1850-03-01") from None
    if not 0 <= target <= spec.years * 52:
        raise ConfigError(f"--date {date}: outside the simulated years {date_of(0)} .. {date_of(spec.years * 52)}")
    collector = WeekCollector(find_country(spec.countries, country), target, budget_note)
    realm = build_world(spec, collector)
    collector.realm = realm
    run(realm, target)
    return collector.records(realm, date_of)


def budget_note(note: Mapping[str, Any]) -> str:
    """One line on the budget behind a spending decision (empty for other decisions)."""
    if note.get("budget") == "increase":
        tiers = ", ".join(f"{t} > {v:.3g}" for t, v in note["thresholds"].items())
        left = ", ".join(f"{k} {v:.3g}" for k, v in note["left"].items())
        saving = (f" Saving for {note['saving_for']}: its tier is within the budget but not yet its cost, and a "
                  f"lower tier is never bought before a higher one." if note.get("saving_for") else "")
        return (f"budget: surplus {note['surplus']:.3g} of income before costs; an option is affordable at its tier "
                f"when the surplus left after its own cost beats the tier's threshold ({tiers}; must-have always); "
                f"only the highest tier within the budget may be bought. Left after each: {left}.{saving}")
    if note.get("budget") == "decrease":
        return (f"budget: recurring surplus {note['surplus']:.3g} of income; tiers that may be cut now: "
                f"{', '.join(note['cuts'])} (lowest first; must-have never)")
    return ""


class RealmWorld(World):
    """Realm simulated whole: every country a strategy engine (``gaikit run realm --agent strategy``)."""

    name = "realm"

    def __init__(self, config: RealmConfig) -> None:
        self.config = check_player(config)

    def spec(self, config: RunConfig) -> WorldSpec:
        """The world a run config describes (game options, strategy file, mods and rules, train seed)."""
        cfg = self.config
        return WorldSpec(
            seed=config.train.seed, years=cfg.years, countries=cfg.countries, states_per_country=cfg.states_per_country,
            player=cfg.player, rules={**cfg.rules, **config.strategy.rules}, file=config.strategy.file,
            mods=[*cfg.mods, *config.strategy.mods], forecast=cfg.forecast, history=cfg.history,
        )

    def run(self, config: RunConfig, run_dir: Path, echo: Callable[[str], None]) -> int:
        """Simulate ``game.years`` years, print the chronicle and a summary, write the run directory.

        The run's strategy file, mods and history are copied into the run directory first, with their
        hashes (:mod:`gaikit.strategies.run_files`); a run that fails leaves no directory behind.
        """
        created = not run_dir.exists()
        try:
            store_run_files(config, run_dir)
            run_world(self.spec(config), run_dir, echo, config_text=config.to_yaml())
        except BaseException:
            if created:
                shutil.rmtree(run_dir, ignore_errors=True)
            raise
        return 0

    def explain_decisions(self, config: RunConfig, actor: str, date: str) -> list[dict[str, Any]]:
        """Explanations of country ``actor``'s decisions in the week of ``date``."""
        return explain_at(self.spec(config), actor, date)


def make_realm_world(config: RealmConfig) -> RealmWorld:
    """Factory registered as world ``realm``."""
    return RealmWorld(config)


def register_world(register: Register) -> None:
    """Register realm's world (for ``gaikit_register_worlds``)."""
    register("realm", make_realm_world, config=RealmConfig,
             description="the whole realm, every country a strategy agent; --agent strategy simulates it")
