"""Build a game and an agent from a resolved :class:`RunConfig` and a :class:`Registry`.

Each component's saved options are validated into the config model its
plugin registered, then its factory is called with the signature documented
on its contract in :mod:`gaikit.core.components`.

Agents are built through a table of builders keyed by ``RunConfig.agent``.
Core ships ``"learned"``; higher layers (the CLI) pass extra builders, e.g.
``"strategy"``, to :func:`build_agent` so core never imports upward.

Seeds: the learner gets ``seed``, the memory ``seed + 1`` and the selector
``seed + 2``, so no two components draw from the same random stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import gymnasium as gym
from pydantic import BaseModel, ValidationError

from gaikit.core.agent import LearnedAgent
from gaikit.core.components import Agent, Encoder, Game
from gaikit.core.config import ComponentConfig, RunConfig, format_validation_error
from gaikit.core.errors import ConfigError
from gaikit.core.registry import SINGULAR, ComponentSpec, Registry
from gaikit.core.seeding import seed_everything

#: Seed offsets of the components of a learned agent.
MEMORY_SEED_OFFSET = 1
SELECTOR_SEED_OFFSET = 2


@dataclass
class AgentContext:
    """Everything an agent builder may use to build an agent for one run."""

    config: RunConfig
    registry: Registry
    game: Game
    observation_space: gym.Space
    action_space: gym.Space
    num_envs: int
    seed: int


#: ``builder(context) -> Agent``, registered under a ``RunConfig.agent`` kind.
AgentBuilder = Callable[[AgentContext], Agent]


def validate_options(spec: ComponentSpec, options: Mapping[str, Any], source: str = "config") -> BaseModel:
    """``options`` validated into the component's config model; errors name the field."""
    try:
        return spec.config.model_validate(dict(options))
    except ValidationError as exc:
        section = SINGULAR[spec.kind]
        raise ConfigError(format_validation_error(exc, source, (section, spec.name))) from None


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
    game = spec.factory(options)
    keys = None
    if config.encoder is not None:
        keys = getattr(registry.get("encoders", config.encoder.name).factory, "observation_keys", None)
    game.select_observation(keys)
    return game


def _require(config: RunConfig, section: str) -> ComponentConfig:
    chosen = getattr(config, section)
    if chosen is None:
        raise ConfigError(f"agent 'learned' needs a {section}; pass --{section} NAME")
    return chosen


def build_learned_agent(ctx: AgentContext) -> LearnedAgent:
    """Encoder + learner + memory + selector from the run config.

    The memory's ``gamma`` (and ``n_step``, if its config model has that
    field) come from the learner, which owns the bootstrap target.
    """
    config, registry = ctx.config, ctx.registry
    obs_space, act_space = ctx.observation_space, ctx.action_space
    encoder_spec, encoder_options = build_component_config(registry, "encoders", _require(config, "encoder"))
    built: list[Encoder] = []

    def make_encoder() -> Encoder:
        encoder = encoder_spec.factory(obs_space, encoder_options)
        built.append(encoder)
        return encoder

    learner_spec, learner_options = build_component_config(registry, "learners", _require(config, "learner"))
    learner = learner_spec.factory(obs_space, act_space, make_encoder, learner_options, seed=ctx.seed)

    memory_choice = _require(config, "memory")
    memory_spec = registry.get("memories", memory_choice.name)
    memory_raw = dict(memory_choice.options)
    if "n_step" in memory_spec.config.model_fields:
        memory_raw["n_step"] = int(getattr(learner, "n_step", 1))
    memory_options = validate_options(memory_spec, memory_raw)
    memory = memory_spec.factory(
        obs_space,
        act_space,
        memory_options,
        num_envs=ctx.num_envs,
        gamma=float(learner.gamma),
        seed=ctx.seed + MEMORY_SEED_OFFSET,
    )

    selector_spec, selector_options = build_component_config(registry, "selectors", _require(config, "selector"))
    selector = selector_spec.factory(act_space, selector_options, seed=ctx.seed + SELECTOR_SEED_OFFSET)

    parameters = learner.encoder_parameter_count() or (built[0].parameter_count() if built else 0)
    names = {
        "encoder": encoder_spec.name,
        "learner": learner_spec.name,
        "memory": memory_spec.name,
        "selector": selector_spec.name,
    }
    return LearnedAgent(
        learner, memory, selector, batch_size=config.train.batch_size, names=names, encoder_parameters=parameters
    )


def effective_config(config: RunConfig, agent: Agent) -> RunConfig:
    """``config`` as the agent was really built: the memory's ``n_step`` is the learner's.

    This is what a run directory's ``config.yaml`` should record.
    """
    if not isinstance(agent, LearnedAgent) or config.memory is None or "n_step" not in config.memory.options:
        return config
    options = {**config.memory.options, "n_step": int(getattr(agent.learner, "n_step", 1))}
    return config.model_copy(update={"memory": config.memory.model_copy(update={"options": options})})


#: The agent kinds core knows; the CLI adds its own on top (see :func:`build_agent`).
AGENT_BUILDERS: dict[str, AgentBuilder] = {"learned": build_learned_agent}


def build_agent(ctx: AgentContext, builders: Mapping[str, AgentBuilder] | None = None) -> Agent:
    """Build the agent kind ``ctx.config.agent`` from ``builders`` (default :data:`AGENT_BUILDERS`)."""
    table = dict(AGENT_BUILDERS if builders is None else builders)
    builder = table.get(ctx.config.agent)
    if builder is None:
        raise ConfigError(
            f"unknown agent kind {ctx.config.agent!r}; known agent kinds: {', '.join(sorted(table))}"
        )
    return builder(ctx)


@dataclass
class BuiltRun:
    """A game, its vector envs and an agent built against their spaces."""

    game: Game
    envs: gym.vector.VectorEnv
    agent: Agent


def build_run(
    config: RunConfig,
    registry: Registry,
    builders: Mapping[str, AgentBuilder] | None = None,
    *,
    num_envs: int | None = None,
    seed: int | None = None,
) -> BuiltRun:
    """Game, ``num_envs`` envs (default ``train.envs``) and the agent, seeded with ``seed``.

    The global RNGs are seeded (:func:`seed_everything`) after the envs are
    made and before the agent is built, so network initialisation is
    reproducible.
    """
    seed = config.train.seed if seed is None else seed
    num_envs = config.train.envs if num_envs is None else num_envs
    game = build_game(config, registry)
    envs = game.make_vector_env(num_envs, seed=seed)
    try:
        seed_everything(seed)
        ctx = AgentContext(config, registry, game, envs.single_observation_space, envs.single_action_space,
                           num_envs, seed)
        agent = build_agent(ctx, builders)
    except BaseException:
        envs.close()
        raise
    return BuiltRun(game, envs, agent)
