"""Tuned defaults per Gymnasium id and learner (the ``zoo/`` YAML files), with generic fallbacks.

``zoo/<env id>__<learner>.yaml`` holds one entry, its values taken from
rl-baselines3-zoo's ``hyperparams/<algo>.yml`` (each file cites its source)
and mapped to gaikit's option names. An id without an entry falls back to
``zoo/generic__<learner>.yaml`` where one exists (SB3's defaults for
``sac``/``tqc``: the ``gaussian`` selector, never epsilon-greedy); ``ddqn``
has no generic file, since the gymnasium game's own defaults are DDQN's.
These layers lie between the game defaults and the user's ``--config``.
"""

from __future__ import annotations

import re
from pathlib import Path

ZOO_DIR = Path(__file__).with_name("zoo")


def zoo_file_name(env_id: str, learner: str) -> str:
    """The entry's file name, e.g. ``Pendulum-v1__sac.yaml`` (characters outside ``[A-Za-z0-9._-]`` become ``-``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", env_id)
    return f"{safe}__{learner}.yaml"


def zoo_defaults_path(env_id: str, learner: str) -> Path | None:
    """The zoo entry for ``env_id`` and ``learner``, else the learner's generic defaults, else ``None``."""
    for name in (zoo_file_name(env_id, learner), zoo_file_name("generic", learner)):
        path = ZOO_DIR / name
        if path.is_file():
            return path
    return None


def zoo_entries() -> list[tuple[str, str]]:
    """Every ``(env id, learner)`` with its own entry (the generic fallbacks excluded)."""
    pairs = [tuple(p.stem.split("__", 1)) for p in sorted(ZOO_DIR.glob("*__*.yaml"))]
    return [(env, learner) for env, learner in pairs if env != "generic"]
