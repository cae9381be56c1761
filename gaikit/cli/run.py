"""``gaikit run``: train (or play) an agent on a game, or resume a run exactly.

A thin layer over :mod:`gaikit.resolve` (GAME and flags -> config) and
:mod:`gaikit.training` (run directory, build, run, resume), which
:func:`gaikit.train` shares.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.options import component_option, config_option, ray_address_option, set_option
from gaikit.cli.run_budget import budget_lines
from gaikit.core.build import check_agent_kind
from gaikit.core.config import StrategyConfig, TrainConfig
from gaikit.core.errors import ConfigError
from gaikit.core.registry import get_registry
from gaikit.core.runner import RunResult
from gaikit.resolve import field_help, resolve_cli_config
from gaikit.training import (  # noqa: F401  (CONFIG_FILE, load_run_config... re-exported for the other commands)
    CONFIG_FILE,
    WORLD_AGENT,
    Outcome,
    check_new_run_dir,
    default_run_dir,
    load_run_config,
    resume_run,
    run_dir_errors,
    start_run,
)


def _report(result: RunResult, run_dir: Path, total: int) -> int:
    if result.status == "interrupted":
        typer.echo(f"interrupted at step {result.step:,}/{total:,}; checkpoint written to {result.checkpoint}")
        typer.echo(f"resume with: gaikit run --resume {run_dir}")
        return 128 + (result.signum or signal.SIGINT)  # 130 after Ctrl-C, 143 after SIGTERM
    done = "stopped early after" if result.status == "stopped early" else "finished"  # train.early_stop
    line = f"{done} {result.step:,} steps; checkpoint {result.checkpoint}"
    if result.final_eval:
        e = result.final_eval
        line += f"; final eval mean {e['mean']:.2f} ± {e['std']:.2f} over {e['episodes']} episodes"
    typer.echo(line)
    typer.echo(f"learning curve: {run_dir / 'plots' / 'learning_curve.png'}")
    return 0


def _exit_code(outcome: Outcome, run_dir: Path) -> int:
    if outcome.result is None:  # a simulated world reports itself
        return outcome.exit_code
    return _report(outcome.result, run_dir, outcome.steps)


def _resume(run_dir: Path, steps: Optional[int], given: dict[str, Any], ray_address: str | None = None) -> int:
    extra = [flag for flag, value in given.items() if value not in (None, [], False)]
    if extra:
        raise ConfigError(f"--resume continues a run with its saved config; drop {', '.join(extra)} "
                          "(only --steps may be given, to train longer)")
    outcome = resume_run(run_dir, steps, typer.echo, ray_address)
    return _exit_code(outcome, run_dir)


@app.command("run")
def run_command(
    game: Optional[str] = typer.Argument(None, help="A gaikit game or any Gymnasium id, e.g. CartPole-v1."),
    agent: Optional[str] = component_option("agent"),
    encoder: Optional[str] = component_option("encoder"),
    learner: Optional[str] = component_option("learner"),
    memory: Optional[str] = component_option("memory"),
    selector: Optional[str] = component_option("selector"),
    steps: Optional[int] = typer.Option(None, "--steps", help=field_help(TrainConfig, "steps")),
    seed: Optional[int] = typer.Option(None, "--seed", help=field_help(TrainConfig, "seed")),
    envs: Optional[int] = typer.Option(None, "--envs", help=field_help(TrainConfig, "envs")),
    config: Optional[Path] = config_option(),
    set_: Optional[list[str]] = set_option(),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Run directory (default runs/<game>-<agent>-<time>)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue the run in this directory exactly."),
    strategy: Optional[str] = typer.Option(None, "--strategy", help=field_help(StrategyConfig, "file")),
    mod: Optional[list[str]] = typer.Option(None, "--mod", help=field_help(StrategyConfig, "mods")),
    years: Optional[int] = typer.Option(None, "--years", help="Years to simulate, for games with a 'years' option (realm)."),
    actors: Optional[int] = typer.Option(None, "--actors", help=field_help(TrainConfig, "actors")),
    ray_address: Optional[str] = ray_address_option("with --actors"),
) -> int:
    """Train an agent on GAME (or continue a run with --resume RUN_DIR)."""
    if resume is not None:
        given = {"GAME": game, "--agent": agent, "--encoder": encoder, "--learner": learner, "--memory": memory,
                 "--selector": selector, "--seed": seed, "--envs": envs, "--config": config, "--set": set_,
                 "--run-dir": run_dir, "--strategy": strategy, "--mod": mod, "--years": years, "--actors": actors}
        return _resume(resume, steps, given, ray_address)
    if game is None:
        raise ConfigError("missing GAME (e.g. gaikit run CartPole-v1), or pass --resume RUN_DIR")
    registry = get_registry()
    if agent is not None:
        check_agent_kind(registry, agent)
    if years is not None:
        set_ = [f"game.years={years}", *(set_ or [])]
    choices = {"agent": agent, "encoder": encoder, "learner": learner, "memory": memory, "selector": selector}
    resolved = resolve_cli_config(
        registry, game, config_file=config, choices=choices,
        train_flags={"--steps": steps, "--seed": seed, "--envs": envs, "--actors": actors}, overrides=set_ or [],
        strategy_file=strategy, mods=mod or [],
    )
    target = run_dir if run_dir is not None else default_run_dir(game, resolved)
    check_new_run_dir(target, f"--resume {target}")
    if resolved.agent == "learned":
        for line in budget_lines(resolved):
            typer.echo(line)
    return _exit_code(start_run(resolved, registry, target, typer.echo, ray_address), target)
