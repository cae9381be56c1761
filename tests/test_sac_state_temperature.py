"""``SACLearner.state_dict`` / ``load_state_dict``: the temperature's optimiser and the update counter.

``test_sac.py`` checks that a resumed learner's next update reports the same
metrics; those are computed before any step, so they cannot tell whether the
temperature's Adam moments came back. Here training goes on for several
updates after the resume and the temperature itself is compared.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner

from _sac_spaces import ACTIONS, OBS


def make_learner(seed=0, **options):
    config = SACConfig(**{"hidden": [16, 16], "alpha_lr": 3e-2, **options})
    return SACLearner(OBS, ACTIONS, lambda: make_vector_encoder(OBS, VectorEncoderConfig(hidden=[])), config, seed=seed)


def batch(seed, n=32):
    rng = np.random.default_rng(seed)
    return Batch(
        obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        actions=rng.uniform(ACTIONS.low, ACTIONS.high, (n, 2)).astype(np.float32),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 3)).astype(np.float32),
        discounts=np.where(np.arange(n) % 3 == 0, 0.0, 0.9).astype(np.float32),
        indices=np.arange(n),
        weights=rng.uniform(0.3, 2.0, n).astype(np.float32),
    )


def roundtrip(state):
    """Through ``torch.save`` / ``torch.load(weights_only=True)``, as a checkpoint's tensors go."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_auto_temperature_resumes_with_its_adam_moments():
    """With ``alpha: auto`` the temperature's Adam state is saved and restored: a resumed learner's
    temperature follows the uninterrupted one exactly, update after update."""
    original = make_learner(alpha="auto", alpha_init=0.5)
    for seed in range(3):
        original.update(batch(seed))
    state = roundtrip(original.state_dict())
    assert state["alpha_optimizer"] is not None and state["alpha_optimizer"]["state"]
    restored = make_learner(seed=99, alpha="auto", alpha_init=0.5)
    restored.load_state_dict(state)
    for seed in range(3, 6):
        original.update(batch(seed))
        restored.update(batch(seed))
        assert restored.log_alpha.item() == original.log_alpha.item(), seed
    assert original.alpha != pytest.approx(0.5, abs=1e-3)  # the temperature really moved
    step = original.alpha_optimizer.state[original.log_alpha]["step"]
    assert restored.alpha_optimizer.state[restored.log_alpha]["step"] == step == 6


def test_fixed_temperature_state_round_trips():
    """With a fixed alpha there is no temperature optimiser: the state says so and loads back."""
    original = make_learner(alpha=0.2)
    original.update(batch(0))
    state = roundtrip(original.state_dict())
    assert state["alpha_optimizer"] is None
    restored = make_learner(seed=99, alpha=0.2)
    restored.load_state_dict(state)
    a, b = original.update(batch(1)), restored.update(batch(1))
    assert a.metrics == b.metrics
    assert restored.alpha == pytest.approx(0.2)


def test_a_fixed_temperature_state_warm_starts_an_auto_temperature_learner():
    """A state saved with a fixed alpha (no temperature optimiser) loads into an ``alpha: auto`` learner:
    the networks and the temperature's value come from the state, its Adam starts fresh."""
    fixed = make_learner(alpha=0.2)
    fixed.update(batch(0))
    auto = make_learner(seed=99, alpha="auto", alpha_init=0.5)
    auto.load_state_dict(roundtrip(fixed.state_dict()))
    assert auto.alpha == pytest.approx(0.2)
    assert auto.alpha_optimizer is not None and not auto.alpha_optimizer.state
    auto.update(batch(1))
    assert auto.alpha != pytest.approx(0.2, abs=1e-4)  # tuned from the saved value on
    assert auto.alpha_optimizer.state[auto.log_alpha]["step"] == 1


def test_the_update_counter_counts_updates_and_schedules_the_resumed_actor_phase():
    """``updates`` (saved in checkpoints) is the number of critic steps done, and a resumed learner
    continues the actor schedule from it: after 2 saved updates with ``actor_update_freq`` 3,
    the next update is the third and runs the actor phase."""
    learner = make_learner(alpha="auto", actor_update_freq=3)
    for seed in range(2):
        assert "actor_loss" not in learner.update(batch(seed)).metrics
    assert learner.updates == 2 and learner.state_dict()["updates"] == 2
    resumed = make_learner(seed=99, alpha="auto", actor_update_freq=3)
    resumed.load_state_dict(roundtrip(learner.state_dict()))
    assert "actor_loss" in resumed.update(batch(2)).metrics
    assert resumed.updates == 3
