"""``gaikit strategy validate FILE...`` and ``gaikit strategy show GAME [--mod DIR]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
import yaml

from gaikit.cli.app import app
from gaikit.core.config import load_resolved_config
from gaikit.core.console import warn
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.registry import get_registry
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.for_game import game_feature_names, load_for_game, registered_strategy_path
from gaikit.strategies.mods import MOD_KEYS, read_yaml
from gaikit.strategies.run_files import use_stored_files

strategy_app = typer.Typer(
    help="Validate and inspect strategy files (the modding surface).", no_args_is_help=True, add_completion=False
)
app.add_typer(strategy_app, name="strategy")


def _summary(s: StrategySet) -> str:
    types = ", ".join(f"{t} ({len(tp.strategies)})" for t, tp in s.types.items()) or "none"
    decisions = ", ".join(f"{d} ({len(dec.options)} options)" for d, dec in s.decisions.items()) or "none"
    return (
        f"{len(s.strategies)} strategies in types {types}; decisions {decisions}; "
        f"{len(s.default_values)} values; {len(s.rules)} rules; {len(s.events)} events"
    )


def _validate_one(path: Path, base: Optional[str]) -> StrategySet:
    registry = get_registry()
    data, _, _ = read_yaml(path)
    game = data.get("game") if isinstance(data.get("game"), str) else None
    if not any(key in data for key in MOD_KEYS):
        return load_for_game(registry, game, path, features=game_feature_names(registry, game) or [])
    # A mod file is validated layered on its base: --base FILE|GAME, else the game it names.
    if base is not None and Path(base).exists():
        return load_for_game(registry, game, base, [path])
    game = base or game
    if game is None:
        raise ConfigError(f"{path}: a mod file (it has {'/'.join(k for k in MOD_KEYS if k in data)}); "
                          "name its game with 'game:' or pass --base FILE|GAME")
    return load_for_game(registry, game, registered_strategy_path(registry, game), [path])


@strategy_app.command("validate")
def validate_command(
    files: list[Path] = typer.Argument(..., help="Strategy or mod files to check."),
    base: Optional[str] = typer.Option(None, "--base", help="For mod files: the base strategy FILE or GAME."),
) -> int:
    """Check strategy files: YAML, schema, names in triggers; errors name file, line and field.

    A mod file (one with 'mode' or 'include') is checked layered on its base.
    """
    failed = 0
    for path in files:
        try:
            strategies = _validate_one(path, base)
        except GaikitError as exc:
            failed += 1
            print(f"gaikit: error: {exc}", file=sys.stderr)
            continue
        for message in strategies.warnings:
            print(f"gaikit: warning: {message}", file=sys.stderr)
        typer.echo(f"ok: {path}: {_summary(strategies)}")
    if failed:
        raise typer.Exit(2)
    return 0


@strategy_app.command("show")
def show_command(
    game: str = typer.Argument(..., help="A game with registered strategies, a strategy file, or a run directory."),
    mod: Optional[list[Path]] = typer.Option(None, "--mod", help="Mod directory or file layered on top (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of YAML."),
) -> int:
    """Print the resolved strategies of GAME after mods (what the agent will run).

    GAME may also be a run directory: its strategies as the run resolved them, from the run's stored
    copies of its strategy file and mods (from any working directory; a changed mod is reported).
    """
    registry = get_registry()
    if (Path(game) / "config.yaml").is_file():
        config = use_stored_files(load_resolved_config(Path(game) / "config.yaml"), Path(game), warn)
        game_mods = config.game.options.get("mods")
        layered = [*(game_mods if isinstance(game_mods, list) else []), *config.strategy.mods, *(mod or [])]
        strategies = load_for_game(registry, config.game.name, config.strategy.file, layered)
    elif Path(game).is_file() or Path(game).is_dir():
        strategies = load_for_game(registry, None, game, mod or [])
    else:
        strategies = load_for_game(registry, game, None, mod or [])
    if as_json:
        typer.echo(json.dumps({"sources": strategies.sources, "warnings": strategies.warnings,
                               "summary": _summary(strategies), "strategies": strategies.raw}, indent=2))
        return 0
    for message in strategies.warnings:
        print(f"gaikit: warning: {message}", file=sys.stderr)
    typer.echo(f"# resolved strategies for {game}: {_summary(strategies)}")
    for source in strategies.sources:
        typer.echo(f"# layer: {source}")
    typer.echo(yaml.safe_dump(strategies.raw, sort_keys=False, allow_unicode=True), nl=False)
    return 0
