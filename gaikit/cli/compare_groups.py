"""Runs grouped by configuration (seeds pooled) and each run's scores, for ``gaikit compare --by-config``.

A *run* is a directory written by ``gaikit run`` (``config.yaml``,
``episodes.csv``, ``metrics.jsonl``); a directory that holds run
directories (a sweep's experiment directory) stands for all of them.
Runs whose ``config.yaml`` is equal apart from :data:`POOLED_FIELDS` (the
seed and bookkeeping that does not change what is learned) and the game's
id form one group; the game is the *task* a score belongs to. ``--group
NAME=DIR,DIR`` names a group by hand.

Each run has up to two scores, each labelled with its :class:`Source`:
``eval``, the mean return of its last greedy evaluation (``metrics.jsonl``),
and ``train``, the mean return of its last ``window`` training episodes
(``episodes.csv``). :class:`SourceReport` holds one source's statistics
(:mod:`gaikit.cli.compare_group_report` computes them).
"""

from __future__ import annotations

import copy
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from gaikit.core.compare import load_run, read_failure
from gaikit.core.console import warn
from gaikit.core.errors import GaikitError
from gaikit.core.eval_episodes import read_evaluations
from gaikit.core.metrics import EPISODES_FILE, METRICS_FILE
from gaikit.core.statistics import Estimate, Profile
from gaikit.core.yamlio import load_yaml_file

CONFIG_FILE = "config.yaml"
#: Config fields that differ between runs of one group: the seed and files/logging that leave learning unchanged.
POOLED_FIELDS = (
    ("train", "seed"),
    ("train", "checkpoint_every"),
    ("train", "keep_checkpoints"),
    ("train", "log_every"),
)
#: Games whose ALE id is not in their config: the dedicated game plugins (``AsterixGame.env_id``; not imported
#: here, which would load the emulator just to compare files).
GAME_IDS = {"asterix": "ALE/Asterix-v5"}
#: Score sources, in the order reports show them.
SOURCES = ("eval", "train")


@dataclass
class Run:
    """One run directory: its game, seed, the config it is grouped by, and its scores by source."""

    path: Path
    game: str
    seed: int | None
    key: str
    config: dict[str, Any]
    scores: dict[str, float] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    """Runs pooled into one group, in the order given."""

    name: str
    runs: list[Run]

    def games(self) -> list[str]:
        """The games the group's runs play, sorted."""
        return sorted({run.game for run in self.runs})

    def task_scores(self, source: str, games: Sequence[str]) -> list[np.ndarray]:
        """Per game of ``games``, the scores of this group's runs from ``source``."""
        return [np.array([r.scores[source] for r in self.runs if r.game == g], dtype=np.float64) for g in games]


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` looks like a directory written by ``gaikit run``."""
    return (path / CONFIG_FILE).is_file() or (path / EPISODES_FILE).is_file()


def expand_run_dirs(paths: Sequence[Path]) -> list[Path]:
    """Run directories as given; a directory of run directories (a sweep) becomes its runs, sorted."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            raise GaikitError(f"{path}: no such run directory")
        if is_run_dir(path):
            found.append(path)
            continue
        inner = _runs_under(path)
        if not inner:
            raise GaikitError(
                f"{path}: neither a run directory ({CONFIG_FILE}, {EPISODES_FILE}) nor a directory of run directories"
            )
        found.extend(inner)
    return found


def _runs_under(path: Path) -> list[Path]:
    """Run directories below ``path``, sorted: ``seed_N/`` of a sweep, or ``<grid cell>/seed_N/`` of a grid sweep."""
    found: list[Path] = []
    for inner in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found.extend([inner] if is_run_dir(inner) else _runs_under(inner))
    return found


def game_id(config: Mapping[str, Any]) -> str:
    """The game a run plays: ``game.options.env_id`` if set (``ALE/Breakout-v5``), else the game's own id."""
    game = config.get("game") or {}
    options = game.get("options") or {}
    if options.get("env_id"):
        return str(options["env_id"])
    name = str(game.get("name", "unknown"))
    return GAME_IDS.get(name, name)


def group_key(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` without :data:`POOLED_FIELDS` and the game's id: what runs of one group share."""
    key = copy.deepcopy(dict(config))
    for section, name in POOLED_FIELDS:
        if isinstance(key.get(section), dict):
            key[section].pop(name, None)
    options = (key.get("game") or {}).get("options")
    if isinstance(options, dict):
        options.pop("env_id", None)
    return key


def read_run(path: Path) -> Run:
    """A run's game, seed and grouping key from its ``config.yaml``."""
    config_path = path / CONFIG_FILE
    if not config_path.is_file():
        raise GaikitError(f"{path}: no {CONFIG_FILE}; grouping by config needs runs written by gaikit run "
                          "(or name groups with --group NAME=DIR,DIR)")
    config, _ = load_yaml_file(config_path)
    if not isinstance(config, dict) or not isinstance(config.get("game"), dict):
        raise GaikitError(f"{config_path}: expected a run config (a mapping with a game: section)")
    seed = (config.get("train") or {}).get("seed")
    key = json.dumps(group_key(config), sort_keys=True, default=str)
    return Run(path, game_id(config), seed if isinstance(seed, int) else None, key, config)


def read_loose_run(path: Path) -> Run:
    """A run of a ``--group``: its config if it has one, else an unnamed game."""
    if (path / CONFIG_FILE).is_file():
        return read_run(path)
    return Run(path, "unknown", None, "", {})


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay whole); component ``options`` levels are dropped."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, Any] = {}
    for name, inner in value.items():
        path = prefix if name == "options" else (f"{prefix}.{name}" if prefix else str(name))
        flat.update(_flatten(inner, path))
    return flat


