"""Each contract clause can fail: a component broken in one way violates the clause that says so.

The contract methods are called directly (they are plain functions of their
fixtures), on small variants of tests/contract_samples/broken_plugin.py.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from gaikit.core.components import Game
from gaikit.testing import (
    ContractViolation,
    EncoderContract,
    GameContract,
    LearnerContract,
    MemoryContract,
    SelectorContract,
    StrategyFileContract,
)

BOX = gym.spaces.Box(-1, 1, (5,), np.float32)
DISCRETE = gym.spaces.Discrete(3)


def _load_samples() -> ModuleType:
    path = Path(__file__).parent / "contract_samples" / "broken_plugin.py"
    spec = importlib.util.spec_from_file_location("gaikit_test_clause_samples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _load_samples()


def violates(clause: str, call: Callable[..., Any], **fixtures: Any) -> str:
    """Run one contract check; it must fail with ``clause``. Returns the message."""
    with pytest.raises(ContractViolation) as info:
        call(**fixtures)
    assert info.value.clause == clause, str(info.value)
    return str(info.value)


# -- memories ---------------------------------------------------------------


class BootstrapsThroughTermination(samples.ForgetfulMemory):
    def add(self, transition):  # type: ignore[no-untyped-def]
        super().add(dataclasses.replace(transition, terminated=np.zeros_like(transition.terminated)))


class OverweightMemory(samples.ForgetfulMemory):
    def sample(self, batch_size):  # type: ignore[no-untyped-def]
        batch = super().sample(batch_size)
        batch.weights = np.full(batch_size, 2.0, np.float32)
        return batch


def memory_fixtures(factory: Any) -> dict[str, Any]:
    return {"make_memory": factory, "observation_space": BOX, "action_space": DISCRETE}


def test_mem_3_terminal_transitions_must_not_bootstrap() -> None:
    message = violates("MEM-3", MemoryContract().test_mem_3_samples_are_stored_transitions,
                       **memory_fixtures(BootstrapsThroughTermination))
    assert "terminated, but discount is 0.9" in message


def reshaped(**changes: Callable[[Any], Any]) -> type:
    """ForgetfulMemory whose sampled batch has each named field passed through a function."""

    class Reshaped(samples.ForgetfulMemory):
        def sample(self, batch_size):  # type: ignore[no-untyped-def]
            batch = super().sample(batch_size)
            for name, change in changes.items():
                setattr(batch, name, change(getattr(batch, name)))
            return batch

    return Reshaped


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"rewards": lambda r: r.astype(np.float64)}, "rewards dtype float64, expected float32"),
        ({"discounts": lambda d: d.astype(np.float16)}, "discounts dtype float16, expected float32"),
        ({"weights": lambda w: w[:, None]}, "weights shape (16, 1), expected (16,)"),
        ({"indices": lambda i: i.astype(np.int32)}, "indices dtype int32, expected int64"),
        ({"actions": lambda a: a.astype(np.float32)}, "actions dtype float32, expected int64"),
        ({"actions": lambda a: a[:, None]}, "actions shape (16, 1), expected (16,)"),
        ({"obs": lambda o: o.astype(np.float64)}, "obs dtype float64, expected float32"),
        ({"next_obs": lambda o: o[:8]}, "next_obs shape (8, 5), expected (16, 5)"),
        ({"rewards": lambda r: r.tolist()}, "rewards is list, expected a numpy array"),
    ],
)
def test_mem_2_wrong_shapes_and_dtypes(changes, expected) -> None:  # type: ignore[no-untyped-def]
    message = violates("MEM-2", MemoryContract().test_mem_2_batch_shapes_and_dtypes,
                       **memory_fixtures(reshaped(**changes)))
    assert expected in message
    MemoryContract().test_mem_2_batch_shapes_and_dtypes(**memory_fixtures(samples.ForgetfulMemory))


def test_mem_2_box_actions_keep_the_space_dtype() -> None:
    fixtures = {"make_memory": reshaped(actions=lambda a: a.astype(np.float64)), "observation_space": BOX,
                "action_space": gym.spaces.Box(-1, 1, (2,), np.float32)}
    message = violates("MEM-2", MemoryContract().test_mem_2_batch_shapes_and_dtypes, **fixtures)
    assert "actions dtype float64, expected float32" in message
    fixtures["make_memory"] = samples.ForgetfulMemory
    MemoryContract().test_mem_2_batch_shapes_and_dtypes(**fixtures)


def test_mem_4_weights_above_one() -> None:
    violates("MEM-4", MemoryContract().test_mem_4_weights_in_unit_interval, **memory_fixtures(OverweightMemory))


def test_mem_6_a_memory_declared_prioritized_must_follow_priorities() -> None:
    contract = MemoryContract()
    contract.prioritized = True
    message = violates("MEM-6", contract.test_mem_6_priority_semantics, **memory_fixtures(samples.ForgetfulMemory))
    assert "priority 10 drawn" in message
    MemoryContract().test_mem_6_priority_semantics(**memory_fixtures(samples.ForgetfulMemory))  # detected uniform


def test_mem_7_unseeded_sampling() -> None:
    class Unseeded(samples.ForgetfulMemory):
        def __init__(self, *args, seed=0, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, seed=None, **kwargs)

    violates("MEM-7", MemoryContract().test_mem_7_seeded_determinism, **memory_fixtures(Unseeded))


# -- selectors --------------------------------------------------------------


class RandomSelector(samples.OutOfRangeSelector):
    """Valid random exploration; greedy is argmin; state_dict forgets the generator."""

    def __init__(self, action_space, config=None, *, seed=0):  # type: ignore[no-untyped-def]
        super().__init__(action_space, config, seed=seed)
        self.rng = np.random.default_rng(seed)

    def select(self, prefs, step, explore=True):  # type: ignore[no-untyped-def]
        if not explore:
            return np.argmin(prefs.values, axis=1)
        return self.rng.integers(0, self.n, size=len(prefs.values))


def selector_fixtures(factory: Any) -> dict[str, Any]:
    return {"make_selector": factory, "action_space": DISCRETE}


def test_sel_3_greedy_must_be_the_argmax() -> None:
    message = violates("SEL-3", SelectorContract().test_sel_3_greedy, **selector_fixtures(RandomSelector))
    assert "argmax" in message


def test_sel_5_state_dict_must_carry_the_generator() -> None:
    violates("SEL-5", SelectorContract().test_sel_5_state_dict_round_trip, **selector_fixtures(RandomSelector))


def test_sel_6_state_must_be_checkpointable() -> None:
    class HoldsAGenerator(RandomSelector):
        def state_dict(self):  # type: ignore[no-untyped-def]
            return {"rng": self.rng}

    message = violates("SEL-6", SelectorContract().test_sel_6_state_dict_is_checkpoint_safe,
                       **selector_fixtures(HoldsAGenerator))
    assert "Generator" in message


def test_sel_8_per_actor_actions_must_stay_valid() -> None:
    class LadderOffByOne(RandomSelector):
        def set_actor(self, index, count):  # type: ignore[no-untyped-def]
            self.n = self.n + index  # a ladder that widens the action range instead of the exploration rate

    message = violates("SEL-8", SelectorContract().test_sel_8_per_actor, **selector_fixtures(LadderOffByOne))
    assert "actor 1 of 4" in message


# -- encoders ---------------------------------------------------------------


class CentringEncoder(nn.Module):
    """A linear layer whose output is centred on the batch mean: rows depend on each other."""

    features_dim = 4

    def __init__(self, space: gym.Space) -> None:
        super().__init__()
        self.linear = nn.Linear(int(np.prod(space.shape)), 4)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        out = self.linear(obs.float())
        return out - out.mean(dim=0, keepdim=True)


def test_enc_5_batch_statistics_couple_rows() -> None:
    message = violates("ENC-5", EncoderContract().test_enc_5_rows_independent,
                       make_encoder=CentringEncoder, observation_space=BOX)
    assert "encodes differently alone than in a batch of 5" in message


def test_enc_3_wrong_dtype() -> None:
    class DoubleEncoder(CentringEncoder):
        def forward(self, obs):  # type: ignore[no-untyped-def]
            return self.linear(obs.float()).double()

    message = violates("ENC-3", EncoderContract().test_enc_3_shape_and_dtype,
                       make_encoder=DoubleEncoder, observation_space=BOX)
    assert "torch.float64" in message


# -- learners ---------------------------------------------------------------


class FrozenLearner(samples.ExplodingLearner):
    def update(self, batch):  # type: ignore[no-untyped-def]
        return samples.UpdateResult({"loss": 0.0}, np.full(len(batch.rewards), -1.0))


def learner_fixtures(factory: Any) -> dict[str, Any]:
    from gaikit.testing.data import FlattenEncoder

    return {"make_learner": factory, "observation_space": BOX, "action_space": DISCRETE,
            "learner_encoder": FlattenEncoder}


def test_lrn_5_update_must_change_the_learner() -> None:
    violates("LRN-5", LearnerContract().test_lrn_5_update_changes_state, **learner_fixtures(FrozenLearner))


def test_lrn_3_td_errors_must_be_absolute() -> None:
    message = violates("LRN-3", LearnerContract().test_lrn_3_update_result, **learner_fixtures(FrozenLearner))
    assert "td_errors" in message


def test_lrn_9_learner_must_use_make_encoder() -> None:
    class OwnEncoder(samples.ExplodingLearner):
        def __init__(self, observation_space, action_space, make_encoder, config=None, *, seed=0):  # type: ignore[no-untyped-def]
            super().__init__(observation_space, action_space, lambda: CentringEncoder(observation_space), seed=seed)

    violates("LRN-9", LearnerContract().test_lrn_9_uses_make_encoder, **learner_fixtures(OwnEncoder))


def test_lrn_10_policy_state_must_carry_the_encoder() -> None:
    class HeadOnlyPolicy(FrozenLearner):
        def policy_state(self):  # type: ignore[no-untyped-def]
            return {"head": self.head.state_dict()}

        def load_policy_state(self, state):  # type: ignore[no-untyped-def]
            self.head.load_state_dict(state["head"])

    message = violates("LRN-10", LearnerContract().test_lrn_10_policy_state_round_trip,
                       **learner_fixtures(HeadOnlyPolicy))
    assert "load_policy_state" in message


# -- games and strategy files -----------------------------------------------


class NextStepCartPole(Game):
    """CartPole whose vector env uses gymnasium's default (NextStep) autoreset."""

    name = "next-step-cartpole"

    def make_env(self, seed=None, render_mode=None):  # type: ignore[no-untyped-def]
        return gym.make("CartPole-v1")

    def make_vector_env(self, num_envs, seed):  # type: ignore[no-untyped-def]
        return gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(num_envs)])


def test_game_4_vector_env_must_autoreset_in_same_step_mode() -> None:
    message = violates("GAME-4", GameContract().test_game_4_vector_env, make_game=NextStepCartPole)
    assert "expected SAME_STEP" in message
    GameContract().test_game_2_check_env(make_game=NextStepCartPole)  # the single env itself is fine


def test_strat_2_invalid_strategy_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("game: nothing\nstrategies:\n  default:\n    vaules: {}\n", encoding="utf-8")
    StrategyFileContract().test_strat_1_path_exists(strategy_path=path)
    message = violates("STRAT-2", StrategyFileContract().test_strat_2_loads, strategy_path=path, game_features=())
    assert "broken.yaml" in message
