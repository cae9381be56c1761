"""The world contract: a short run writes a run directory, the same config gives the same world, explain answers.

Subclass :class:`WorldContract` and provide two fixtures:

* ``make_world() -> World``: the world, built from options that make a short
  run (a few seconds at most; e.g. realm with ``years: 1``);
* ``run_config``: the :class:`~gaikit.core.config.RunConfig` of that run, as
  ``gaikit run GAME --agent strategy`` resolves it (its ``game`` options are the
  world's options; ``train.seed`` picks the world).

Optionally override ``explain_actor`` (default ``"0"``: actors may be named by
index) and ``explain_date`` (an ISO date inside the simulated time; default:
the middle one of the ISO dates the short run writes to its outputs). The
registered-world suite takes them from :func:`gaikit.testing.spaces.world_sample`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gaikit.core.errors import ConfigError
from gaikit.core.world import World
from gaikit.testing.agent import json_problem
from gaikit.testing.clauses import check, guarded, violation
from gaikit.testing.statecheck import difference

#: An ISO date (YYYY-MM-DD) as worlds write them.
ISO_DATE = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])")
#: Dates no world simulates, and one that is no date.
OUTSIDE_DATES = ("0001-01-01", "9999-12-31")
MALFORMED_DATE = "not-a-date"
#: An actor no world has.
UNKNOWN_ACTOR = "no-such-actor-7f3a"
CONFIG_FILE = "config.yaml"


def run_outputs(run_dir: Path) -> dict[str, bytes]:
    """Every file under ``run_dir`` by relative path, as bytes."""
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()}


def dates_written(run_dir: Path) -> list[str]:
    """Sorted distinct ISO dates in the run's text outputs (``config.yaml`` left out)."""
    found: set[str] = set()
    for name, data in run_outputs(run_dir).items():
        if name == CONFIG_FILE:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary outputs
        found.update(ISO_DATE.findall(text))
    return sorted(found)


