"""The Python API: :func:`train`, :func:`load`, :func:`evaluate` and the :class:`Run` they describe.

``gaikit run`` is a thin layer over the same parts (:mod:`gaikit.resolve`,
:mod:`gaikit.training`), so a run made from Python is a full run directory
(``gaikit eval``, ``compare``, ``explain`` and ``run --resume`` work on it) and
the same arguments and seed give the same run directory either way.

``game`` may be a registered game, any Gymnasium id (``module:EnvId``
included), a ``gymnasium.Env`` instance or a zero-argument callable returning
one. A Python env is registered in this process as ``python/<Name>-v0``
(:func:`gaikit.plugins.games.gymnasium_game.register_env_factory`; an
instance is deep-copied for every env gaikit makes); the command line cannot
rebuild it, so such a run is resumed, loaded and evaluated from Python by
passing the env again: ``train(env, resume=RUN_DIR)``, ``load(RUN_DIR,
env=env)``, ``evaluate(RUN_DIR, env=env)``.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, Union

import gymnasium as gym
from pydantic import ValidationError

from gaikit.core.components import Agent
from gaikit.core.config import RunConfig, TrainConfig, load_resolved_config
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.evaluation import EVAL_SEED_OFFSET
from gaikit.core.jsonl import jsonl_rows
from gaikit.core.registry import get_registry
from gaikit.plugins.games.gymnasium_game import register_env_factory
from gaikit.resolve import GYMNASIUM_GAME, resolve_cli_config, resolve_game
from gaikit.trained_agent import load_trained
from gaikit.training import (
    CONFIG_FILE, Outcome, check_new_run_dir, default_run_dir, load_run_config, resume_run, run_dir_errors, start_run)

#: What :func:`train` and :func:`evaluate` accept as a game or env.
GameLike = Union[str, gym.Env, Callable[[], gym.Env]]
#: The metrics file and episodes file of a run directory.
METRICS_FILE, EPISODES_FILE = "metrics.jsonl", "episodes.csv"


@dataclass
class Run:
    """A finished (or interrupted) run: its directory, trained agent and results.

    ``status`` is ``finished`` or ``interrupted``; ``final_eval`` the final
    greedy evaluation summary (mean, std, min, max, episodes...) or ``None``;
    ``step`` the last step trained and ``checkpoint`` the last checkpoint
    written. :attr:`metrics` and :attr:`episodes` read the run directory's
    ``metrics.jsonl`` and ``episodes.csv``.
    """

    dir: Path
    agent: Agent | None
    status: str
    final_eval: dict[str, Any] | None = None
    step: int = 0
    checkpoint: Path | None = None
    config: RunConfig | None = field(default=None, repr=False)

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """Every record of ``metrics.jsonl`` (episode, train, evaluation... records), in order."""
        path = self.dir / METRICS_FILE
        if not path.is_file():
            return []
        return [row for _, row in jsonl_rows(path, torn_tail=True)]

    @property
    def episodes(self) -> list[dict[str, str]]:
        """The rows of ``episodes.csv`` (one per finished training episode), values as written."""
        path = self.dir / EPISODES_FILE
        if not path.is_file():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))


def train(
    game: GameLike,
    *,
    encoder: str | None = None,
    learner: str | None = None,
    memory: str | None = None,
    selector: str | None = None,
    agent: str | None = None,
    steps: int | None = None,
    seed: int | None = 0,
    config: str | Path | None = None,
    overrides: Sequence[str] | Mapping[str, Any] | None = None,
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    **kwargs: Any,
) -> Run:
    """Train an agent on ``game`` as ``gaikit run`` does, and return the :class:`Run`.

    ``encoder``/``learner``/``memory``/``selector``/``agent`` choose components
    (``None``: the game's defaults); ``steps`` and ``seed`` are ``--steps`` and
    ``--seed`` (``seed=None`` keeps the config's seed); ``config`` is a YAML
    file layered over the game's defaults; ``overrides`` are ``--set`` strings
    (``["train.lr=0.001"]``) or a mapping (``{"train.lr": 0.001}``);
    ``**kwargs`` are ``train`` fields (``envs=2``, ``actors=1``...), validated
    like ``--set train.X``. ``run_dir`` defaults to
    ``runs/<game>-<agent>-<time>``. ``resume=RUN_DIR`` continues that run
    exactly with its saved config (only ``steps`` may be given, to train
    longer; pass the same ``game``, which for a Python env is how the env is
    rebuilt). Bad input raises :class:`gaikit.core.errors.GaikitError` with a
    one-line message.
    """
    registry = get_registry()
    game_arg = _game_argument(game)
    if resume is not None:
        return _resume(game_arg, Path(resume), steps, {
            "encoder": encoder, "learner": learner, "memory": memory, "selector": selector, "agent": agent,
            "config": config, "overrides": overrides, "run_dir": run_dir, **kwargs})
    choices = {"agent": agent, "encoder": encoder, "learner": learner, "memory": memory, "selector": selector}
    resolved = resolve_cli_config(
        registry, game_arg, config_file=None if config is None else Path(config), choices=choices,
        train_flags={"--steps": steps, "--seed": seed}, overrides=[*_train_overrides(kwargs), *_overrides(overrides)],
    )
    target = Path(run_dir) if run_dir is not None else default_run_dir(game_arg, resolved)
    check_new_run_dir(target, f"gaikit.train(..., resume={str(target)!r})", "run_dir")
    return _run(start_run(resolved, registry, target, print), target)


def load(run_dir: str | Path, *, env: GameLike | None = None) -> Agent:
    """The agent of ``run_dir``'s newest usable checkpoint, built as ``gaikit eval`` builds it.

    A learned agent has :meth:`~gaikit.core.agent.LearnedAgent.predict` for
    the user's own Gymnasium loop. ``env`` is needed only for a run trained on
    a Python env in another process (pass the same env or factory).
    """
    return _load(Path(run_dir), env)[0]


def evaluate(
    agent_or_run_dir: Agent | str | Path,
    episodes: int | None = None,
    env: GameLike | None = None,
    video: str | Path | bool | None = None,
    *,
    seed: int | None = None,
) -> dict[str, Any]:
    """Play greedy episodes and return the summary (episodes, mean, std, min, max, mean_length...).

    ``agent_or_run_dir`` is a run directory (its newest usable checkpoint is
    played, as ``gaikit eval`` does) or an agent from :func:`load` or
    :attr:`Run.agent`. ``episodes`` defaults to the run's
    ``train.eval_episodes``; ``seed`` to the run's evaluation seed. ``env``
    (Gymnasium id, ``Env`` or factory): with an agent, play that env instead
    of the run's game (same observation and action spaces); with a run
    directory, the run's own Python env passed again (see :func:`load`). ``video=True`` records one greedy episode to
    ``RUN_DIR/videos/eval-<checkpoint>.mp4`` (a path: there); the summary
    then has ``video`` (the file) and ``video_frames``.
    """
    from gaikit.core.build import build_game
    from gaikit.core.evaluation import evaluate as play
    from gaikit.core.video import play_episodes, record_video

    if isinstance(agent_or_run_dir, (str, Path)):
        loaded, config, checkpoint = _load(Path(agent_or_run_dir), env)
        run_dir: Path | None = Path(agent_or_run_dir)
    elif isinstance(agent_or_run_dir, Agent):
        loaded, config, checkpoint, run_dir = agent_or_run_dir, _config_of(agent_or_run_dir), None, None
        if env is not None:
            config = _with_env(config, _game_argument(env))
    else:
        raise ConfigError(f"gaikit.evaluate: expected an agent or a run directory, got {type(agent_or_run_dir).__name__}")
    episodes = config.train.eval_episodes if episodes is None else episodes
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
        raise ConfigError(f"gaikit.evaluate(episodes={episodes!r}): must be a whole number, at least 1")
    seed = config.train.seed + EVAL_SEED_OFFSET if seed is None else seed
    step = int(getattr(loaded, "step", 0))
    game = build_game(config, get_registry())
    envs = game.make_vector_env(1, seed=seed)
    try:
        result = play(loaded, envs, episodes, seed, step=step, epsilon=config.train.eval_epsilon)
    finally:
        envs.close()
    assert result is not None  # no stop condition was given
    summary: dict[str, Any] = dict(result.summary())
    if video:
        if video is True:
            if run_dir is None:
                raise ConfigError("gaikit.evaluate(video=True) needs a run directory; pass video=PATH for an agent")
            name = checkpoint.name if checkpoint is not None else "agent"
            path = run_dir / "videos" / f"eval-{name}.mp4"
        else:
            path = Path(video)
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # rgb_array rendering opens no window
        try:
            playback = play_episodes(game, loaded, episodes=1, seed=seed, step=step)
        except gym.error.DependencyNotInstalled as exc:
            raise GaikitError(f"video: {game.name} cannot render: {str(exc).strip().splitlines()[0]}") from None
        if not playback.frames:
            raise GaikitError(f"video: {game.name} rendered no frame; its env must support render_mode='rgb_array'")
        summary["video"] = record_video(playback.frames, path)
        summary["video_frames"] = len(playback.frames)
    return summary


# ---- helpers ------------------------------------------------------------------------------------------


def _game_argument(game: Any) -> str:
    """A GAME string for resolution: a name or id as given; a Python env registered as ``python/<Name>-v0``."""
    if isinstance(game, str):
        if not game.strip():
            raise ConfigError("gaikit.train: game is empty; pass a game name, a Gymnasium id, an Env or a factory")
        return game
    if isinstance(game, gym.Env) or (callable(game) and not isinstance(game, type)):
        return register_env_factory(game)
    if isinstance(game, type) and issubclass(game, gym.Env):
        return register_env_factory(game, name=game.__name__)  # the class itself is a zero-argument factory
    raise ConfigError(f"game: expected a game name, a Gymnasium id, a gymnasium.Env or a zero-argument callable "
                      f"returning one, got {type(game).__name__}")


def _train_overrides(kwargs: Mapping[str, Any]) -> list[str]:
    """``train.X=value`` overrides for keyword arguments, each checked against its ``train`` field."""
    known = TrainConfig.model_fields
    out = []
    for key, value in kwargs.items():
        if key not in known:
            raise ConfigError(f"gaikit.train: unknown keyword {key!r}; keywords beyond the named ones are train "
                              f"fields: {', '.join(sorted(known))}")
        try:
            TrainConfig.model_validate({key: value})
        except ValidationError as exc:
            raise ConfigError(f"gaikit.train({key}={value!r}): {exc.errors()[0]['msg']}") from None
        out.append(f"train.{key}={json.dumps(value)}")
    return out


def _overrides(overrides: Sequence[str] | Mapping[str, Any] | None) -> list[str]:
    """``--set`` strings from a list of them or a ``{"section.field": value}`` mapping."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{key}={json.dumps(value)}" for key, value in overrides.items()]
    if isinstance(overrides, str) or not all(isinstance(item, str) for item in overrides):
        raise ConfigError("gaikit.train(overrides=...): expected a list of 'section.field=value' strings or a dict")
    return list(overrides)


def _run(outcome: Outcome, target: Path) -> Run:
    result = outcome.result
    if result is None:  # a simulated world (strategy agents of a world game)
        if outcome.exit_code:
            raise GaikitError(f"{target}: the world simulation ended with exit code {outcome.exit_code}")
        return Run(target, None, "finished")
    agent = outcome.agent
    config = load_run_config(target)
    if agent is not None:
        setattr(agent, "run_config", config)  # gaikit's own attribute on the plugin's agent: what evaluate(agent) plays
    return Run(target, agent, result.status, result.final_eval, result.step, result.checkpoint, config)


def _resume(game_arg: str, run_dir: Path, steps: int | None, given: Mapping[str, Any]) -> Run:
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        raise ConfigError(f"gaikit.train(resume=...) continues a run with its saved config; drop "
                          f"{', '.join(extra)} (only steps may be given, to train longer)")
    saved = run_dir / CONFIG_FILE
    if saved.is_file():  # a different game is named before "cannot be rebuilt" (a Python env not passed again)
        _check_same_game(load_resolved_config(saved), game_arg, run_dir)
    return _run(resume_run(run_dir, steps, print, flags=("steps", "resume")), run_dir)


def _check_same_game(config: RunConfig, game_arg: str, run_dir: Path) -> None:
    trained = str(config.game.options.get("env_id", "")) if config.game.name == GYMNASIUM_GAME else config.game.name
    if game_arg not in (trained, config.game.name):
        raise ConfigError(f"{run_dir}: the run was trained on {trained!r}, not {game_arg!r}; pass the same game")


def _load(run_dir: Path, env: GameLike | None) -> tuple[Agent, RunConfig, Path]:
    game_arg = None if env is None else _game_argument(env)  # a Python env is registered before the config is read
    with run_dir_errors(run_dir):
        config = load_run_config(run_dir)
        if game_arg is not None:
            _check_same_game(config, game_arg, run_dir)
        built, checkpoint, state = load_trained(run_dir, config)
    built.envs.close()
    agent = built.agent
    setattr(agent, "run_config", config)  # read back by _config_of
    if hasattr(agent, "step"):
        agent.step = int(state["step"])
    return agent, config, checkpoint


def _config_of(agent: Agent) -> RunConfig:
    config = getattr(agent, "run_config", None)
    if not isinstance(config, RunConfig):
        raise ConfigError("gaikit.evaluate: this agent did not come from gaikit.train or gaikit.load; "
                          "pass its run directory instead")
    return config


def _with_env(config: RunConfig, game_arg: str) -> RunConfig:
    """``config`` playing ``game_arg`` (a Gymnasium id or registered Python env) instead of its own game."""
    name, options = resolve_game(get_registry(), game_arg)
    game = config.game.model_copy(update={"name": name, "options": options})
    return config.model_copy(update={"game": game})
