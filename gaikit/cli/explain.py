"""``gaikit explain RUN_DIR | --game G``: why a strategy agent decided what it did.

``RUN_DIR`` prints the records a strategy run wrote to ``explain.jsonl``
(decisions and strategy changes), filtered with ``--where key=value`` and
``--last N``. ``--game G`` plays a few steps of G with its strategy agent
right now and explains each decision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.resolve import resolve_cli_config
from gaikit.cli.world_explain import world_records
from gaikit.core.build import build_run
from gaikit.core.errors import CheckpointError, ConfigError
from gaikit.core.explain_log import EXPLAIN_FILE
from gaikit.core.jsonl import jsonl_rows
from gaikit.core.registry import get_registry
from gaikit.strategies.explain import format_record


def read_records(run_dir: Path) -> list[dict[str, Any]]:
    """Every record of ``run_dir/explain.jsonl``; a missing file or bad line is a clear error."""
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: run directory not found")
    path = run_dir / EXPLAIN_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: no {EXPLAIN_FILE}; only strategy runs (--agent strategy) explain their decisions")
    records = []
    for number, record in jsonl_rows(path, noun="JSON record", error=CheckpointError):
        if not isinstance(record, dict):
            raise CheckpointError(f"{path}:{number}: expected a JSON object")
        records.append(record)
    return records


def _matches(record: dict[str, Any], where: list[tuple[str, str]]) -> bool:
    return all(str(record.get(key)) == value for key, value in where)


def _parse_where(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--where {item!r}: expected key=value, e.g. decision=move or env=0")
        out.append((key.strip(), value.strip()))
    return out


def _play(game: str, steps: int, seed: int, strategy: Optional[str], mods: list[str], rules: list[str]) -> list[dict[str, Any]]:
    registry = get_registry()
    overrides = [f"strategy.rules.{r}" for r in rules]
    config = resolve_cli_config(
        registry, game, config_file=None, choices={"agent": "strategy"},
        train_flags={"--steps": None, "--seed": seed, "--envs": 1}, overrides=overrides,
        strategy_file=strategy, mods=mods,
    )
    built = build_run(config, registry)
    records: list[dict[str, Any]] = []
    try:
        agent = built.agent
        bind = getattr(agent, "bind_envs", None)
        if bind is not None:
            bind(getattr(built.envs.unwrapped, "envs", None))
        obs, _ = built.envs.reset(seed=seed)
        for step in range(steps):
            actions = agent.act(obs, step)
            explained = agent.explain() or {}
            for i, decision in enumerate(explained.get("decisions", [])):
                records.append({"step": step, "env": i, **decision})
            obs, *_ = built.envs.step(actions)
    finally:
        built.envs.close()
    return records


@app.command("explain")
def explain_command(
    run_dir: Optional[Path] = typer.Argument(None, help="A strategy run's directory (reads explain.jsonl)."),
    game: Optional[str] = typer.Option(None, "--game", help="Play GAME with its strategy agent and explain now."),
    steps: int = typer.Option(1, "--steps", help="With --game: decisions to play and explain."),
    seed: int = typer.Option(0, "--seed", help="With --game: seed of the env and the agent."),
    strategy: Optional[str] = typer.Option(None, "--strategy", help="With --game: strategy file instead of the shipped one."),
    mod: Optional[list[str]] = typer.Option(None, "--mod", help="With --game: mod directory (repeatable)."),
    rule: Optional[list[str]] = typer.Option(None, "--rule", help="With --game: game rule RULE=PRESET (repeatable)."),
    where: Optional[list[str]] = typer.Option(None, "--where", help="Only records with key=value (repeatable)."),
    last: Optional[int] = typer.Option(None, "--last", help="Only the last N matching records."),
    values: bool = typer.Option(False, "--values", help="Also print the resolved strategy values."),
    as_json: bool = typer.Option(False, "--json", help="Print the records as JSON lines."),
    country: Optional[str] = typer.Option(None, "--country", help="World games (realm): the country whose decisions to explain."),
    date: Optional[str] = typer.Option(None, "--date", help="With --country: the date (YYYY-MM-DD) whose week to explain."),
) -> int:
    """Print the explained decisions of RUN_DIR, or of a few steps of --game G."""
    if (run_dir is None) == (game is None):
        raise ConfigError("give either RUN_DIR or --game GAME")
    if steps <= 0:
        raise ConfigError(f"--steps {steps}: expected a number of decisions > 0")
    if last is not None and last <= 0:
        raise ConfigError(f"--last {last}: expected a number of records > 0")
    filters = _parse_where(where or [])
    if country is not None or date is not None:
        records = world_records(run_dir, game, country, date, seed, strategy, mod or [], rule or [])
    elif run_dir is not None:
        records = read_records(run_dir)
    else:
        records = _play(game, steps, seed, strategy, mod or [], rule or [])  # type: ignore[arg-type]
    records = [r for r in records if _matches(r, filters)]
    if last is not None:
        records = records[-last:]
    if not records:
        typer.echo("no matching records")
        return 0
    for record in records:
        if as_json:
            typer.echo(json.dumps(record))
        else:
            typer.echo(format_record(record, values=values))
            if record.get("note"):
                typer.echo(f"  {record['note']}")
            typer.echo("")
    return 0
