"""Random and human reference scores of Atari games, for human-normalised scores.

The table, its source and what was left out are in
``atari_reference_scores.yaml`` beside this module (docs/statistics.md).
A game is named by its ALE id (``ALE/Breakout-v5``) or the name inside it
(``Breakout``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from gaikit.core.errors import GaikitError

REFERENCE_FILE = Path(__file__).with_name("atari_reference_scores.yaml")
_ALE_ID = re.compile(r"^ALE/([A-Za-z0-9]+)-v\d+$")


@dataclass(frozen=True)
class Reference:
    """One game's random-agent and human scores: they map to 0 and 1 after normalisation."""

    game: str
    random: float
    human: float


@lru_cache(maxsize=1)
def atari_references() -> dict[str, Reference]:
    """Every game of :data:`REFERENCE_FILE`, by its ALE name (``Breakout``)."""
    table = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))["scores"]
    return {name: Reference(name, float(row["random"]), float(row["human"])) for name, row in table.items()}


def ale_name(game: str) -> str:
    """``ALE/Breakout-v5`` -> ``Breakout``; any other string is returned as it is."""
    match = _ALE_ID.match(game)
    return match.group(1) if match else game


def human_reference(game: str) -> Reference:
    """The reference scores of ``game`` (ALE id or name); a clear error naming the known games otherwise."""
    table = atari_references()
    name = ale_name(game)
    if name not in table:
        raise GaikitError(
            f"game {game}: no human reference score (known: the {len(table)} Atari games of "
            f"{REFERENCE_FILE.name}, e.g. ALE/Breakout-v5); human normalisation is for Atari games only"
        )
    return table[name]
