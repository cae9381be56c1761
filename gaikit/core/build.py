"""Build a game and an agent from a resolved :class:`RunConfig` and a :class:`Registry`.

Each component's saved options are validated into the config model its
plugin registered, then its factory is called with the signature documented
on its contract in :mod:`gaikit.core.components`.

Agents are built by the agent kind named ``RunConfig.agent``, which plugins
register through ``gaikit_register_agents`` (built-ins: ``learned`` and
``strategy`` in :mod:`gaikit.plugins.agents`); the factory gets an
:class:`AgentContext`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import gymnasium as gym
from pydantic import BaseModel, ValidationError

from gaikit.core.agent import LearnedAgent
from gaikit.core.components import Agent, Game, Memory
from gaikit.core.config import ComponentConfig, RunConfig, format_validation_error
from gaikit.core.config_checks import number_problem
from gaikit.core.errors import ConfigError
from gaikit.core.registry import SINGULAR, ComponentSpec, Registry
from gaikit.core.resources import check_devices, check_envs, check_run_memory
from gaikit.core.seeding import seed_everything
from gaikit.core.world import World


@dataclass
class AgentContext:
    """Everything an agent kind's factory may use to build an agent for one run."""

    config: RunConfig
    registry: Registry
    game: Game
    observation_space: gym.Space
    action_space: gym.Space
    num_envs: int
    seed: int


#: ``factory(context) -> Agent``: what a plugin registers as an agent kind.
AgentFactory = Callable[[AgentContext], Agent]


def validate_options(spec: ComponentSpec, options: Mapping[str, Any], source: str = "config") -> BaseModel:
    """``options`` validated into the component's config model; errors name the field."""
    section = SINGULAR[spec.kind]
    try:
        validated = spec.config.model_validate(dict(options))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, (section, spec.name))) from None
    problem = number_problem(dict(options), validated)
    if problem is not None:
        raise ConfigError(f"{source}: {'.'.join(map(str, (section, spec.name, *problem[0])))}: {problem[1]}")
    return validated


def build_component_config(registry: Registry, kind: str, chosen: ComponentConfig) -> tuple[ComponentSpec, BaseModel]:
    """The registered spec of a chosen component and its validated options."""
    spec = registry.get(kind, chosen.name)
    return spec, validate_options(spec, chosen.options)


def build_game(config: RunConfig, registry: Registry) -> Game:
    """The run's game, built from the ``game`` options, with its observation form chosen.

    The game is told which observation parts the chosen encoder reads
    (the encoder factory's ``observation_keys``; ``None`` without encoder).
    """
    spec, options = build_component_config(registry, "games", config.game)
    game = spec.build(options)
    keys = None
    if config.encoder is not None:
        keys = getattr(registry.get("encoders", config.encoder.name).factory, "observation_keys", None)
    game.select_observation(keys)
    return game


def build_memory(
    registry: Registry,
    chosen: ComponentConfig,
    observation_space: gym.Space,
    action_space: gym.Space,
    *,
    num_envs: int,
    gamma: float,
    n_step: int,
    seed: int,
) -> Memory:
    """The chosen memory, its ``n_step`` (if its config model has that field) set from the learner's.

    Used by the ``learned`` agent kind and by actor–learner replay shards, so
    both build a memory the same way.
    """
    spec = registry.get("memories", chosen.name)
    raw = dict(chosen.options)
    if "n_step" in spec.config.model_fields:
        raw["n_step"] = int(n_step)
    options = validate_options(spec, raw)
    return spec.build(observation_space, action_space, options, num_envs=num_envs, gamma=float(gamma), seed=seed)


def effective_config(config: RunConfig, agent: Agent) -> RunConfig:
    """``config`` as the agent was really built: the memory's ``n_step`` is the learner's.

    This is what a run directory's ``config.yaml`` should record.
    """
    if not isinstance(agent, LearnedAgent) or config.memory is None or "n_step" not in config.memory.options:
        return config
    options = {**config.memory.options, "n_step": int(getattr(agent.learner, "n_step", 1))}
    return config.model_copy(update={"memory": config.memory.model_copy(update={"options": options})})


def check_eval_epsilon(epsilon: float, action_space: gym.Space) -> None:
    """``train.eval_epsilon`` > 0 draws random actions, which only discrete action spaces have here."""
    if epsilon > 0 and not isinstance(action_space, gym.spaces.Discrete):
        raise ConfigError(f"train.eval_epsilon: {epsilon:g} needs a Discrete action space, this game has "
                          f"{type(action_space).__name__}; set it to 0")


def check_agent_kind(registry: Registry, kind: str) -> ComponentSpec:
    """The registered agent kind ``kind``; an unknown kind is a clear error listing the known ones."""
    known = registry.names("agents")
    if kind not in known:
        raise ConfigError(f"unknown agent kind {kind!r}; known agent kinds: {', '.join(known) or '(none)'}")
    return registry.get("agents", kind)


def build_agent(ctx: AgentContext) -> Agent:
    """Build the agent kind ``ctx.config.agent`` with the factory a plugin registered for it."""
    return check_agent_kind(ctx.registry, ctx.config.agent).build(ctx)


def build_world(config: RunConfig, registry: Registry) -> World:
    """The world registered for the run's game (``gaikit_register_worlds``), built from the ``game`` options."""
    known = registry.names("worlds")
    if config.game.name not in known:
        raise ConfigError(f"game {config.game.name!r} has no world to simulate; world games: {', '.join(known) or '(none)'}")
    spec = registry.get("worlds", config.game.name)
    return spec.build(validate_options(spec, config.game.options))


@dataclass
class BuiltRun:
    """A game, its vector envs and an agent built against their spaces."""

    game: Game
    envs: gym.vector.VectorEnv
    agent: Agent


def build_run(
    config: RunConfig,
    registry: Registry,
    *,
    num_envs: int | None = None,
    seed: int | None = None,
    check_memory: bool = True,
) -> BuiltRun:
    """Game, ``num_envs`` envs (default ``train.envs``) and the agent, seeded with ``seed``.

    The global RNGs are seeded (:func:`seed_everything`) after the envs are
    made and before the agent is built, so network initialisation is
    reproducible. Envs, devices, replay memory and networks are checked against
    the machine first (:mod:`gaikit.core.resources`): nothing is allocated for a
    run that cannot fit. ``check_memory=False`` skips the memory estimate, for
    callers that never fill the replay (``gaikit eval`` on a smaller machine).
    """
    seed = config.train.seed if seed is None else seed
    num_envs = config.train.envs if num_envs is None else num_envs
    check_envs(num_envs)
    check_devices(config)
    game = build_game(config, registry)
    envs = game.make_vector_env(num_envs, seed=seed)
    try:
        if check_memory:
            check_run_memory(config, envs.single_observation_space, envs.single_action_space)
        check_eval_epsilon(config.train.eval_epsilon, envs.single_action_space)
        seed_everything(seed)
        ctx = AgentContext(config, registry, game, envs.single_observation_space, envs.single_action_space,
                           num_envs, seed)
        agent = build_agent(ctx)
    except BaseException:
        envs.close()
        raise
    return BuiltRun(game, envs, agent)
