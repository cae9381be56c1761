"""``gaikit sweep``: seeds (times a grid) of independent gaikit runs on Ray, under one experiment directory.

A thin layer over :mod:`gaikit.experiments` (which runs :func:`gaikit.train`
per trial); ``docs/sweeps.md`` describes the layout, resuming and clusters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.options import component_option, config_option, max_concurrent_option, ray_address_option, set_option
from gaikit.cli.experiment_dirs import default_exp_dir, refuse_settings_with_resume
from gaikit.core.config import TrainConfig
from gaikit.core.errors import ConfigError
from gaikit.experiments.sweep import run_sweep
from gaikit.experiments.sweep_setup import read_spec
from gaikit.experiments.manifest import file_sha256
from gaikit.experiments.sweep_spec import SweepSpec, check_size, parse_grid, parse_seeds
from gaikit.resolve import field_help


@app.command("sweep")
def sweep_command(
    game: Optional[str] = typer.Argument(None, help="A gaikit game or any Gymnasium id, e.g. CartPole-v1."),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="Seeds to run: 0-9, 0,3,7 or 0-4,10."),
    grid: Optional[list[str]] = typer.Option(
        None, "--grid", help="A grid axis section.field=v1,v2,... (repeatable; trials are the cross product)."),
    config: Optional[Path] = config_option(),
    set_: Optional[list[str]] = set_option("for every trial"),
    agent: Optional[str] = component_option("agent"),
    encoder: Optional[str] = component_option("encoder"),
    learner: Optional[str] = component_option("learner"),
    memory: Optional[str] = component_option("memory"),
    selector: Optional[str] = component_option("selector"),
    steps: Optional[int] = typer.Option(None, "--steps", help=field_help(TrainConfig, "steps")),
    envs: Optional[int] = typer.Option(None, "--envs", help=field_help(TrainConfig, "envs")),
    out: Optional[Path] = typer.Option(None, "--out", help="Experiment directory (default sweeps/<game>[-<learner>])."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue the sweep in this experiment directory."),
    ray_address: Optional[str] = ray_address_option(),
    max_concurrent: Optional[int] = max_concurrent_option(),
) -> int:
    """Run GAME once per seed (and grid cell) as independent runs on Ray; rerun to resume."""
    if resume is not None:
        given = {"GAME": game, "--seeds": seeds, "--grid": grid, "--config": config, "--set": set_, "--agent": agent,
                 "--encoder": encoder, "--learner": learner, "--memory": memory, "--selector": selector,
                 "--steps": steps, "--envs": envs, "--out": out}
        refuse_settings_with_resume("sweep", given)
        return _run(read_spec(resume), resume, True, ray_address, max_concurrent)
    if game is None:
        raise ConfigError("missing GAME (e.g. gaikit sweep CartPole-v1 --seeds 0-9), or pass --resume EXP_DIR")
    if seeds is None:
        raise ConfigError("missing --seeds (e.g. --seeds 0-9)")
    seed_list, axes = parse_seeds(seeds), parse_grid(grid or [])
    check_size(seed_list, axes)
    if config is not None and not config.is_file():
        raise ConfigError(f"--config {config}: no such file")
    spec = SweepSpec(
        game=game, seeds=seed_list, grid=axes, overrides=list(set_ or []),
        choices={"agent": agent, "encoder": encoder, "learner": learner, "memory": memory, "selector": selector},
        steps=steps, envs=envs, config=None if config is None else str(config.resolve()),
        config_sha256=None if config is None else file_sha256(config),
    )
    exp_dir = out if out is not None else default_exp_dir("sweeps", game, learner)
    return _run(spec, exp_dir, False, ray_address, max_concurrent)


def _run(spec: SweepSpec, exp_dir: Path, resuming: bool, ray_address: Optional[str],
         max_concurrent: Optional[int]) -> int:
    """Run the sweep; exit code 0 when every trial finished, 1 when any did not, 130 after Ctrl-C."""
    try:
        result = run_sweep(spec, exp_dir, resuming=resuming, ray_address=ray_address,
                           max_concurrent=max_concurrent, echo=typer.echo)
    except KeyboardInterrupt:
        typer.echo(f"sweep interrupted; continue it with: gaikit sweep --resume {exp_dir}")
        return 130
    return 1 if result.failed else 0
