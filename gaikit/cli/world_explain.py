"""``gaikit explain ... --country C --date D``: one country's decisions on a date in a simulated world.

For games that simulate a whole world of strategy agents (``realm``): the
world is simulated again from its run config (``RUN_DIR/config.yaml``, with
the run's stored copies of its strategy file, mods and history) or
from ``--game`` with ``--seed``/``--mod``/``--rule``, up to the week of the
date, and that country's decisions of that week (or of its last week with
decisions before it) are explained. Games offer this by registering a world
(``gaikit_register_worlds``, contract :class:`gaikit.core.world.World`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.build import build_world
from gaikit.core.config import RunConfig, load_resolved_config
from gaikit.core.errors import CheckpointError, ConfigError
from gaikit.core.console import warn
from gaikit.core.registry import get_registry
from gaikit.strategies.run_files import use_stored_files


def _config(run_dir: Optional[Path], game: Optional[str], seed: int, strategy: Optional[str],
            mods: list[str], rules: list[str]) -> RunConfig:
    registry = get_registry()
    if run_dir is not None:
        path = run_dir / "config.yaml"
        if not path.is_file():
            raise CheckpointError(f"{run_dir}: not a gaikit run directory (config.yaml is missing)")
        return use_stored_files(load_resolved_config(path), run_dir, warn)  # the run's own copies of its mods
    return resolve_cli_config(
        registry, str(game), config_file=None, choices={"agent": "strategy"},
        train_flags={"--steps": None, "--seed": seed, "--envs": None},
        overrides=[f"strategy.rules.{r}" for r in rules], strategy_file=strategy, mods=mods,
    )


def world_records(run_dir: Optional[Path], game: Optional[str], country: Optional[str], date: Optional[str],
                  seed: int, strategy: Optional[str], mods: list[str], rules: list[str]) -> list[dict[str, Any]]:
    """The explained decisions of ``country`` on ``date`` (both required)."""
    if country is None or date is None:
        raise ConfigError("give both --country NAME and --date YYYY-MM-DD")
    config = _config(run_dir, game, seed, strategy, mods, rules)
    registry = get_registry()
    if config.game.name not in registry.names("worlds"):
        raise ConfigError(f"game {config.game.name!r} does not simulate a world; --country/--date work for world games such as realm")
    return list(build_world(config, registry).explain_decisions(config, country, date))
