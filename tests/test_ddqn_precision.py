"""``learner.precision: bf16-mixed``: bfloat16 forward passes, float32 everything that is kept."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.ddqn import DDQN, DDQNConfig

OBS = gym.spaces.Box(-1.0, 1.0, shape=(8,), dtype=np.float32)
ACTIONS = gym.spaces.Discrete(4)


def make_learner(precision: str) -> DDQN:
    encoder_config = VectorEncoderConfig(hidden=[64, 64])
    return DDQN(OBS, ACTIONS, lambda: make_vector_encoder(OBS, encoder_config),
                DDQNConfig(precision=precision, lr=1e-3, gamma=0.9, target_update_period=1000), seed=0)


def fixed_batch(n: int = 64) -> Batch:
    rng = np.random.default_rng(0)
    return Batch(
        obs=rng.uniform(-1, 1, (n, 8)).astype(np.float32),
        actions=rng.integers(0, 4, n),
        rewards=rng.normal(size=n).astype(np.float32),
        next_obs=rng.uniform(-1, 1, (n, 8)).astype(np.float32),
        discounts=np.full(n, 0.9, dtype=np.float32),
        indices=np.arange(n),
        weights=rng.uniform(0.5, 1.0, n).astype(np.float32),
    )


def test_bf16_mixed_update_matches_float32_to_bfloat16_accuracy_and_keeps_float32_state():
    full, mixed = make_learner("float32"), make_learner("bf16-mixed")
    batch = fixed_batch()
    full_result, mixed_result = full.update(batch), mixed.update(batch)
    # Same start, same batch: the loss and TD errors agree to bfloat16's ~3 significant digits, not exactly.
    assert mixed_result.metrics["loss"] == pytest.approx(full_result.metrics["loss"], rel=3e-2)
    assert mixed_result.metrics["loss"] != full_result.metrics["loss"], "bf16-mixed ran in float32"
    np.testing.assert_allclose(mixed_result.td_errors, full_result.td_errors, rtol=5e-2, atol=2e-2)
    assert mixed_result.td_errors.dtype == np.float32
    for param in mixed.online.parameters():
        assert param.dtype == torch.float32 and param.grad is not None and param.grad.dtype == torch.float32
    assert all(value.dtype == torch.float32
               for state in mixed.optimizer.state.values() for value in state.values() if value.dim() > 0)


def test_bf16_mixed_fits_a_fixed_batch_as_float32_does():
    """Regression on one batch: 300 steps cut the loss by the same order as float32 (learning intact)."""
    batch = fixed_batch()
    finals = {}
    for precision in ("float32", "bf16-mixed"):
        learner = make_learner(precision)
        first = learner.update(batch).metrics["loss"]
        for _ in range(300):
            last = learner.update(batch).metrics["loss"]
        finals[precision] = last / first
    assert finals["float32"] < 0.2
    assert finals["bf16-mixed"] < 0.2
    assert finals["bf16-mixed"] < 3 * finals["float32"] + 0.02


def test_predict_stays_float32_whatever_the_precision():
    learner = make_learner("bf16-mixed")
    values = learner.predict(fixed_batch(5).obs).values
    assert values.dtype == np.float32 and values.shape == (5, 4)


def test_unknown_precision_is_a_validation_error_naming_the_choices():
    with pytest.raises(ValueError, match="float32.*bf16-mixed"):
        DDQNConfig(precision="fp16")


def test_auto_precision_is_bf16_mixed_only_where_the_cpu_has_bfloat16_units(tmp_path, monkeypatch):
    from gaikit.core import precision as precision_module

    with_units, without, unreadable = tmp_path / "amx", tmp_path / "plain", tmp_path / "missing"
    with_units.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_tile amx_bf16 avx512_bf16\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert precision_module.cpu_has_bf16_units(str(with_units)) is True
    assert precision_module.cpu_has_bf16_units(str(without)) is False
    assert precision_module.cpu_has_bf16_units(str(unreadable)) is False
    cpu = torch.device("cpu")
    assert precision_module.resolve_precision("float32", cpu) == "float32"
    assert precision_module.resolve_precision("bf16-mixed", cpu) == "bf16-mixed"
    batch = fixed_batch()
    for has_units, expected in ((True, "bf16-mixed"), (False, "float32")):
        monkeypatch.setattr(precision_module, "cpu_has_bf16_units", lambda: has_units)
        learner, reference = make_learner("auto"), make_learner(expected)
        assert learner.precision == expected
        assert learner.update(batch).metrics["loss"] == reference.update(batch).metrics["loss"]