class WorldContract:
    """Contract tests for a world (see the module docstring for the fixtures)."""

    @pytest.fixture
    def explain_actor(self) -> str:
        """An actor of the world (default ``"0"``, the first by index)."""
        return "0"

    @pytest.fixture
    def explain_date(self) -> str | None:
        """An ISO date inside the simulated time (``None``: found in the short run's outputs)."""
        return None

    # -- helpers -------------------------------------------------------------

    def build(self, make_world: Any) -> World:
        """A fresh world; a failure violates WORLD-0."""
        world = guarded("WORLD-0", "make_world()", make_world)
        check(isinstance(world, World), "WORLD-0", f"built {type(world).__name__}, not a gaikit World")
        return world

    def run(self, make_world: Any, run_config: Any, run_dir: Path, clause: str) -> list[str]:
        """A fresh world's run into ``run_dir``: exit code 0 and what it printed; an error violates ``clause``."""
        world = self.build(make_world)
        lines: list[str] = []
        code = guarded(clause, "world.run(config, run_dir, echo)", world.run, run_config, run_dir, lines.append)
        check(code == 0 and isinstance(code, int), clause, f"run returned {code!r}, expected exit code 0")
        return lines

    def date(self, make_world: Any, run_config: Any, tmp_path: Path, explain_date: str | None, clause: str) -> str:
        """``explain_date``, or the middle ISO date a short run writes to its outputs."""
        if explain_date is not None:
            return explain_date
        run_dir = tmp_path / "for-a-date"
        self.run(make_world, run_config, run_dir, clause)
        dates = dates_written(run_dir)
        if not dates:
            violation(clause, f"the run wrote no ISO date to {run_dir}, so no date inside the simulated time is known: "
                              "declare one with gaikit.testing.spaces.world_sample(date=...) on the factory "
                              "(or override the explain_date fixture)")
        return dates[len(dates) // 2]

    # -- clauses -------------------------------------------------------------

    def test_world_0_builds(self, make_world: Any) -> None:
        """WORLD-0: the factory gives a :class:`~gaikit.core.world.World`."""
        self.build(make_world)

    def test_world_1_run_writes_a_run_directory(self, make_world: Any, run_config: Any, tmp_path: Path) -> None:
        """WORLD-1: exit code 0; the run directory is created and its ``config.yaml`` is the run config."""
        from gaikit.core.config import load_resolved_config

        run_dir = tmp_path / "run"
        self.run(make_world, run_config, run_dir, "WORLD-1")
        check(run_dir.is_dir(), "WORLD-1", f"the run directory {run_dir} was not created")
        path = run_dir / CONFIG_FILE
        check(path.is_file(), "WORLD-1", f"{CONFIG_FILE} is missing from the run directory "
                                         f"(it holds {sorted(run_outputs(run_dir))}); write config.to_yaml() there")
        saved = guarded("WORLD-1", f"loading {path}", load_resolved_config, path)
        found = difference(saved.model_dump(mode="json"), run_config.model_dump(mode="json"), "config.yaml")
        check(found is None, "WORLD-1", f"{CONFIG_FILE} is not the run config: {found}")

    def test_world_2_same_config_same_world(self, make_world: Any, run_config: Any, tmp_path: Path) -> None:
        """WORLD-2: two runs of one config write the same files and print the same lines."""
        runs = []
        for name in ("first", "second"):
            run_dir = tmp_path / name
            lines = self.run(make_world, run_config, run_dir, "WORLD-2")
            printed = [str(line).replace(str(run_dir), "<run_dir>") for line in lines]
            runs.append((run_outputs(run_dir), printed))
        (files, printed), (again, printed_again) = runs
        check(sorted(files) == sorted(again), "WORLD-2",
              f"the runs wrote different files: {sorted(set(files) ^ set(again))}")
        differing = [name for name in files if files[name] != again[name]]
        check(not differing, "WORLD-2", f"two runs of one config wrote different {differing[0] if differing else ''}")
        found = difference(printed, printed_again, "printed lines")
        check(found is None, "WORLD-2", f"two runs of one config printed differently: {found}")

    def test_world_3_unknown_actor(self, make_world: Any, run_config: Any, tmp_path: Path,
                                   explain_date: str | None) -> None:
        """WORLD-3: asking about an actor the world does not have is a ConfigError that names it."""
        date = self.date(make_world, run_config, tmp_path, explain_date, "WORLD-3")
        world = self.build(make_world)
        try:
            world.explain_decisions(run_config, UNKNOWN_ACTOR, date)
        except ConfigError as exc:
            check(UNKNOWN_ACTOR in str(exc), "WORLD-3", f"the error does not name the actor asked about: {exc}")
            return
        except Exception as exc:
            violation("WORLD-3", f"actor {UNKNOWN_ACTOR!r} on {date}: raised {type(exc).__name__}: {exc}, not ConfigError")
        violation("WORLD-3", f"actor {UNKNOWN_ACTOR!r} on {date}: no error")

    def test_world_4_dates_outside(self, make_world: Any, run_config: Any, explain_actor: str) -> None:
        """WORLD-4: a malformed date, or one outside the simulated time, is a ConfigError."""
        world = self.build(make_world)
        for date in (MALFORMED_DATE, *OUTSIDE_DATES):
            try:
                world.explain_decisions(run_config, explain_actor, date)
            except ConfigError:
                continue
            except Exception as exc:
                violation("WORLD-4", f"date {date!r}: raised {type(exc).__name__}: {exc}, not ConfigError")
            violation("WORLD-4", f"date {date!r}: no error")

    def test_world_5_explains_a_known_actor(self, make_world: Any, run_config: Any, tmp_path: Path,
                                            explain_actor: str, explain_date: str | None) -> None:
        """WORLD-5: a list of JSON-serialisable dict records, the same when asked again."""
        date = self.date(make_world, run_config, tmp_path, explain_date, "WORLD-5")
        answers = []
        for _ in range(2):
            world = self.build(make_world)
            records = guarded("WORLD-5", f"explain_decisions(config, {explain_actor!r}, {date!r})",
                              world.explain_decisions, run_config, explain_actor, date)
            check(isinstance(records, list), "WORLD-5", f"returned {type(records).__name__}, not a list")
            for i, record in enumerate(records):
                check(isinstance(record, dict), "WORLD-5", f"record {i} is a {type(record).__name__}, not a dict")
                problem = json_problem(record)
                check(problem is None, "WORLD-5", f"record {i}: {problem}")
            answers.append(records)
        found = difference(answers[0], answers[1], "records")
        check(found is None, "WORLD-5", f"asked twice about {explain_actor!r} on {date}: {found}")
