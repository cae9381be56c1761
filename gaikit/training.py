"""Run directories and the build -> run -> checkpoint cycle behind ``gaikit run`` and :func:`gaikit.train`.

Both front ends resolve a :class:`RunConfig` (:mod:`gaikit.resolve`) and hand
it here: :func:`start_run` makes a fresh run directory and trains (or
simulates a world), :func:`resume_run` continues one exactly from its newest
checkpoint that fits. ``echo`` is where one-line messages go (the CLI's
``typer.echo``; ``print`` from Python).
"""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from gaikit.core.build import build_run, build_world, check_agent_kind, effective_config
from gaikit.core.checkpoint import (
    CheckpointMismatchError, clean_stale, describe_os_error, set_aside_newer, usable_checkpoints, write_text_atomic)
from gaikit.core.components import Agent
from gaikit.core.config import RunConfig, TrainConfig, load_resolved_config
from gaikit.core.console import warn
from gaikit.core.errors import CheckpointError, ConfigError, GaikitError
from gaikit.core.registry import Registry, get_registry
from gaikit.core.runner import RunResult, Runner
from gaikit.plugins.games.gymnasium_game import check_rebuildable
from gaikit.resolve import GYMNASIUM_GAME, check_field, ensure_gymnasium_id, game_label
from gaikit.strategies.run_files import store_run_files, use_stored_files

CONFIG_FILE = "config.yaml"
#: The agent kind that runs a game's registered world (``gaikit_register_worlds``) instead of the runner.
WORLD_AGENT = "strategy"

Echo = Callable[[str], Any]


@dataclass
class Outcome:
    """What a run produced: the runner's result (``None`` for a simulated world), the agent, ``train.steps``.

    ``exit_code`` is a simulated world's own exit code.
    """

    result: RunResult | None
    agent: Agent | None
    steps: int = 0
    exit_code: int = 0


def default_run_dir(game: str, config: RunConfig) -> Path:
    """``runs/<game>-<agent-or-learner>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... if taken)."""
    who = config.learner.name if config.agent == "learned" and config.learner else config.agent
    base = Path("runs") / f"{game_label(game)}-{game_label(who)}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def check_new_run_dir(target: Path, resume_hint: str, dir_hint: str = "--run-dir") -> None:
    """A fresh run needs an absent or empty directory; the hints say how to continue one or pick another."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"run directory {target} already exists and is not empty; continue it with "
                          f"{resume_hint} or choose another {dir_hint}")


@contextmanager
def run_dir_errors(run_dir: Path) -> Iterator[None]:
    """Turn an ``OSError`` (a run directory under a file, in ``/proc``, read-only, on a full disk) into one line."""
    try:
        yield
    except OSError as exc:
        raise GaikitError(f"cannot use run directory {run_dir}: {describe_os_error(exc)}") from None


def load_run_config(run_dir: Path) -> RunConfig:
    """The saved config of an existing run directory (errors name what is missing).

    A run trained on a Python env (:func:`gaikit.train` with an ``Env`` or a
    factory) can be rebuilt only where that env is registered again; anywhere
    else this is one error saying how to pass the env from Python.
    """
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: run directory not found")
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: not a gaikit run directory ({CONFIG_FILE} is missing)")
    config = load_resolved_config(path)
    if config.game.name == GYMNASIUM_GAME and "env_id" in config.game.options:
        env_id = str(config.game.options["env_id"])
        try:
            check_rebuildable(env_id)
        except GaikitError as exc:
            raise ConfigError(f"{run_dir}: {exc}") from None
        ensure_gymnasium_id(env_id)
    return use_stored_files(config, run_dir, warn)  # the run's own copies of its strategy files and mods


def train_config(config: RunConfig, registry: Registry, run_dir: Path, resume: dict[str, Any] | None,
                 ray_address: str | None = None) -> Outcome:
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
                   make_runner: Callable[..., Runner], num_envs: int | None = None) -> Outcome:
    built = build_run(config, registry, num_envs=num_envs)
    created = resume is None and not run_dir.exists()
    try:
        if resume is None:
            config = effective_config(config, built.agent)
            run_dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(run_dir / CONFIG_FILE, config.to_yaml())
            store_run_files(config, run_dir)
        runner = make_runner(built.agent, built.game, config, run_dir, envs=built.envs, resume=resume,
                             config_path=run_dir / CONFIG_FILE)
    except BaseException:
        built.envs.close()
        if created:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    return Outcome(runner.run(), built.agent, config.train.steps)


def start_run(config: RunConfig, registry: Registry, target: Path, echo: Echo,
              ray_address: str | None = None) -> Outcome:
    """A fresh run of a resolved config in ``target``: the runner, or a game's world for strategy agents."""
    check_agent_kind(registry, config.agent)
    if config.agent == WORLD_AGENT and config.game.name in registry.names("worlds"):
        # a world of strategy agents (realm): simulated whole by its registered world; nothing learns
        return Outcome(None, None, config.train.steps, build_world(config, registry).run(config, target, echo))
    with run_dir_errors(target):
        return train_config(config, registry, target, None, ray_address)


def resume_run(run_dir: Path, steps: int | None, echo: Echo, ray_address: str | None = None,
               flags: tuple[str, str] = ("--steps", "--resume")) -> Outcome:
    """Continue ``run_dir`` with its saved config from its newest checkpoint that fits (``steps``: train longer).

    ``flags`` names the steps and resume arguments in messages (``steps=``/``resume=`` from Python).
    """
    with run_dir_errors(run_dir):
        return _resume(run_dir, steps, echo, ray_address, flags)


def _resume(run_dir: Path, steps: int | None, echo: Echo, ray_address: str | None,
            flags: tuple[str, str]) -> Outcome:
    steps_flag, resume_flag = flags
    config = load_run_config(run_dir)
    registry = get_registry()
    check_agent_kind(registry, config.agent)
    clean_stale(run_dir)
    if steps is not None:
        check_field(TrainConfig, steps_flag, "steps", steps)
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
                                  f"{config.train.steps:,}; pass {steps_flag} N (more than {done:,}) with "
                                  f"{resume_flag} to train longer")
            set_aside_newer(run_dir, done)
            if steps is not None:  # config.yaml keeps the paths as given, not the stored copies'
                given = load_resolved_config(run_dir / CONFIG_FILE)
                given = given.model_copy(update={"train": given.train.model_copy(update={"steps": steps})})
                write_text_atomic(run_dir / CONFIG_FILE, given.to_yaml())
            echo(f"resuming {run_dir} from {checkpoint.name}")
            try:
                return train_config(config, registry, run_dir, state, ray_address)
            except CheckpointMismatchError as exc:
                problems.append(f"{checkpoint.name}: {exc}")
                warn(f"checkpoint {checkpoint} is unusable: {exc}; passing over it")
                passed_over.append(checkpoint)
                continue
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
