"""Game ``gymnasium``: any registered Gymnasium environment id.

``env_id`` may use Gymnasium's ``module:EnvId`` form to import the module that
registers the id first, e.g. ``ale_py:ALE/Pong-v5``.

A Python env (a ``gymnasium.Env`` instance or a zero-argument factory, as
:func:`gaikit.train` accepts) becomes a Gymnasium id ``python/<Name>-v0``
through :func:`register_env_factory`; such an id exists only in the process
that registered it, so the command line cannot rebuild it
(:func:`check_rebuildable` says what to do instead).
"""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import Game, StateDict, seeded_env
from gaikit.core.hookspecs import Register
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.games.env_state import capture_env_state, restore_env_state
from gaikit.plugins.games.gymnasium_zoo import zoo_defaults_path

DEFAULTS_FILE = Path(__file__).with_name("gymnasium_defaults.yaml")
#: Namespace of the ids that :func:`register_env_factory` gives Python envs.
PYTHON_ENV_NAMESPACE = "python"


def gymnasium_spec(env_id: str) -> gym.envs.registration.EnvSpec:
    """The spec of ``env_id``; the ``module:EnvId`` form imports ``module`` first (as ``gymnasium.make`` does).

    Raises ``gymnasium.error.Error`` for an unknown id and ``ImportError`` for a module that does not import.
    """
    if ":" in env_id:
        module, _, env_id = env_id.partition(":")
        importlib.import_module(module)
    return gym.spec(env_id)


def env_factory(env: gym.Env | Callable[[], gym.Env]) -> Callable[[], gym.Env]:
    """A zero-argument factory for ``env``: a factory as given, or fresh deep copies of an ``Env`` instance.

    Each environment gaikit makes (one per vector slot, plus evaluation envs)
    is a separate copy, so the instance passed in is never stepped itself.
    """
    if isinstance(env, gym.Env):
        return lambda: copy.deepcopy(env)
    if callable(env):
        return env
    raise GaikitError(f"expected a gymnasium.Env or a zero-argument callable returning one, got {type(env).__name__}")


def python_env_id(env: gym.Env | Callable[[], gym.Env], name: str | None = None) -> str:
    """``python/<Name>-v0``: ``name``, or the env's class name, or the factory's name."""
    if name is None:
        name = type(env.unwrapped).__name__ if isinstance(env, gym.Env) else getattr(env, "__name__", "")
    label = re.sub(r"[^A-Za-z0-9_.]+", "", str(name)) or "Env"
    return f"{PYTHON_ENV_NAMESPACE}/{label}-v0"


def register_env_factory(env: gym.Env | Callable[[], gym.Env], name: str | None = None) -> str:
    """Register a Python env (instance or zero-argument factory) as a Gymnasium id in this process; return the id.

    The id is :func:`python_env_id`'s; registering again replaces the earlier
    factory. ``gymnasium.make(id)`` then calls the factory (an instance is
    deep-copied) and checks that it returned a ``gymnasium.Env``.
    """
    factory = env_factory(env)
    env_id = python_env_id(env, name)

    def make(**kwargs: Any) -> gym.Env:  # noqa: ARG001  (render_mode: the env renders as the factory built it)
        made = factory()
        if not isinstance(made, gym.Env):
            raise GaikitError(f"{env_id}: the env factory returned {type(made).__name__}, not a gymnasium.Env")
        return made

    gym.registry.pop(env_id, None)
    gym.register(env_id, entry_point=make)
    return env_id


def check_rebuildable(env_id: str) -> None:
    """Raise one clear error if ``env_id`` is a Python env this process has not registered."""
    if env_id.startswith(PYTHON_ENV_NAMESPACE + "/") and env_id not in gym.registry:
        raise GaikitError(
            f"game.env_id {env_id!r} was a Python env (an Env instance or factory given to gaikit.train) and "
            "cannot be rebuilt from its name; from Python, pass the env again: "
            "gaikit.train(ENV, resume=RUN_DIR), gaikit.load(RUN_DIR, env=ENV) or gaikit.evaluate(RUN_DIR, env=ENV)"
        )


class GymnasiumGameConfig(BaseModel):
    """Options of the ``gymnasium`` game."""

    model_config = ConfigDict(extra="forbid")

    env_id: str = Field("CartPole-v1", description="Gymnasium environment id, optionally 'module:EnvId'.")
    max_episode_steps: PositiveInt | None = Field(None, description="Override the id's time limit (null: keep it).")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra keyword arguments for gymnasium.make.")


class GymnasiumGame(Game):
    """Plays one Gymnasium id; vector envs are ``SyncVectorEnv`` with ``SameStep`` autoreset.

    :meth:`env_state` supports envs whose state is plain Python/numpy data
    (classic control); see :mod:`gaikit.plugins.games.env_state` for the rule.
    """

    def __init__(self, config: GymnasiumGameConfig) -> None:
        self.config = config
        self.name = config.env_id

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """One environment; with ``seed`` its RNGs are seeded by a first ``reset(seed=seed)``."""
        options: dict[str, Any] = dict(self.config.kwargs)
        if self.config.max_episode_steps is not None:
            options["max_episode_steps"] = self.config.max_episode_steps
        try:
            if render_mode is not None:  # only when asked: an env whose __init__ takes no render_mode still builds
                options["render_mode"] = render_mode
            env = gym.make(self.config.env_id, **options)
        except (gym.error.Error, ModuleNotFoundError, TypeError) as exc:
            raise GaikitError(f"game.env_id {self.config.env_id!r}: gymnasium.make failed: {exc}") from None
        return seeded_env(env, seed)

    def default_config_path(self) -> Path:
        """The shipped DDQN defaults (tuned on CartPole-v1)."""
        return DEFAULTS_FILE

    def learner_defaults_path(self, learner: str) -> Path | None:
        """The zoo entry for this id and ``learner``, else the learner's generic defaults (:mod:`.gymnasium_zoo`)."""
        return zoo_defaults_path(self.config.env_id, learner)

    def env_state(self, env: gym.Env) -> StateDict | None:
        """Snapshot of a classic-control style env; ``None`` if it holds state we cannot capture."""
        state = capture_env_state(env)
        if state is not None:
            state["env_id"] = self.config.env_id
        return state

    def load_env_state(self, env: gym.Env, state: StateDict) -> None:
        """Restore what :meth:`env_state` returned into an env made by :meth:`make_env`."""
        if state.get("env_id") != self.config.env_id:
            raise CheckpointError(f"env state is for {state.get('env_id')!r}, not {self.config.env_id!r}")
        restore_env_state(env, state)


def make_gymnasium_game(config: GymnasiumGameConfig) -> GymnasiumGame:
    """Factory: checks that ``env_id`` is registered before any env is built."""
    check_rebuildable(config.env_id)
    try:
        gymnasium_spec(config.env_id)
    except (gym.error.Error, ImportError) as exc:
        raise GaikitError(f"game.env_id {config.env_id!r} is not a registered Gymnasium id: {exc}") from None
    return GymnasiumGame(config)


def register(register_fn: Register) -> None:
    """Register the ``gymnasium`` game."""
    register_fn(
        "gymnasium",
        make_gymnasium_game,
        config=GymnasiumGameConfig,
        description="Any Gymnasium id (config env_id, default CartPole-v1); DDQN defaults for CartPole-like tasks.",
    )
