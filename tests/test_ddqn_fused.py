"""DDQN's written-out update (Linear -> ReLU Q-networks) against the autograd formulation, and its parts."""

from __future__ import annotations

import copy
import io

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.image import ImageEncoder, ImageEncoderConfig
from gaikit.plugins.encoders.ram import RamEncoder, RamEncoderConfig
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.ddqn import DDQNConfig, make_ddqn
from gaikit.plugins.learners.fused_adam import FusedAdam
from gaikit.plugins.learners.grad_clip import clip_factor, clip_grad_norm
from gaikit.plugins.learners.linear_relu_q import linear_relu_q
from gaikit.plugins.learners.q_network import QNetwork

RAM = gym.spaces.Box(0, 255, (2, 16), np.uint8)
RAM_DICT = gym.spaces.Dict({"other": gym.spaces.Box(-1.0, 1.0, (3,), np.float32), "ram": RAM})
VEC = gym.spaces.Box(-3.0, 3.0, (5,), np.float32)
ACTIONS = gym.spaces.Discrete(3, start=1)


def ram_learner(space=RAM, hidden=(8, 6), seed=0, **config):
    cfg = RamEncoderConfig(hidden=list(hidden))
    return make_ddqn(space, ACTIONS, lambda: RamEncoder(space, cfg), DDQNConfig(**config), seed=seed)


def vector_learner(hidden=(7,), activation="relu", seed=0, **config):
    cfg = VectorEncoderConfig(hidden=list(hidden), activation=activation)
    return make_ddqn(VEC, ACTIONS, lambda: make_vector_encoder(VEC, cfg), DDQNConfig(**config), seed=seed)


def sample_obs(space, n, rng):
    if isinstance(space, gym.spaces.Dict):
        return {k: sample_obs(s, n, rng) for k, s in space.spaces.items()}
    if space.dtype == np.uint8:
        return rng.integers(0, 256, size=(n, *space.shape), dtype=np.uint8)
    return rng.uniform(-3, 3, size=(n, *space.shape)).astype(np.float32)


def random_batch(space, rng, n=12):
    return Batch(
        obs=sample_obs(space, n, rng),
        actions=rng.integers(1, 4, size=n).astype(np.int64),
        rewards=rng.normal(size=n).astype(np.float32) * 3,
        next_obs=sample_obs(space, n, rng),
        discounts=(rng.uniform(size=n) < 0.8).astype(np.float32) * 0.97,
        indices=np.arange(n),
        weights=rng.uniform(0.2, 1.0, size=n).astype(np.float32),
    )


def assert_same_learning(fast, slow, space, updates=6):
    """Both learners take the same updates; everything they report and hold agrees to float rounding."""
    assert fast.stacks is not None
    slow.stacks = None  # the autograd path, on the same (column-major) parameters
    rng = np.random.default_rng(3)
    for _ in range(updates):
        batch = random_batch(space, rng)
        got, expected = fast.update(batch), slow.update(batch)
        assert got.metrics.keys() == expected.metrics.keys()
        for key in expected.metrics:
            assert got.metrics[key] == pytest.approx(expected.metrics[key], rel=1e-5, abs=1e-6), key
        np.testing.assert_allclose(got.td_errors, expected.td_errors, rtol=1e-5, atol=1e-6)
        for p, q in zip(fast.online.parameters(), slow.online.parameters()):
            torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-6)
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)
        for p, q in zip(fast.target.parameters(), slow.target.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)
    obs = sample_obs(space, 4, rng)
    np.testing.assert_allclose(fast.predict(obs).values, slow.predict(obs).values, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"double": False, "huber_delta": 0.5},
        {"max_grad_norm": 0.01, "target_update_period": 2},  # clipping on every step, hard target copies
        {"max_grad_norm": None, "tau": 0.3, "target_update_period": 1, "head_hidden": [5]},
    ],
)
def test_ram_update_matches_autograd(config):
    assert_same_learning(ram_learner(**config), ram_learner(**config), RAM)


def test_ram_in_a_dict_and_no_hidden_layers_match_autograd():
    assert_same_learning(ram_learner(RAM_DICT, hidden=()), ram_learner(RAM_DICT, hidden=()), RAM_DICT)


def test_vector_relu_update_matches_autograd():
    assert_same_learning(vector_learner(), vector_learner(), VEC)


def test_only_linear_relu_stacks_take_the_written_out_path():
    assert vector_learner(activation="tanh").stacks is None
    assert ram_learner(dueling=True).stacks is None
    image_space = gym.spaces.Box(0, 255, (4, 36, 36), np.uint8)
    image = make_ddqn(image_space, ACTIONS, lambda: ImageEncoder(image_space, ImageEncoderConfig()),
                      DDQNConfig(), seed=0)
    assert image.stacks is None


