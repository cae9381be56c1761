"""``gaikit tune``: hyperparameter search over gaikit runs on Ray Tune (Optuna's TPE, random or grid; ASHA).

A thin layer over :mod:`gaikit.experiments.tune`; ``docs/tuning.md``
describes the space file, the experiment directory, resuming and clusters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.options import component_option, config_option, max_concurrent_option, ray_address_option, set_option
from gaikit.cli.experiment_dirs import default_exp_dir, refuse_settings_with_resume
from gaikit.core.errors import ConfigError
from gaikit.experiments.tune import run_tune
from gaikit.experiments.manifest import file_sha256
from gaikit.experiments.tune_setup import TuneSpec, budget_of, read_spec


@app.command("tune")
def tune_command(
    game: Optional[str] = typer.Argument(None, help="A gaikit game or any Gymnasium id, e.g. CartPole-v1."),
    space: Optional[Path] = typer.Option(None, "--space", help="Search space YAML: config path -> distribution."),
    trials: Optional[int] = typer.Option(None, "--trials", help="Configurations to try (--search grid: all of them)."),
    search: str = typer.Option("optuna", "--search", help="optuna (TPE), random or grid."),
    scheduler: str = typer.Option("asha", "--scheduler", help="asha (stop weak trials early) or none."),
    metric: str = typer.Option("eval_mean", "--metric", help="eval_mean (greedy evaluation) or train_mean_100."),
    budget: Optional[int] = typer.Option(None, "--budget", help="Env steps of a trial run to the end (default: the config's train.steps)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every trial's training and of the search."),
    config: Optional[Path] = config_option(),
    set_: Optional[list[str]] = set_option("for every trial"),
    agent: Optional[str] = component_option("agent"),
    encoder: Optional[str] = component_option("encoder"),
    learner: Optional[str] = component_option("learner"),
    memory: Optional[str] = component_option("memory"),
    selector: Optional[str] = component_option("selector"),
    out: Optional[Path] = typer.Option(None, "--out", help="Experiment directory (default tunes/<game>[-<learner>])."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue the tune in this experiment directory."),
    ray_address: Optional[str] = ray_address_option(),
    max_concurrent: Optional[int] = max_concurrent_option(),
) -> int:
    """Search hyperparameters of GAME over --trials runs on Ray Tune; writes the best config as YAML."""
    if resume is not None:
        given = {"GAME": game, "--space": space, "--trials": trials, "--budget": budget, "--config": config,
                 "--set": set_, "--agent": agent, "--encoder": encoder, "--learner": learner, "--memory": memory,
                 "--selector": selector, "--out": out}
        refuse_settings_with_resume("tune", given)
        spec = read_spec(resume)
        return _run(spec, resume, spec_paths=(Path(spec.space), None), resuming=True,
                    ray_address=ray_address, max_concurrent=max_concurrent)
    if game is None:
        raise ConfigError("missing GAME (e.g. gaikit tune CartPole-v1 --space space.yaml --trials 16), "
                          "or pass --resume EXP_DIR")
    if space is None:
        raise ConfigError("missing --space (a YAML file of config path -> distribution; see docs/tuning.md)")
    if not space.is_file():
        raise ConfigError(f"--space {space}: no such file")
    if config is not None and not config.is_file():
        raise ConfigError(f"--config {config}: no such file")
    if trials is None and search != "grid":
        raise ConfigError("missing --trials (e.g. --trials 16)")
    choices = {"agent": agent, "encoder": encoder, "learner": learner, "memory": memory, "selector": selector}
    overrides = list(set_ or [])
    steps = budget_of(game, choices, config, overrides, budget)
    spec = TuneSpec(
        game=game, space=str(space.resolve()), space_sha256=file_sha256(space), trials=trials or 0,
        search=search, scheduler=scheduler, metric=metric, steps=steps, seed=seed, choices=choices,
        config=None if config is None else str(config.resolve()),
        config_sha256=None if config is None else file_sha256(config), overrides=overrides,
    )
    exp_dir = out if out is not None else default_exp_dir("tunes", game, learner)
    return _run(spec, exp_dir, spec_paths=(space, config), resuming=False,
                ray_address=ray_address, max_concurrent=max_concurrent)


def _run(spec: TuneSpec, exp_dir: Path, *, spec_paths: tuple[Path, Optional[Path]], resuming: bool,
         ray_address: Optional[str], max_concurrent: Optional[int]) -> int:
    """Run the tune; exit code 0 when every trial ended and one is best, 130 after Ctrl-C, 1 otherwise."""
    space_file, config_file = spec_paths
    result = run_tune(spec, exp_dir, space_file=space_file, config_file=config_file, resuming=resuming,
                      ray_address=ray_address, max_concurrent=max_concurrent, echo=typer.echo)
    if any(o.status == "interrupted" for o in result.outcomes):
        return 130
    return 1 if result.unfinished or result.best is None else 0
