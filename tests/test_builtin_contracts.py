"""Every built-in component honours its kind's contract (gaikit.testing).

The classes are generated from the registry, so a built-in added to a kind's
``MODULES`` is covered here without editing this file.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.registry import KINDS, get_registry
from gaikit.testing import LearnerContract, MemoryContract, registered_maker
from gaikit.testing.makers import matching_plugins
from gaikit.testing.registered import KIND_CLASSES, contract_classes

BUILTIN = ("builtin-*",)

globals().update(contract_classes(BUILTIN, module=__name__, prefix="TestBuiltin"))


def test_every_builtin_kind_is_covered() -> None:
    """All eight built-in plugins load, and every kind they supply (agent kinds and worlds too) gets a contract class here."""
    registry = get_registry()
    assert len(matching_plugins(registry, BUILTIN)) == len(KINDS) == 8
    kinds = {spec.kind for spec in registry.all() if spec.plugin.startswith("builtin-")}
    assert kinds == set(KINDS)
    for kind in kinds:
        assert kind in KIND_CLASSES, f"no contract for kind {kind!r}"
        generated = globals().get(f"TestBuiltin{kind.capitalize()}")
        assert generated is not None and issubclass(generated, KIND_CLASSES[kind]), kind


class TestBuiltinPrioritizedFollowsPriorities(MemoryContract):
    """``prioritized`` must sample by priority (MEM-6 required, not merely detected)."""

    prioritized = True

    @pytest.fixture
    def observation_space(self) -> gym.Space:
        return gym.spaces.Box(-1, 1, (3,), np.float32)

    @pytest.fixture
    def action_space(self) -> gym.Space:
        return gym.spaces.Discrete(2)

    @pytest.fixture
    def make_memory(self):  # noqa: ANN201
        return registered_maker("memories", "prioritized")


class TestBuiltinMemoriesWithNStepReturns(MemoryContract):
    """Both built-in memories with 3-step returns: MEM-3 then checks windows and discounts."""

    @pytest.fixture
    def observation_space(self) -> gym.Space:
        return gym.spaces.Box(-1, 1, (3,), np.float32)

    @pytest.fixture
    def action_space(self) -> gym.Space:
        return gym.spaces.Box(-1, 1, (2,), np.float32)

    @pytest.fixture(params=["uniform", "prioritized"])
    def make_memory(self, request: pytest.FixtureRequest):  # noqa: ANN201
        spec = get_registry().get("memories", request.param)

        def make(observation_space, action_space, **kwargs):  # type: ignore[no-untyped-def]
            return spec.factory(observation_space, action_space, spec.config(n_step=3), **kwargs)

        return make


class TestBuiltinSACWithStateDependentExploration(LearnerContract):
    """``sac`` with ``use_sde`` (an SDE actor with its own log_std matrix) honours the learner contract too."""

    @pytest.fixture
    def observation_space(self) -> gym.Space:
        return gym.spaces.Box(-1, 1, (3,), np.float32)

    @pytest.fixture
    def action_space(self) -> gym.Space:
        return gym.spaces.Box(-2, 2, (2,), np.float32)

    @pytest.fixture
    def make_learner(self):  # noqa: ANN201
        spec = get_registry().get("learners", "sac")

        def make(observation_space, action_space, make_encoder, *, seed):  # type: ignore[no-untyped-def]
            config = spec.config(use_sde=True, hidden=[16, 16], log_std_init=-1.0)
            return spec.factory(observation_space, action_space, make_encoder, config, seed=seed)

        return make
