"""Hook specifications: how plugins supply components to gaikit.

Every hook receives a ``register`` callback with the signature::

    register(name: str, factory: Callable[..., Any], *,
             config: type[pydantic.BaseModel] | None = None,
             description: str = "") -> None

The host validates each registration, rejects a name already supplied by
another plugin (naming both), and records which plugin supplied what. The
factory signature each kind expects is documented on its contract in
:mod:`gaikit.core.components`.
"""

from __future__ import annotations

from typing import Callable

import pluggy

#: Marker for hook specifications (used only here).
hookspec = pluggy.HookspecMarker("gaikit")
#: Marker plugins use to implement hooks: ``@gaikit.hookimpl`` re-exports it.
hookimpl = pluggy.HookimplMarker("gaikit")

Register = Callable[..., None]


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
