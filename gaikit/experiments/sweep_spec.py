"""What a sweep is: seeds, grid axes, the trials they make, and the manifest that pins them down.

``--seeds 0-9`` / ``0,3,7`` / ``0-4,10`` and ``--grid key=v1,v2`` (repeatable)
are parsed here; their cross product is the list of :class:`Trial`. The
:class:`SweepSpec` is written to ``EXP_DIR/experiment.json`` so that a rerun
(or ``gaikit sweep --resume EXP_DIR``) can tell the same sweep from a different one.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from gaikit.core.config import MAX_SEED
from gaikit.core.errors import ConfigError
from gaikit.experiments.manifest import first_difference

#: The manifest file of an experiment directory.
MANIFEST_FILE = "experiment.json"
#: The copy of ``--config`` every trial reads (so ``--resume EXP_DIR`` does not need the original file).
BASE_CONFIG_FILE = "base_config.yaml"
#: Where each trial's output (``<trial>.log``) and outcome (``<trial>.status.json``) go.
LOGS_DIR = "logs"
#: Most trials one sweep may hold (seeds times grid cells); more is almost surely a typo such as ``0-100000``.
MAX_TRIALS = 1000
#: Manifest format version.
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Trial:
    """One independent run of a sweep: its seed, its grid cell (``{"learner.lr": "0.001"}``) and its name.

    ``name`` is the run directory relative to the experiment directory
    (``seed_3`` or ``learner.lr=0.001/seed_3``).
    """

    name: str
    seed: int
    cell: dict[str, str] = field(default_factory=dict)

    def overrides(self) -> list[str]:
        """The cell as ``--set`` strings."""
        return [f"{key}={value}" for key, value in self.cell.items()]


@dataclass
class SweepSpec:
    """Everything that decides a sweep's trials and their configs (what ``experiment.json`` compares).

    ``config_sha256`` is the hash of the ``--config`` file's bytes, so an
    edited file is a different sweep.
    """

    game: str
    seeds: list[int]
    grid: list[tuple[str, list[str]]]
    overrides: list[str]
    choices: dict[str, str | None]
    steps: int | None
    envs: int | None
    config: str | None
    config_sha256: str | None

    def trials(self) -> list[Trial]:
        """The cross product, grid cells outermost, seeds innermost."""
        keys = [key for key, _ in self.grid]
        cells = [dict(zip(keys, values)) for values in itertools.product(*(vals for _, vals in self.grid))]
        names = _cell_names(cells)
        return [Trial(f"{cell_name}/seed_{seed}" if cell_name else f"seed_{seed}", seed, cell)
                for cell, cell_name in zip(cells, names) for seed in self.seeds]

    def to_json(self) -> dict[str, Any]:
        """The manifest's ``spec`` object."""
        data = asdict(self)
        data["grid"] = [[key, list(values)] for key, values in self.grid]
        return data

    @classmethod
    def from_json(cls, data: Any, where: Path) -> "SweepSpec":
        """The spec stored in a manifest; a damaged one is one clear error."""
        try:
            spec = cls(**{**data, "grid": [(str(k), [str(v) for v in vals]) for k, vals in data["grid"]]})
        except (TypeError, KeyError, ValueError):
            raise ConfigError(f"{where}: 'spec' is not a sweep description this gaikit wrote") from None
        return spec


def parse_seeds(text: str) -> list[int]:
    """``0-9``, ``3``, ``0,2,5`` or ``0-4,10`` -> distinct seeds in order; anything else is one clear error."""
    seeds: list[int] = []
    for part in text.split(","):
        item = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", item)
        if not match:
            why = "seeds are whole numbers of at least 0" if item.startswith("-") else "expected N or A-B"
            raise ConfigError(f"--seeds {text!r}: {item!r} is not a seed or range ({why}, e.g. 0-9 or 0,3,7)")
        low, high = int(match.group(1)), int(match.group(2) if match.group(2) is not None else match.group(1))
        if high < low:
            raise ConfigError(f"--seeds {text!r}: range {item} ends before it starts (write {high}-{low})")
        if high > MAX_SEED:
            raise ConfigError(f"--seeds {text!r}: seed {high} is above the largest seed, {MAX_SEED}")
        if high - low + 1 > MAX_TRIALS:
            raise ConfigError(f"--seeds {text!r}: {high - low + 1:,} seeds; a sweep holds at most {MAX_TRIALS:,} trials")
        seeds.extend(range(low, high + 1))
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ConfigError(f"--seeds {text!r}: seed {repeated[0]} is given twice")
    return seeds


def split_values(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: ``0.1,[64,64]`` -> ``["0.1", "[64,64]"]``."""
    values, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            values.append(text[start:i])
            start = i + 1
    values.append(text[start:])
    return [value.strip() for value in values]


def parse_grid(items: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``["learner.lr=0.001,0.0005", ...]`` -> ``[("learner.lr", ["0.001", "0.0005"]), ...]`` (syntax only)."""
    grid: list[tuple[str, list[str]]] = []
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--grid {item!r}: expected section.field=v1,v2,... (e.g. learner.lr=0.001,0.0005)")
        if "." not in key:
            raise ConfigError(f"--grid {item!r}: {key!r} is not a config path; expected section.field "
                              "(e.g. learner.lr, train.batch_size)")
        values = split_values(raw)
        if not raw.strip() or any(not value for value in values):
            raise ConfigError(f"--grid {item!r}: empty value; expected {key}=v1,v2,... with no empty entries")
        if len(set(values)) < len(values):
            raise ConfigError(f"--grid {item!r}: a value is given twice")
        if key in (k for k, _ in grid):
            raise ConfigError(f"--grid {item!r}: {key} is already a grid axis; give all its values in one --grid")
        grid.append((key, values))
    return grid


def check_size(seeds: Sequence[int], grid: Sequence[tuple[str, list[str]]]) -> None:
    """At most :data:`MAX_TRIALS` trials."""
    total = len(seeds)
    for _, values in grid:
        total *= len(values)
    if total > MAX_TRIALS:
        raise ConfigError(f"--seeds and --grid make {total:,} trials; a sweep holds at most {MAX_TRIALS:,}")


def spec_difference(old: SweepSpec, new: SweepSpec) -> str | None:
    """The first field where two specs differ, as ``field: old -> new``; ``None`` if they are equal."""
    return first_difference(old.to_json(), new.to_json(), ignore=("config",))  # its content (config_sha256) counts


def _cell_names(cells: list[dict[str, str]]) -> list[str]:
    """A directory name per grid cell (``learner.lr=0.001,train.batch_size=64``); unique, file-name safe."""
    names: list[str] = []
    for cell in cells:
        text = ",".join(f"{key}={value}" for key, value in cell.items())
        name = re.sub(r"[^A-Za-z0-9._=,+-]+", "_", text)
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names