def group_names(keys: Sequence[str]) -> list[str]:
    """A readable name per distinct config: the fields where the configs differ (``learner.lr=0.001``)."""
    flats = [_flatten(json.loads(key)) for key in keys]
    if len(flats) == 1:
        learner = flats[0].get("learner.name") or flats[0].get("agent") or "runs"
        return [str(learner)]
    paths = sorted({p for flat in flats for p in flat})
    differing = [p for p in paths if len({json.dumps(flat.get(p), sort_keys=True) for flat in flats}) > 1]
    differing = [p for p in differing if not p.endswith(".name")] + [p for p in differing if p.endswith(".name")]
    if 0 < len(differing) <= 3:
        names = [", ".join(f"{p}={json.dumps(flat.get(p))}" for p in differing) for flat in flats]
        if len(set(names)) == len(names):
            return names
    return [f"config-{i + 1}" for i in range(len(flats))]


def parse_group(text: str) -> tuple[str, list[Path]]:
    """``NAME=DIR,DIR,...`` -> the name and the directories; a clear error for anything else."""
    name, sep, dirs = text.partition("=")
    paths = [Path(d.strip()) for d in dirs.split(",") if d.strip()]
    if not sep or not name.strip() or not paths:
        raise GaikitError(f"--group {text!r}: expected NAME=DIR,DIR,... (a name, '=', run directories)")
    return name.strip(), paths


def build_groups(run_dirs: Sequence[Path], explicit: Sequence[str] = ()) -> list[Group]:
    """Positional runs grouped by config, then the ``--group NAME=DIR,...`` groups; a run may be in one only."""
    groups: list[Group] = []
    seen: dict[Path, str] = {}
    runs = [read_run(path) for path in expand_run_dirs(list(run_dirs))]
    keys = list(dict.fromkeys(run.key for run in runs))
    for key, name in zip(keys, group_names(keys) if keys else []):
        groups.append(Group(name, [run for run in runs if run.key == key]))
    for text in explicit:
        name, paths = parse_group(text)
        groups.append(Group(name, [read_loose_run(path) for path in expand_run_dirs(paths)]))
    names = [g.name for g in groups]
    for name in names:
        if names.count(name) > 1:
            raise GaikitError(f"group name {name!r} is used twice; give each --group its own name")
    for group in groups:
        for run in group.runs:
            where = run.path.resolve()
            if where in seen:
                raise GaikitError(f"{run.path}: in group {seen[where]} and in group {group.name}; a run belongs to one")
            seen[where] = group.name
    if not groups:
        raise GaikitError("compare needs at least one run directory")
    for group in groups:
        seeds = [(run.game, run.seed) for run in group.runs if run.seed is not None]
        repeated = sorted({pair for pair in seeds if seeds.count(pair) > 1}, key=str)
        if repeated:
            warn(f"group {group.name}: seed {repeated[0][1]} on {repeated[0][0]} appears in more than one run; "
                 "repeats of one seed are not independent samples and narrow the intervals")
    return groups


def last_evaluation(path: Path, until: int | None) -> tuple[float, int, int] | str:
    """``(mean return, episodes, step)`` of the run's last greedy evaluation (by step ``until``), or why none."""
    if not (path / METRICS_FILE).is_file():
        return f"no {METRICS_FILE}"
    evaluations = read_evaluations(path, until)
    for evaluation in evaluations:
        if not evaluation.returns or evaluation.non_finite():
            raise GaikitError(f"{path / METRICS_FILE}:{evaluation.line}: evaluation without finite returns "
                              f"(\"returns\": {list(evaluation.returns)!r})")
    if not evaluations:
        return "no greedy evaluation" + (f" by step {until:,}" if until is not None else "")
    last = evaluations[-1]
    return float(np.mean(last.returns)), len(last.returns), last.step


def load_scores(groups: Sequence[Group], window: int, until: int | None) -> dict[str, str]:
    """Fill each run's ``eval`` and ``train`` scores; returns each source's label for the reports."""
    evaluated: set[int] = set()
    for group in groups:
        for run in group.runs:
            try:
                evaluation = last_evaluation(run.path, until)
            except (UnicodeDecodeError, OSError) as exc:
                raise GaikitError(f"{run.path / METRICS_FILE}: cannot read: {read_failure(exc)}") from None
            if isinstance(evaluation, str):
                run.missing["eval"] = evaluation
            else:
                run.scores["eval"] = evaluation[0]
                evaluated.add(evaluation[1])
            try:
                episodes = load_run(run.path, until=until)
            except (UnicodeDecodeError, csv.Error, OSError) as exc:
                raise GaikitError(f"{run.path / EPISODES_FILE}: cannot read: {read_failure(exc)}") from None
            run.scores["train"] = float(episodes.returns[-window:].mean())
    episodes_text = "/".join(str(n) for n in sorted(evaluated)) or "no"
    budget = f" by env step {until:,}" if until is not None else ""
    return {
        "eval": f"eval: mean return of each run's last greedy evaluation{budget} ({episodes_text} episodes)",
        "train": f"train: mean return of each run's last {window} training episodes{budget} (exploring policy)",
    }


@dataclass
class SourceReport:
    """The statistics of one score source for every group."""

    source: str
    label: str
    games: list[str]
    scale: str
    metrics: list[str]
    target: float | None
    scores: dict[str, list[np.ndarray]]
    estimates: dict[str, dict[str, Estimate]]
    improvements: list[tuple[str, str, Estimate]]
    profiles: dict[str, Profile]
