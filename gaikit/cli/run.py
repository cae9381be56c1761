"""``gaikit run``: train (or play) an agent on a game, or resume a run exactly."""

from __future__ import annotations

import shutil
import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import typer

from gaikit.cli.app import app
from gaikit.cli.resolve import (
    GYMNASIUM_GAME,
    check_field,
    ensure_gymnasium_id,
    field_help,
    game_label,
    resolve_cli_config,
)
from gaikit.core.build import build_run, build_world, check_agent_kind, effective_config
from gaikit.core.checkpoint import (
    CheckpointMismatchError, clean_stale, describe_os_error, set_aside_newer, usable_checkpoints, write_text_atomic)
from gaikit.core.console import warn
from gaikit.core.config import RunConfig, StrategyConfig, TrainConfig, load_resolved_config
from gaikit.core.errors import CheckpointError, ConfigError, GaikitError
from gaikit.core.registry import Registry, get_registry
from gaikit.core.runner import RunResult, Runner

CONFIG_FILE = "config.yaml"
#: The agent kind that runs a game's registered world (``gaikit_register_worlds``) instead of the runner.
WORLD_AGENT = "strategy"


def default_run_dir(game: str, config: RunConfig) -> Path:
    """``runs/<game>-<agent-or-learner>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... if taken)."""
    who = config.learner.name if config.agent == "learned" and config.learner else config.agent
    base = Path("runs") / f"{game_label(game)}-{game_label(who)}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


@contextmanager
def run_dir_errors(run_dir: Path) -> Iterator[None]:
    """Turn an ``OSError`` (a run directory under a file, in ``/proc``, read-only, on a full disk) into one line."""
    try:
        yield
    except OSError as exc:
        raise GaikitError(f"cannot use run directory {run_dir}: {describe_os_error(exc)}") from None


def load_run_config(run_dir: Path) -> RunConfig:
    """The saved config of an existing run directory (errors name what is missing)."""
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: run directory not found")
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: not a gaikit run directory ({CONFIG_FILE} is missing)")
    config = load_resolved_config(path)
    if config.game.name == GYMNASIUM_GAME and "env_id" in config.game.options:
        ensure_gymnasium_id(str(config.game.options["env_id"]))
    return config


def _train(config: RunConfig, registry: Registry, run_dir: Path, resume: dict[str, Any] | None,
           ray_address: str | None = None) -> RunResult:
    """Build everything, then run; a fresh run dir is created only once the build succeeded.

    With ``train.actors > 0`` the run trains on Ray (:mod:`gaikit.distributed`):
    a local Ray instance, or the cluster at ``ray_address``.
    """
    if config.train.actors == 0:
        if ray_address is not None:
            raise ConfigError("--ray-address joins a Ray cluster for actor-learner training; pass --actors N too")
        return _build_and_run(config, registry, run_dir, resume, Runner)
    from gaikit.distributed.launch import actor_learner_runner, ray_for_run

    with ray_for_run(config, ray_address) as ray:
        return _build_and_run(config, registry, run_dir, resume, actor_learner_runner(ray, registry), num_envs=1)


def _build_and_run(config: RunConfig, registry: Registry, run_dir: Path, resume: dict[str, Any] | None,
                   make_runner: Callable[..., Runner], num_envs: int | None = None) -> RunResult:
    built = build_run(config, registry, num_envs=num_envs)
    created = resume is None and not run_dir.exists()
    try:
        if resume is None:
            config = effective_config(config, built.agent)
            run_dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(run_dir / CONFIG_FILE, config.to_yaml())
        runner = make_runner(built.agent, built.game, config, run_dir, envs=built.envs, resume=resume,
                             config_path=run_dir / CONFIG_FILE)
    except BaseException:
        built.envs.close()
        if created:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    return runner.run()


def _report(result: RunResult, run_dir: Path, total: int) -> int:
    if result.status == "interrupted":
        typer.echo(f"interrupted at step {result.step:,}/{total:,}; checkpoint written to {result.checkpoint}")
        typer.echo(f"resume with: gaikit run --resume {run_dir}")
        return 128 + (result.signum or signal.SIGINT)  # 130 after Ctrl-C, 143 after SIGTERM
    line = f"finished {result.step:,} steps; checkpoint {result.checkpoint}"
    if result.final_eval:
        e = result.final_eval
        line += f"; final eval mean {e['mean']:.2f} ± {e['std']:.2f} over {e['episodes']} episodes"
    typer.echo(line)
    typer.echo(f"learning curve: {run_dir / 'plots' / 'learning_curve.png'}")
    return 0


