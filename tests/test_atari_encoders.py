"""The Atari encoders ``image``, ``ram`` and ``mixed``: contract, widths, parameter counts, fusion."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.errors import GaikitError
from gaikit.plugins.encoders.image import ImageEncoder, ImageEncoderConfig
from gaikit.plugins.encoders.mixed import MixedEncoder, MixedEncoderConfig
from gaikit.plugins.encoders.ram import RamEncoder, RamEncoderConfig
from gaikit.testing.encoder import EncoderContract

ASTERIX_ACTIONS = 9


def box(*shape: int) -> gym.spaces.Box:
    return gym.spaces.Box(0, 255, shape, np.uint8)


def pixels_and_ram(stack: int = 4) -> gym.spaces.Dict:
    return gym.spaces.Dict({"pixels": box(stack, 84, 84), "ram": box(stack, 128)})


def features(encoder: torch.nn.Module, space: gym.Space, batch: int = 3) -> torch.Tensor:
    space.seed(0)
    samples = [space.sample() for _ in range(batch)]
    if isinstance(space, gym.spaces.Dict):
        obs = {k: torch.as_tensor(np.stack([s[k] for s in samples])) for k in space.spaces}
    else:
        obs = torch.as_tensor(np.stack(samples))
    with torch.no_grad():
        return encoder(obs)


def with_q_layer(encoder: torch.nn.Module) -> int:
    """Parameters of encoder + the learner's linear Q layer for Asterix's 9 actions."""
    return encoder.parameter_count() + encoder.features_dim * ASTERIX_ACTIONS + ASTERIX_ACTIONS


class TestImageContract(EncoderContract):
    @pytest.fixture
    def observation_space(self):
        return box(4, 84, 84)

    @pytest.fixture
    def make_encoder(self):
        return lambda space: ImageEncoder(space, ImageEncoderConfig())


class TestRamContract(EncoderContract):
    @pytest.fixture
    def observation_space(self):
        return box(4, 128)

    @pytest.fixture
    def make_encoder(self):
        return lambda space: RamEncoder(space, RamEncoderConfig())


@pytest.mark.parametrize("fusion", ["end", "mid"])
class TestMixedContract(EncoderContract):
    @pytest.fixture
    def observation_space(self):
        return pixels_and_ram()

    @pytest.fixture
    def make_encoder(self, fusion):
        return lambda space: MixedEncoder(space, MixedEncoderConfig(fusion=fusion))


@pytest.mark.parametrize(
    ("make", "space"),
    [
        (lambda s: ImageEncoder(s, ImageEncoderConfig()), box(4, 84, 84)),
        (lambda s: ImageEncoder(s, ImageEncoderConfig(hidden=[])), box(4, 84, 84)),
        (lambda s: ImageEncoder(s, ImageEncoderConfig(hidden=[64, 32], padding="same")), box(5, 84, 84)),
        (lambda s: ImageEncoder(s, ImageEncoderConfig()), box(2, 84, 84, 3)),
        (lambda s: ImageEncoder(s, ImageEncoderConfig()), pixels_and_ram()),
        (lambda s: RamEncoder(s, RamEncoderConfig()), box(4, 128)),
        (lambda s: RamEncoder(s, RamEncoderConfig(hidden=[])), box(5, 128)),
        (lambda s: RamEncoder(s, RamEncoderConfig(hidden=[256, 64, 16])), pixels_and_ram()),
        (lambda s: MixedEncoder(s, MixedEncoderConfig()), pixels_and_ram()),
        (lambda s: MixedEncoder(s, MixedEncoderConfig(fusion="mid", head=[])), pixels_and_ram(5)),
        (lambda s: MixedEncoder(s, MixedEncoderConfig(pixel_hidden=[256], head=[100])), pixels_and_ram()),
    ],
)
def test_features_dim_matches_output(make, space) -> None:
    encoder = make(space)
    out = features(encoder, space)
    assert out.shape == (3, encoder.features_dim)
    assert out.dtype == torch.float32


def test_nature_cnn_widths() -> None:
    encoder = ImageEncoder(box(4, 84, 84), ImageEncoderConfig(hidden=[]))
    assert encoder.features_dim == 64 * 7 * 7  # 3,136: the Nature DQN's flattened convolutions
    # conv 4->32 (8x8), 32->64 (4x4), 64->64 (3x3), weights + biases
    assert encoder.parameter_count() == (4 * 32 * 64 + 32) + (32 * 64 * 16 + 64) + (64 * 64 * 9 + 64)
    with_512 = ImageEncoder(box(4, 84, 84), ImageEncoderConfig())
    assert with_512.features_dim == 512
    assert with_512.parameter_count() == encoder.parameter_count() + 3136 * 512 + 512


@pytest.mark.parametrize(
    ("make", "study_count"),
    [
        # The study's Keras networks (stack 5, "same" padding), counted with their 9-way output layer.
        (lambda: RamEncoder(box(5, 128), RamEncoderConfig(hidden=[128, 128])), 99_721),
        (lambda: ImageEncoder(box(5, 84, 84), ImageEncoderConfig(hidden=[512, 256], padding="same")), 4_179_113),
        (lambda: MixedEncoder(pixels_and_ram(5), MixedEncoderConfig(fusion="end", padding="same")), 611_561),
        (lambda: MixedEncoder(pixels_and_ram(5), MixedEncoderConfig(fusion="mid", padding="same")), 4_506_793),
    ],
    ids=["ram-2x128", "image", "mixed-end", "mixed-mid"],
)
def test_parameter_counts_reproduce_the_study(make, study_count) -> None:
    assert with_q_layer(make()) == study_count


def test_fusion_end_concatenates_cnn_and_ram_dense_features() -> None:
    encoder = MixedEncoder(pixels_and_ram(), MixedEncoderConfig(fusion="end", ram_hidden=[64, 32]))
    assert encoder.features_dim == 3136 + 32  # empty head: the concatenation itself
    assert len([m for m in encoder.ram_mlp if isinstance(m, torch.nn.Linear)]) == 2


def test_fusion_mid_concatenates_cnn_features_and_raw_ram() -> None:
    encoder = MixedEncoder(pixels_and_ram(), MixedEncoderConfig(fusion="mid", head=[]))
    assert encoder.features_dim == 3136 + 4 * 128
    assert len(encoder.ram_mlp) == 0
    obs = {"pixels": torch.zeros(1, 4, 84, 84, dtype=torch.uint8), "ram": torch.full((1, 4, 128), 255, dtype=torch.uint8)}
    with torch.no_grad():
        out = encoder(obs)
    assert torch.allclose(out[0, 3136:], torch.ones(512))  # raw RAM, scaled to [0, 1]


def test_mixed_uses_both_inputs() -> None:
    encoder = MixedEncoder(pixels_and_ram(), MixedEncoderConfig())
    base = {"pixels": torch.zeros(2, 4, 84, 84, dtype=torch.uint8), "ram": torch.zeros(2, 4, 128, dtype=torch.uint8)}
    with torch.no_grad():
        reference = encoder(base)
        ram_changed = encoder({**base, "ram": torch.full((2, 4, 128), 200, dtype=torch.uint8)})
        pixels_changed = encoder({**base, "pixels": torch.full((2, 4, 84, 84), 200, dtype=torch.uint8)})
    assert not torch.allclose(reference, ram_changed)
    assert not torch.allclose(reference, pixels_changed)


def test_inputs_are_scaled_by_255() -> None:
    encoder = RamEncoder(box(1, 128), RamEncoderConfig(hidden=[]))
    with torch.no_grad():
        out = encoder(torch.full((1, 1, 128), 255, dtype=torch.uint8))
    assert torch.allclose(out, torch.ones(1, 128))


def test_he_uniform_init_bounds() -> None:
    encoder = RamEncoder(box(4, 128), RamEncoderConfig(hidden=[128, 128], init="he_uniform"))
    weight, bias = encoder.mlp[0].weight.detach(), encoder.mlp[0].bias.detach()
    limit = math.sqrt(6.0 / 512)
    assert float(weight.abs().max()) <= limit
    assert float(weight.abs().max()) > 0.9 * limit  # spread over the whole range, not torch's narrower default
    assert float(bias.abs().max()) == 0.0


def test_torch_init_differs_from_he_uniform() -> None:
    torch.manual_seed(0)
    default = RamEncoder(box(4, 128), RamEncoderConfig(init="torch"))
    assert float(default.mlp[0].bias.detach().abs().max()) > 0.0  # torch's own init keeps non-zero biases


def test_observation_keys_declared() -> None:
    assert ImageEncoder.observation_keys == ("pixels",)
    assert RamEncoder.observation_keys == ("ram",)
    assert MixedEncoder.observation_keys == ("pixels", "ram")


@pytest.mark.parametrize(
    ("make", "space", "message"),
    [
        (lambda s: ImageEncoder(s, ImageEncoderConfig()), box(4, 128), "stacked frames"),
        (lambda s: ImageEncoder(s, ImageEncoderConfig()), box(4, 20, 20), "too small"),
        (lambda s: RamEncoder(s, RamEncoderConfig()), box(4, 84, 84), "RAM bytes"),
        (lambda s: MixedEncoder(s, MixedEncoderConfig()), box(4, 84, 84), "dict observation"),
        (lambda s: MixedEncoder(s, MixedEncoderConfig()), gym.spaces.Dict({"pixels": box(4, 84, 84)}), "no 'ram'"),
    ],
)
def test_wrong_spaces_are_clear_errors(make, space, message) -> None:
    with pytest.raises(GaikitError, match=message):
        make(space)
