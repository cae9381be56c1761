"""The learner contract: predictions, updates, determinism and exact resume.

Subclass :class:`LearnerContract` and provide ``observation_space``,
``action_space`` and ``make_learner`` fixtures; ``make_learner(observation_space,
action_space, make_encoder, *, seed) -> Learner``. The learner is given a
tiny flatten-and-project encoder; override the ``learner_encoder`` fixture
(``learner_encoder(observation_space) -> Encoder``) to use your own.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pytest
import torch
from gymnasium import spaces

from gaikit.core.components import Preferences, UpdateResult
from gaikit.testing.clauses import check, guarded
from gaikit.testing.data import FlattenEncoder, learner_batch, sample_batch
from gaikit.testing.statecheck import checkpoint_problem, difference, non_finite, snapshot


class LearnerContract:
    """Contract tests for a learner (see the module docstring for fixtures)."""

    #: Transitions per update batch.
    batch_size = 8
    #: Gradient steps taken where a clause needs a trained learner.
    updates = 3

    @pytest.fixture
    def learner_encoder(self) -> Callable[[Any], Any]:
        """``learner_encoder(observation_space) -> Encoder`` handed to the learner via ``make_encoder``."""
        return FlattenEncoder

    # -- helpers -------------------------------------------------------------

    def build(self, make_learner: Any, observation_space: Any, action_space: Any, learner_encoder: Any,
              seed: int = 0) -> tuple[Any, list[Any]]:
        """A fresh learner and the encoders it asked ``make_encoder`` for; a failure violates LRN-0."""
        built: list[Any] = []

        def make_encoder() -> Any:
            encoder = learner_encoder(observation_space)
            built.append(encoder)
            return encoder

        learner = guarded(
            "LRN-0", "make_learner(...)", make_learner, observation_space, action_space, make_encoder, seed=seed
        )
        return learner, built

    def batch(self, observation_space: Any, action_space: Any, seed: int) -> Any:
        """A well-formed synthetic batch."""
        return learner_batch(observation_space, action_space, self.batch_size, seed)

    def update(self, learner: Any, batch: Any, clause: str = "LRN-3") -> Any:
        """``learner.update(batch)``; an exception violates ``clause``."""
        return guarded(clause, "learner.update(batch)", learner.update, batch)

    def trained(self, learner: Any, observation_space: Any, action_space: Any, clause: str) -> Any:
        """``learner`` after :attr:`updates` gradient steps on fixed synthetic batches."""
        for k in range(self.updates):
            self.update(learner, self.batch(observation_space, action_space, seed=100 + k), clause)
        return learner

    def predict(self, learner: Any, observation_space: Any, clause: str, seed: int = 50) -> Preferences:
        """``learner.predict`` on a fixed batch; an exception violates ``clause``."""
        obs = sample_batch(observation_space, self.batch_size, seed)
        return guarded(clause, "learner.predict(obs)", learner.predict, obs)

    def copied(self, make_learner: Any, observation_space: Any, action_space: Any, learner_encoder: Any,
               clause: str, save: str, load: str, seed: int) -> tuple[Any, Any]:
        """A trained learner and a fresh one (another seed) given its ``save()`` through ``load()``.

        The two must predict the same, or ``clause`` is violated.
        """
        source, _ = self.build(make_learner, observation_space, action_space, learner_encoder, seed=seed)
        self.trained(source, observation_space, action_space, clause)
        state = snapshot(guarded(clause, save, getattr(source, save)))
        target, _ = self.build(make_learner, observation_space, action_space, learner_encoder, seed=seed * 10)
        guarded(clause, load, getattr(target, load), state)
        found = difference(vars(self.predict(source, observation_space, clause)),
                           vars(self.predict(target, observation_space, clause)), "preferences", atol=1e-6)
        check(found is None, clause, f"a fresh learner after {load}: {found}")
        return source, target

    # -- clauses -------------------------------------------------------------

    def test_lrn_1_gamma_and_n_step(self, make_learner: Any, observation_space: Any, action_space: Any,
                                    learner_encoder: Any) -> None:
        """LRN-1: ``0 < gamma <= 1`` and ``n_step`` a positive int."""
        learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder)
        gamma = getattr(learner, "gamma", None)
        check(isinstance(gamma, (float, int)) and 0 < gamma <= 1, "LRN-1", f"gamma is {gamma!r}")
        n_step = getattr(learner, "n_step", 1)
        check(isinstance(n_step, (int, np.integer)) and n_step >= 1, "LRN-1", f"n_step is {n_step!r}")

    def test_lrn_2_predict_shapes(self, make_learner: Any, observation_space: Any, action_space: Any,
                                  learner_encoder: Any) -> None:
        """LRN-2: ``values (batch, n)`` for Discrete, ``mean``/``log_std (batch, dim)`` for Box."""
        learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder)
        prefs = self.predict(learner, observation_space, "LRN-2")
        check(isinstance(prefs, Preferences), "LRN-2", f"predict returned {type(prefs).__name__}, not Preferences")
        n = self.batch_size
        if isinstance(action_space, spaces.Discrete):
            fields = {"values": (n, int(action_space.n))}
        else:
            fields = {"mean": (n, int(np.prod(action_space.shape))), "log_std": (n, int(np.prod(action_space.shape)))}
        for name, shape in fields.items():
            value = getattr(prefs, name)
            check(value is not None, "LRN-2", f"{name} is None for a {type(action_space).__name__} action space")
            value = np.asarray(value)
            check(value.shape == shape, "LRN-2", f"{name} shape {value.shape}, expected {shape}")
            check(value.dtype.kind == "f", "LRN-2", f"{name} dtype {value.dtype}, expected floats")
            check(np.isfinite(value).all(), "LRN-2", f"{name} holds NaN or inf")

    def test_lrn_3_update_result(self, make_learner: Any, observation_space: Any, action_space: Any,
                                 learner_encoder: Any) -> None:
        """LRN-3: an :class:`UpdateResult` with finite float metrics and valid ``td_errors``."""
        learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder)
        result = self.update(learner, self.batch(observation_space, action_space, seed=3))
        check(isinstance(result, UpdateResult), "LRN-3", f"update returned {type(result).__name__}")
        check(isinstance(result.metrics, dict), "LRN-3", f"metrics is {type(result.metrics).__name__}, not a dict")
        for key, value in result.metrics.items():
            check(isinstance(key, str), "LRN-3", f"metric key {key!r} is not a string")
            check(
                isinstance(value, (float, int, np.floating, np.integer)) and math.isfinite(float(value)),
                "LRN-3", f"metric {key!r} is {value!r}, expected a finite float",
            )
        if result.td_errors is not None:
            td = np.asarray(result.td_errors)
            check(td.shape == (self.batch_size,), "LRN-3", f"td_errors shape {td.shape}, expected {(self.batch_size,)}")
            check(np.isfinite(td).all() and (td >= 0).all(), "LRN-3", "td_errors must be finite and >= 0 (absolute)")

    def test_lrn_4_finite_after_updates(self, make_learner: Any, observation_space: Any, action_space: Any,
                                        learner_encoder: Any) -> None:
        """LRN-4: predictions and state stay finite after several updates."""
        learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder)
        self.trained(learner, observation_space, action_space, "LRN-4")
        prefs = self.predict(learner, observation_space, "LRN-4")
        for name in ("values", "mean", "log_std"):
            value = getattr(prefs, name, None)
            if value is not None:
                check(np.isfinite(np.asarray(value)).all(), "LRN-4", f"{name} holds NaN or inf after updates")
        where = non_finite(guarded("LRN-4", "state_dict", learner.state_dict))
        check(where is None, "LRN-4", f"NaN or inf in {where} after {self.updates} updates")

    def test_lrn_5_update_changes_state(self, make_learner: Any, observation_space: Any, action_space: Any,
                                        learner_encoder: Any) -> None:
        """LRN-5: a gradient step changes the learner's parameters."""
        learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder)
        before = snapshot(guarded("LRN-5", "state_dict", learner.state_dict))
        self.trained(learner, observation_space, action_space, "LRN-5")
        after = learner.state_dict()
        check(difference(before, after) is not None, "LRN-5", f"state_dict unchanged after {self.updates} updates")

    def test_lrn_6_seeded_determinism(self, make_learner: Any, observation_space: Any, action_space: Any,
                                      learner_encoder: Any) -> None:
        """LRN-6: same seed and batches -> same predictions, before and after updates."""
        results = []
        for _ in range(2):
            learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder, seed=6)
            fresh = self.predict(learner, observation_space, "LRN-6")
            self.trained(learner, observation_space, action_space, "LRN-6")
            results.append((vars(fresh), vars(self.predict(learner, observation_space, "LRN-6"))))
        for stage, first, second in zip(("built", "updated"), results[0], results[1]):
            found = difference(first, second, "preferences", atol=1e-6)
            check(
                found is None, "LRN-6",
                f"two learners with seed 6, {stage}: {found} (seed torch before calling make_encoder)",
            )

    def test_lrn_7_state_dict_round_trip(self, make_learner: Any, observation_space: Any, action_space: Any,
                                         learner_encoder: Any) -> None:
        """LRN-7: a loaded learner predicts the same and takes the same next update."""
        source, target = self.copied(make_learner, observation_space, action_space, learner_encoder, "LRN-7",
                                     "state_dict", "load_state_dict", seed=7)
        for k in range(2):
            batch = self.batch(observation_space, action_space, seed=700 + k)
            self.update(source, batch, "LRN-7")
            self.update(target, batch, "LRN-7")
        found = difference(vars(self.predict(source, observation_space, "LRN-7")),
                           vars(self.predict(target, observation_space, "LRN-7")), "preferences", atol=1e-5)
        check(found is None, "LRN-7", f"after the same 2 updates (optimiser or target state not restored?): {found}")

    def test_lrn_8_state_dict_is_checkpoint_safe(self, make_learner: Any, observation_space: Any,
                                                 action_space: Any, learner_encoder: Any) -> None:
        """LRN-8: the state survives a checkpoint round trip (gaikit.core.checkpoint) unchanged."""
        learner, _ = self.build(make_learner, observation_space, action_space, learner_encoder)
        self.trained(learner, observation_space, action_space, "LRN-8")
        problem = checkpoint_problem(guarded("LRN-8", "state_dict", learner.state_dict))
        check(problem is None, "LRN-8", str(problem))

    def test_lrn_10_policy_state_round_trip(self, make_learner: Any, observation_space: Any, action_space: Any,
                                            learner_encoder: Any) -> None:
        """LRN-10: what actor–learner collectors load (``policy_state``) reproduces the learner's predictions."""
        self.copied(make_learner, observation_space, action_space, learner_encoder, "LRN-10",
                    "policy_state", "load_policy_state", seed=10)

    def test_lrn_9_uses_make_encoder(self, make_learner: Any, observation_space: Any, action_space: Any,
                                     learner_encoder: Any) -> None:
        """LRN-9: the learner's networks are built on encoders from ``make_encoder``."""
        learner, built = self.build(make_learner, observation_space, action_space, learner_encoder)
        check(built, "LRN-9", "make_encoder was never called: the learner ignores the configured encoder")
        before = [[p.detach().clone() for p in encoder.parameters()] for encoder in built]
        self.trained(learner, observation_space, action_space, "LRN-9")
        changed = any(
            not torch.equal(a, p.detach())
            for encoder, params in zip(built, before)
            for a, p in zip(params, encoder.parameters())
        )
        check(changed, "LRN-9", f"updates changed none of the {len(built)} encoders make_encoder built")