def _resume(run_dir: Path, steps: Optional[int], given: dict[str, Any], ray_address: str | None = None) -> int:
    extra = [flag for flag, value in given.items() if value not in (None, [], False)]
    if extra:
        raise ConfigError(f"--resume continues a run with its saved config; drop {', '.join(extra)} "
                          "(only --steps may be given, to train longer)")
    config = load_run_config(run_dir)
    registry = get_registry()
    check_agent_kind(registry, config.agent)
    clean_stale(run_dir)
    if steps is not None:
        check_field(TrainConfig, "--steps", "steps", steps)
        config = config.model_copy(update={"train": config.train.model_copy(update={"steps": steps})})
    problems: list[str] = []
    passed_over: list[Path] = []
    try:
        # newest first; a checkpoint that reads back intact but does not fit the run falls back to the previous one
        for checkpoint, state in usable_checkpoints(run_dir, problems=problems):
            done = state.get("step")
            if not isinstance(done, int) or isinstance(done, bool) or done < 0:
                problems.append(f"{checkpoint.name}: its step is {done!r}, not a count")
                warn(f"checkpoint {checkpoint} is unusable (its step is {done!r}, not a count); passing over it")
                passed_over.append(checkpoint)
                continue
            if done >= config.train.steps:
                raise ConfigError(f"{run_dir}: the run already reached step {done:,} of train.steps "
                                  f"{config.train.steps:,}; pass --steps N (more than {done:,}) with --resume "
                                  "to train longer")
            set_aside_newer(run_dir, done)
            if steps is not None:
                write_text_atomic(run_dir / CONFIG_FILE, config.to_yaml())
            typer.echo(f"resuming {run_dir} from {checkpoint.name}")
            try:
                result = _train(config, registry, run_dir, state, ray_address)
            except CheckpointMismatchError as exc:
                problems.append(f"{checkpoint.name}: {exc}")
                warn(f"checkpoint {checkpoint} is unusable: {exc}; passing over it")
                passed_over.append(checkpoint)
                continue
            return _report(result, run_dir, config.train.steps)
    except CheckpointError:
        _put_back(passed_over)  # none fitted: leave the run directory as it was (e.g. for a config edited back)
        raise
    raise CheckpointError(f"{run_dir}: no usable checkpoint")  # not reached: usable_checkpoints raises first


def _put_back(checkpoints: list[Path]) -> None:
    """Undo :func:`set_aside_newer` for checkpoints that read back intact but did not fit the run."""
    for path in checkpoints:
        aside = path.with_name(f"{path.name}.unusable")
        if aside.is_dir() and not path.exists():
            aside.replace(path)


@app.command("run")
def run_command(
    game: Optional[str] = typer.Argument(None, help="A gaikit game or any Gymnasium id, e.g. CartPole-v1."),
    agent: Optional[str] = typer.Option(None, "--agent", help="Agent kind: learned, strategy or a plugin's (see gaikit plugins)."),
    encoder: Optional[str] = typer.Option(None, "--encoder", help="Encoder plugin (see gaikit plugins)."),
    learner: Optional[str] = typer.Option(None, "--learner", help="Learner plugin (see gaikit plugins)."),
    memory: Optional[str] = typer.Option(None, "--memory", help="Replay memory plugin (see gaikit plugins)."),
    selector: Optional[str] = typer.Option(None, "--selector", help="Action selector plugin (see gaikit plugins)."),
    steps: Optional[int] = typer.Option(None, "--steps", help=field_help(TrainConfig, "steps")),
    seed: Optional[int] = typer.Option(None, "--seed", help=field_help(TrainConfig, "seed")),
    envs: Optional[int] = typer.Option(None, "--envs", help=field_help(TrainConfig, "envs")),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML file layered over the game's defaults."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override section.field=value (repeatable)."),
    run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Run directory (default runs/<game>-<agent>-<time>)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue the run in this directory exactly."),
    strategy: Optional[str] = typer.Option(None, "--strategy", help=field_help(StrategyConfig, "file")),
    mod: Optional[list[str]] = typer.Option(None, "--mod", help=field_help(StrategyConfig, "mods")),
    years: Optional[int] = typer.Option(None, "--years", help="Years to simulate, for games with a 'years' option (realm)."),
    actors: Optional[int] = typer.Option(None, "--actors", help=field_help(TrainConfig, "actors")),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", help="Join this Ray cluster (auto or HOST:PORT) instead of starting a local one (with --actors)."),
) -> int:
    """Train an agent on GAME (or continue a run with --resume RUN_DIR)."""
    if resume is not None:
        given = {"GAME": game, "--agent": agent, "--encoder": encoder, "--learner": learner, "--memory": memory,
                 "--selector": selector, "--seed": seed, "--envs": envs, "--config": config, "--set": set_,
                 "--run-dir": run_dir, "--strategy": strategy, "--mod": mod, "--years": years, "--actors": actors}
        with run_dir_errors(resume):
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
    check_agent_kind(registry, resolved.agent)
    target = run_dir if run_dir is not None else default_run_dir(game, resolved)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"run directory {target} already exists and is not empty; continue it with "
                          f"--resume {target} or choose another --run-dir")
    if resolved.agent == WORLD_AGENT and resolved.game.name in registry.names("worlds"):
        # a world of strategy agents (realm): simulated whole by its registered world; nothing learns
        return build_world(resolved, registry).run(resolved, target, typer.echo)
    with run_dir_errors(target):
        return _report(_train(resolved, registry, target, None, ray_address), target, resolved.train.steps)
