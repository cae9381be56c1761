"""The ``sac`` learner's construction: what it refuses, the options it honours, its seed and its action dtype."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.core.errors import ConfigError
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner

from _sac_spaces import ACTIONS, OBS


def encoder():
    return make_vector_encoder(OBS, VectorEncoderConfig(hidden=[]))


def make_learner(action_space=ACTIONS, seed=0, **options):
    return SACLearner(OBS, action_space, encoder, SACConfig(hidden=[16, 16], **options), seed=seed)


def batch(n=32, seed=0, action_dtype=np.float32):
    rng = np.random.default_rng(seed)
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(action_dtype),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=np.where(np.arange(n) % 3 == 0, 0.0, 0.9).astype(np.float32),
        indices=np.arange(n),
        weights=rng.uniform(0.3, 2.0, n).astype(np.float32),
    )


def same_networks(a, b) -> bool:
    pairs = [(a.actor, b.actor), (a.critic, b.critic), (a.critic_target, b.critic_target)]
    return all(torch.equal(p, q) for x, y in pairs for p, q in zip(x.parameters(), y.parameters()))


# -- what the learner refuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high"),
    [([-1.0, -1.0], [1.0, np.inf]), ([-np.inf, -1.0], [1.0, 1.0]), ([-np.inf, -np.inf], [np.inf, np.inf])],
    ids=["high unbounded", "low unbounded", "both unbounded"],
)
def test_an_action_space_unbounded_on_either_side_is_refused(low, high):
    """Actions are tanh-squashed into [low, high], so one infinite bound on either side is already an error
    (the message, in full, is what the user reads)."""
    box = gym.spaces.Box(np.array(low, np.float32), np.array(high, np.float32), dtype=np.float32)
    message = r"^learner 'sac' needs finite action bounds \(low/high\) to squash actions into$"
    with pytest.raises(ConfigError, match=message):
        make_learner(action_space=box)


@pytest.mark.parametrize(("low", "high"), [(0.5, 0.5), (1.0, -1.0)], ids=["equal", "reversed"])
def test_log_std_bounds_must_leave_room(low, high):
    """log_std_min must lie strictly below log_std_max: equal bounds would pin the std, so they are refused too."""
    with pytest.raises(ConfigError, match=r"^learner\.sac: log_std_min must be below log_std_max$"):
        make_learner(log_std_min=low, log_std_max=high)


# -- options it honours ---------------------------------------------------------------------------


def set_policy(learner, log_std):
    """A policy with mean 0 and the given log_std everywhere (zero head weights)."""
    with torch.no_grad():
        learner.actor.heads.weight.zero_()
        learner.actor.heads.bias.copy_(torch.tensor([0.0, 0.0, log_std, log_std]))


@pytest.mark.parametrize(("target_entropy", "direction"), [(None, "down"), (5.0, "up")])
def test_configured_target_entropy_steers_the_temperature(target_entropy, direction):
    """The same policy (entropy about 2.5 nats) lowers alpha against the default target -|A| = -2,
    but raises it against a configured target of 5 nats above its entropy."""
    learner = make_learner(alpha="auto", alpha_init=0.5, alpha_lr=1e-2, target_entropy=target_entropy)
    assert learner.target_entropy == (-2.0 if target_entropy is None else target_entropy)
    set_policy(learner, 0.0)
    entropy = learner.update(batch()).metrics["entropy"]
    assert -2.0 < entropy < 5.0
    assert (learner.alpha < 0.5) == (direction == "down")
    assert learner.alpha != pytest.approx(0.5, abs=1e-4)


# -- seeds ----------------------------------------------------------------------------------------


def test_the_seed_reaches_the_networks_and_defaults_to_zero():
    """Different seeds give different networks; no seed is seed 0, the run config's default ``train.seed``."""
    seeded = make_learner(seed=0)
    assert not same_networks(seeded, make_learner(seed=5))
    assert same_networks(make_learner(seed=5), make_learner(seed=5))
    config = SACConfig(hidden=[16, 16])
    assert same_networks(seeded, SACLearner(OBS, ACTIONS, encoder, config))
    # The generator the update samples from is seeded too.
    assert torch.equal(SACLearner(OBS, ACTIONS, encoder, config).generator.get_state(), seeded.generator.get_state())


# -- action dtype ---------------------------------------------------------------------------------


def test_a_float64_box_trains_exactly_like_the_float32_one():
    """A memory hands back actions in the action space's dtype (Batch contract): a float64 Box's batches
    are converted to the networks' float32, so the update is bit-identical to the float32 one."""
    box64 = gym.spaces.Box(ACTIONS.low.astype(np.float64), ACTIONS.high.astype(np.float64), dtype=np.float64)
    learner64, learner32 = make_learner(action_space=box64, seed=3), make_learner(seed=3)
    for seed in range(2):
        batch64, batch32 = batch(seed=seed, action_dtype=np.float64), batch(seed=seed)
        assert batch64.actions.dtype == np.float64
        got, expected = learner64.update(batch64), learner32.update(batch32)
        assert got.metrics == expected.metrics
        np.testing.assert_array_equal(got.td_errors, expected.td_errors)
    assert same_networks(learner64, learner32)
