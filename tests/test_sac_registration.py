"""The ``sac`` learner as a run builds it: found by name in the registry, options validated by ``SACConfig``,
seeded with the run's seed, and a one-step memory.

The other SAC tests build ``SACLearner`` directly; a run goes through the
plugin registry and the ``learned`` agent instead.
"""

from __future__ import annotations

import pytest
import torch

from gaikit.core.build import AgentContext
from gaikit.core.config import RunConfig
from gaikit.core.errors import ConfigError
from gaikit.core.registry import get_registry
from gaikit.plugins.agents.learned import build_learned_agent
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner

from _sac_spaces import ACTIONS, OBS

OPTIONS = {"alpha": 0.2, "gamma": 0.9, "hidden": [16, 16]}


def build_agent(seed: int, learner_options: dict):
    config = RunConfig.model_validate({
        "game": {"name": "unused"},
        "encoder": {"name": "vector", "options": {"hidden": []}},
        "learner": {"name": "sac", "options": learner_options},
        "memory": {"name": "uniform", "options": {"capacity": 64}},
        "selector": {"name": "gaussian"},
    })
    context = AgentContext(config=config, registry=get_registry(), game=None, observation_space=OBS,
                           action_space=ACTIONS, num_envs=1, seed=seed)
    return build_learned_agent(context)


def test_sac_is_registered_under_its_name_with_its_config_model():
    spec = get_registry().get("learners", "sac")
    assert spec.factory is SACLearner and spec.config is SACConfig


def test_a_run_builds_sac_with_its_options_and_its_seed():
    """The run's learner options reach the learner as a ``SACConfig``, and the run's seed seeds its networks."""
    agent = build_agent(seed=7, learner_options=OPTIONS)
    learner = agent.learner
    assert isinstance(learner, SACLearner) and isinstance(learner.config, SACConfig)
    assert (learner.alpha, learner.gamma, learner.config.hidden) == (pytest.approx(0.2), 0.9, [16, 16])
    direct = SACLearner(OBS, ACTIONS, lambda: make_vector_encoder(OBS, VectorEncoderConfig(hidden=[])),
                      SACConfig(**OPTIONS), seed=7)
    for p, q in zip(learner.actor.parameters(), direct.actor.parameters()):
        assert torch.equal(p, q)
    assert torch.equal(learner.generator.get_state(), direct.generator.get_state())


def test_unknown_sac_options_are_rejected_by_name():
    with pytest.raises(ConfigError, match="learner.sac"):
        build_agent(seed=0, learner_options={"alpah": 0.2})


def test_sac_bootstraps_one_step_so_its_memory_does_too():
    """SAC's target is ``r + discount * V(s')`` over one step: the memory's n_step (set from the learner)
    is 1 and its gamma is the learner's."""
    agent = build_agent(seed=0, learner_options=OPTIONS)
    assert agent.learner.n_step == 1
    assert agent.memory.n_step == 1 and agent.memory.gamma == pytest.approx(0.9)