def test_predict_in_numpy_equals_the_module_forward():
    learner = ram_learner()
    obs = sample_obs(RAM, 5, np.random.default_rng(1))
    with torch.no_grad():
        expected = learner.online(torch.as_tensor(obs)).numpy()
    got = learner.predict(obs).values
    assert got.dtype == np.float32 and got.shape == (5, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # an in-place weight change (what Adam and load_state_dict do) is seen at once
        learner.online.head[0].bias.add_(1.0)
    np.testing.assert_allclose(learner.predict(obs).values, expected + 1.0, rtol=1e-5, atol=1e-5)


def test_first_layer_is_column_major_with_unchanged_values_and_names():
    learner = ram_learner()
    torch.manual_seed(0)  # what the learner does (in a forked RNG) to build its online network
    plain = QNetwork(RamEncoder(RAM, RamEncoderConfig(hidden=[8, 6])), 3, [], False)
    weight = learner.online.encoder.mlp[0].weight
    assert not weight.is_contiguous() and weight.t().is_contiguous()  # laid out at construction
    assert plain.encoder.mlp[0].weight.is_contiguous()
    state = learner.online.state_dict()
    assert state.keys() == plain.state_dict().keys()
    for key, value in plain.state_dict().items():
        assert torch.equal(state[key], value), key


def test_backward_on_the_first_rows_matches_autograd():
    network = copy.deepcopy(ram_learner(head_hidden=[4]).online)
    stack = linear_relu_q(network)
    x = torch.rand(10, 32)
    grad_q = torch.randn(6, 3)
    with torch.no_grad():
        q, tape = stack.values_taped(x)
        grads = stack.backward(tape, grad_q)
    (network.head(network.encoder.mlp(x[:6])) * grad_q).sum().backward()
    torch.testing.assert_close(q, network.head(network.encoder.mlp(x)).detach())
    for got, p in zip(grads, stack.params):
        assert got.stride() == p.stride()
        torch.testing.assert_close(got, p.grad)


def test_clip_grad_norm_is_torchs_bit_for_bit():
    torch.manual_seed(0)
    for max_norm in (0.5, 100.0):
        grads = [torch.randn(7, 5), torch.randn(5), torch.randn(3, 7).t()]
        params = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = clip_grad_norm(grads, max_norm)
        expected = torch.nn.utils.clip_grad_norm_(params, max_norm)
        assert total == expected.item()
        for g, p in zip(grads, params):
            assert torch.equal(g, p.grad)


def test_clip_factor_is_torchs_float32_arithmetic():
    rng = np.random.default_rng(0)
    norms = np.concatenate([rng.uniform(0, 20, 20_000), 10 ** rng.uniform(-8, 8, 20_000), [0, 10, np.inf, np.nan]])
    norms = norms.astype(np.float32)
    for max_norm in (10.0, 0.5, 3.3):
        expected = torch.clamp(max_norm / (torch.from_numpy(norms) + 1e-6), max=1.0).numpy()
        got = np.array([clip_factor(float(v), max_norm) for v in norms], dtype=np.float32)
        np.testing.assert_array_equal(got, expected)


def test_fused_adam_on_a_column_major_weight_is_adam_bit_for_bit():
    torch.manual_seed(0)
    start = torch.randn(6, 9)
    ours = torch.nn.Parameter(start.t().contiguous().t())
    theirs = torch.nn.Parameter(start.clone())
    opt_ours = FusedAdam([ours], lr=1e-2, eps=1e-5)
    opt_theirs = torch.optim.Adam([theirs], lr=1e-2, eps=1e-5, fused=True)
    for step in range(5):
        grad = torch.randn(6, 9)
        ours.grad, theirs.grad = grad.t().contiguous().t(), grad.clone()
        opt_ours.step_direct()
        opt_theirs.step()
        assert torch.equal(ours, theirs), step
    assert opt_ours.param_groups[0]["eps"] == 1e-5


def test_resume_from_contiguous_moments_continues_identically():
    """A checkpoint whose weights and Adam moments are contiguous (written before the layout change) loads."""
    rng = np.random.default_rng(0)
    batches = [random_batch(RAM, rng) for _ in range(5)]
    learner = ram_learner()
    for batch in batches[:2]:
        learner.update(batch)
    state = learner.state_dict()
    old_style = copy.deepcopy(state)
    for group in ("online", "target"):
        old_style[group] = {k: v.contiguous() for k, v in old_style[group].items()}
    for param_state in old_style["optimizer"]["state"].values():
        for key, value in param_state.items():
            if torch.is_tensor(value) and value.dim() == 2:
                param_state[key] = value.contiguous()
    buffer = io.BytesIO()
    torch.save(old_style, buffer)
    buffer.seek(0)
    resumed = ram_learner(seed=9)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    for batch in batches[2:]:
        got, expected = resumed.update(batch), learner.update(batch)
        assert got.metrics == expected.metrics
    for p, q in zip(resumed.online.parameters(), learner.online.parameters()):
        assert torch.equal(p, q)


def test_a_deep_copied_learner_continues_identically():
    rng = np.random.default_rng(5)
    batches = [random_batch(RAM, rng) for _ in range(4)]
    learner = ram_learner()
    for batch in batches[:2]:
        learner.update(batch)
    twin = copy.deepcopy(learner)
    for batch in batches[2:]:
        assert twin.update(batch).metrics == learner.update(batch).metrics
    for p, q in zip(twin.online.parameters(), learner.online.parameters()):
        assert torch.equal(p, q)
