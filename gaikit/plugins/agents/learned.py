"""The ``learned`` agent kind: encoder + learner + memory + selector, built from the run config.

Seeds: the learner gets ``seed``, the memory ``seed + 1`` and the selector
``seed + 2``, so no two components draw from the same random stream.
"""

from __future__ import annotations

from gaikit.core.agent import LearnedAgent
from gaikit.core.build import AgentContext, build_component_config, build_memory
from gaikit.core.components import Encoder
from gaikit.core.config import ComponentConfig, RunConfig
from gaikit.core.errors import ConfigError

#: Seed offsets of the components of a learned agent.
MEMORY_SEED_OFFSET = 1
SELECTOR_SEED_OFFSET = 2


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
        encoder = encoder_spec.build(obs_space, encoder_options)
        built.append(encoder)
        return encoder

    learner_spec, learner_options = build_component_config(registry, "learners", _require(config, "learner"))
    learner = learner_spec.build(obs_space, act_space, make_encoder, learner_options, seed=ctx.seed)

    memory_choice = _require(config, "memory")
    memory = build_memory(registry, memory_choice, obs_space, act_space, num_envs=ctx.num_envs,
                          gamma=float(learner.gamma), n_step=int(getattr(learner, "n_step", 1)),
                          seed=ctx.seed + MEMORY_SEED_OFFSET)

    selector_spec, selector_options = build_component_config(registry, "selectors", _require(config, "selector"))
    selector = selector_spec.build(act_space, selector_options, seed=ctx.seed + SELECTOR_SEED_OFFSET)

    parameters = learner.encoder_parameter_count() or (built[0].parameter_count() if built else 0)
    names = {
        "encoder": encoder_spec.name,
        "learner": learner_spec.name,
        "memory": memory_choice.name,
        "selector": selector_spec.name,
    }
    return LearnedAgent(
        learner, memory, selector, batch_size=config.train.batch_size, names=names, encoder_parameters=parameters,
        observation_space=obs_space, action_space=act_space,
    )
