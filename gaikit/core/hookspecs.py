"""Hook specifications: how plugins supply components to gaikit.

Every registration hook receives a ``register`` callback (the
:class:`Register` protocol)::

    register(name: str, factory: Callable[..., Any], *,
             config: type[pydantic.BaseModel] | None = None,
             description: str = "") -> None

``config`` and ``description`` are keyword-only. ``factory`` is any
callable: a function or a class (``register("sac", SACLearner,
config=SACConfig)`` builds with ``SACLearner(...)``). The host validates
each registration, rejects a name already supplied by another plugin
(naming both), and records which plugin supplied what. The factory
signature each kind expects is documented on its hook below and on its
contract in :mod:`gaikit.core.components`.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

import pluggy
from pydantic import BaseModel

from gaikit.core.run_events import RunEvent

#: Marker for hook specifications (used only here).
hookspec = pluggy.HookspecMarker("gaikit")
#: Marker plugins use to implement hooks: ``@gaikit.hookimpl`` re-exports it.
hookimpl = pluggy.HookimplMarker("gaikit")


class Register(Protocol):
    """The registration callback every ``gaikit_register_*`` hook receives."""

    def __call__(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        config: type[BaseModel] | None = None,
        description: str = "",
    ) -> None:
        """Register ``factory`` (a function or a class) under ``name``.

        :param name: the name users pick the component by (``--learner NAME``).
        :param factory: builds the component; a class is a factory too.
        :param config: the pydantic model of the component's options (none: no options).
        :param description: one line for ``gaikit plugins``.
        :raises TypeError: when an argument is not what is documented here.
        """
        ...


@hookspec
def gaikit_register_encoders(register: Register) -> None:
    """Register observation encoders.

    Called once when the plugin manager is built. Each call to ``register``
    supplies one encoder: ``factory(observation_space, config) -> Encoder``
    returning a ``torch.nn.Module`` with ``features_dim``.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_memories(register: Register) -> None:
    """Register replay memories.

    Called once when the plugin manager is built. Each call to ``register``
    supplies one memory: ``factory(observation_space, action_space, config, *,
    num_envs, gamma, seed) -> Memory``.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_learners(register: Register) -> None:
    """Register learners (networks, optimisers and their update rule).

    Called once when the plugin manager is built. Each call to ``register``
    supplies one learner: ``factory(observation_space, action_space,
    make_encoder, config, *, seed) -> Learner``.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_selectors(register: Register) -> None:
    """Register action selectors.

    Called once when the plugin manager is built. Each call to ``register``
    supplies one selector: ``factory(action_space, config, *, seed) ->
    ActionSelector``.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_games(register: Register) -> None:
    """Register games: environments plus their default composition.

    Called once when the plugin manager is built. Each call to ``register``
    supplies one game: ``factory(config) -> Game``.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_strategies(register: Register) -> None:
    """Register strategy YAML for utility-AI agents.

    Called once when the plugin manager is built. Each call to ``register``
    supplies one strategy set: ``name`` is the game it is for and ``factory``
    is a zero-argument callable returning the ``pathlib.Path`` of a strategy
    file or a directory of them.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_agents(register: Register) -> None:
    """Register agent kinds: what ``gaikit run --agent KIND`` builds.

    Called once when the plugin manager is built. Each call to ``register``
    supplies one agent kind: ``factory(context) -> Agent``, where ``context``
    is a :class:`gaikit.core.build.AgentContext` (the run config, the
    registry, the game and its spaces, the number of envs and the seed). The
    kind's options live in the run config's sections, so ``config`` is
    usually left out. Built-ins: ``learned`` (encoder + learner + memory +
    selector) and ``strategy`` (a utility-AI strategy file).

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_register_worlds(register: Register) -> None:
    """Register worlds: games simulated whole, every actor a strategy agent.

    Called once when the plugin manager is built. Each call to ``register``
    supplies the world of one game, under that game's name:
    ``factory(options) -> World`` (:class:`gaikit.core.world.World`), with
    ``options`` validated by ``config`` from the run config's ``game:``
    section. ``gaikit run GAME --agent strategy`` runs a registered world
    instead of the training loop (nothing learns; the world writes its own
    outputs), and ``gaikit explain --country C --date D`` asks it to explain
    one actor's decisions. A game without a world runs its strategy agent
    through the runner like any agent.

    :param register: the host's registration callback.
    :returns: nothing; results are reported through ``register``.
    """


@hookspec
def gaikit_run_event(event: RunEvent) -> None:
    """Receive the events of every run in this process: loggers, dashboards, tuners.

    Called by the runner, in the synchronous and the actor–learner loop alike,
    with one frozen dataclass of :mod:`gaikit.core.run_events` per event, in
    this order: ``RunStarted(run_dir, config, step, resumed)`` once; then, as
    they happen, ``EpisodeEnded(step, env, episode_return, length, time)`` per
    finished training episode, ``TrainLogged(step, values)`` per
    ``metrics.jsonl`` train row, ``Evaluated(step, summary, returns, best)`` per
    greedy evaluation and ``CheckpointSaved(step, path, kind)`` per checkpoint
    (``kind`` ``best``: the best model under ``best/``); and
    ``RunEnded(step, status, final_eval, reason)`` once, with ``status``
    ``finished``, ``interrupted``, ``stopped early``, ``failed`` or ``aborted``.
    ``step`` is env steps summed over envs. Tell the kinds apart with
    ``isinstance`` (or ``match``) and ignore the others.

    One hook for every kind, not one per kind: a logger forwards the whole
    stream through one function, the kinds arrive as one ordered stream, and
    a kind added later reaches existing plugins (which ignore it) without a
    new hook. Keep per-run state keyed by ``RunStarted.run_dir`` and drop it
    on ``RunEnded``. gaikit's own W&B and MLflow loggers (``train.loggers``)
    are a plugin on this hook (entry point ``builtin-loggers``), and so is
    ``gaikit tune``'s per-trial reporter, which hands each evaluation to Ray Tune.

    A plugin that raises :class:`gaikit.GaikitError` (say, a missing package)
    stops the run with its one-line message; any other exception is reported
    once and that plugin gets no more events of the run, which goes on.

    :param event: the event (a ``RunStarted``, ``EpisodeEnded``, ``TrainLogged``,
        ``Evaluated``, ``CheckpointSaved`` or ``RunEnded``).
    :returns: nothing.
    """
