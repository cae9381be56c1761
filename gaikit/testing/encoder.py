"""The encoder contract: what every observation encoder promises.

Subclass :class:`EncoderContract` in a test module and provide two fixtures::

    class TestResMLP(EncoderContract):
        @pytest.fixture
        def observation_space(self):
            return gymnasium.spaces.Box(-1, 1, (8,), np.float32)

        @pytest.fixture
        def make_encoder(self):
            return lambda space: ResMLPEncoder(space, ResMLPConfig())
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from gaikit.testing.clauses import check, guarded
from gaikit.testing.data import batch_len, bounds_batch, rows, sample_batch, to_tensor
from gaikit.testing.statecheck import difference


def build_encoder(make_encoder: Callable[[Any], Any], observation_space: Any, seed: int = 0) -> Any:
    """Build an encoder under ``torch.manual_seed(seed)``; a failure violates ENC-0."""
    torch.manual_seed(seed)
    return guarded("ENC-0", "make_encoder(observation_space)", make_encoder, observation_space)


def encode(encoder: Any, obs: Any, clause: str = "ENC-3") -> torch.Tensor:
    """``encoder(obs)`` without gradients; an exception violates ``clause``."""
    with torch.no_grad():
        out = guarded(clause, "encoder.forward", encoder, to_tensor(obs))
    check(isinstance(out, torch.Tensor), clause, f"forward returned {type(out).__name__}, expected a torch.Tensor")
    return out


class EncoderContract:
    """Contract tests for an observation encoder.

    Fixtures to provide: ``observation_space`` (a gymnasium space the encoder
    accepts) and ``make_encoder`` (``make_encoder(observation_space) ->
    Encoder``, e.g. your registered factory with a config).
    """

    #: Rows in the observation batches fed to the encoder.
    batch_size = 5

    def test_enc_1_module_with_features_dim(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-1: an ``nn.Module`` exposing a positive int ``features_dim``."""
        encoder = build_encoder(make_encoder, observation_space)
        check(isinstance(encoder, torch.nn.Module), "ENC-1", f"got {type(encoder).__name__}, not a torch.nn.Module")
        dim = getattr(encoder, "features_dim", None)
        check(
            isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and dim > 0,
            "ENC-1",
            f"features_dim is {dim!r}, expected a positive int",
        )

    def test_enc_2_features_dim_matches_output(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-2: ``forward(...).shape[1] == features_dim``."""
        encoder = build_encoder(make_encoder, observation_space)
        out = encode(encoder, sample_batch(observation_space, self.batch_size, seed=1), "ENC-2")
        width = out.shape[1] if out.dim() == 2 else None
        check(
            width == encoder.features_dim,
            "ENC-2",
            f"encoder says features_dim={encoder.features_dim}, forward returned shape {tuple(out.shape)}",
        )

    def test_enc_3_shape_and_dtype(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-3: float32 ``(batch, features_dim)`` for batch sizes 1 and ``batch_size``."""
        encoder = build_encoder(make_encoder, observation_space)
        for n in (1, self.batch_size):
            out = encode(encoder, sample_batch(observation_space, n, seed=n))
            expected = (n, encoder.features_dim)
            check(tuple(out.shape) == expected, "ENC-3", f"batch of {n}: shape {tuple(out.shape)}, expected {expected}")
            check(out.dtype == torch.float32, "ENC-3", f"batch of {n}: dtype {out.dtype}, expected torch.float32")

    def test_enc_4_finite_outputs(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-4: no NaN/inf for random observations or at the bounds of the space."""
        encoder = build_encoder(make_encoder, observation_space)
        batches = {"random observations": sample_batch(observation_space, self.batch_size, seed=4)}
        bounds = bounds_batch(observation_space)
        if bounds is not None:
            batches["the space's low and high bounds"] = bounds
        for what, obs in batches.items():
            out = encode(encoder, obs, "ENC-4")
            check(bool(torch.isfinite(out).all()), "ENC-4", f"non-finite features for {what}")

    def test_enc_5_rows_independent(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-5: a row's features do not depend on the other rows of its batch."""
        encoder = build_encoder(make_encoder, observation_space)
        obs = sample_batch(observation_space, self.batch_size, seed=5)
        together = encode(encoder, obs, "ENC-5")
        for i in range(batch_len(obs)):
            alone = encode(encoder, rows(obs, slice(i, i + 1)), "ENC-5")
            check(
                torch.allclose(together[i : i + 1], alone, atol=1e-5),
                "ENC-5",
                f"row {i} encodes differently alone than in a batch of {batch_len(obs)} "
                "(batch statistics? use LayerNorm, not BatchNorm)",
            )

    def test_enc_6_seeded_determinism(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-6: same torch seed -> same weights and outputs; forward is repeatable."""
        first = build_encoder(make_encoder, observation_space, seed=6)
        second = build_encoder(make_encoder, observation_space, seed=6)
        found = difference(first.state_dict(), second.state_dict())
        check(found is None, "ENC-6", f"two encoders built under torch.manual_seed(6) differ: {found}")
        obs = sample_batch(observation_space, self.batch_size, seed=6)
        a, b = encode(first, obs, "ENC-6"), encode(first, obs, "ENC-6")
        check(torch.equal(a, b), "ENC-6", "forward gave different features for the same batch twice")
        check(torch.equal(a, encode(second, obs, "ENC-6")), "ENC-6", "equal encoders gave different features")

    def test_enc_7_gradients_flow(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-7: backpropagating through the features reaches the parameters, finitely."""
        encoder = build_encoder(make_encoder, observation_space)
        params = [p for p in encoder.parameters() if p.requires_grad]
        if not params:
            return  # a parameter-free encoder has nothing to train
        out = guarded("ENC-7", "encoder.forward", encoder, to_tensor(sample_batch(observation_space, 3, seed=7)))
        check(out.requires_grad, "ENC-7", "features carry no gradient (forward detached them or ran under no_grad)")
        out.pow(2).mean().backward()
        reached = [p for p in params if p.grad is not None and bool(p.grad.abs().sum() > 0)]
        check(reached, "ENC-7", f"none of {len(params)} trainable parameters received a gradient")
        bad = [p for p in params if p.grad is not None and not bool(torch.isfinite(p.grad).all())]
        check(not bad, "ENC-7", f"{len(bad)} parameters got non-finite gradients")

    def test_enc_8_state_dict_round_trip(self, make_encoder: Any, observation_space: Any) -> None:
        """ENC-8: ``load_state_dict(state_dict())`` into a fresh encoder gives the same features."""
        source = build_encoder(make_encoder, observation_space, seed=8)
        target = build_encoder(make_encoder, observation_space, seed=9)
        guarded("ENC-8", "load_state_dict", target.load_state_dict, source.state_dict())
        obs = sample_batch(observation_space, self.batch_size, seed=8)
        check(
            torch.allclose(encode(source, obs, "ENC-8"), encode(target, obs, "ENC-8"), atol=1e-6),
            "ENC-8",
            "a fresh encoder loaded with the state_dict encodes differently (state kept outside parameters/buffers?)",
        )
