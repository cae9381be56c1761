"""The ``ddqn`` update against DDQN written out plainly in float64 in this file.

The reference keeps its own float64 copies of both networks' parameters and
runs the forward pass from their values (its own ``W @ x + b``, ReLU and
dueling combination), the target sample by sample with Python ints for the
argmax, Huber by its two cases, gradient clipping, Adam and the Polyak step
by their formulas. Settings are ones where a wrong formula shows: gamma 0.9,
3-step discounts with terminal (0), truncated (gamma**2) and ongoing
(gamma**3) samples, IS weights in (0, 1], TD errors on both sides of the Huber
threshold, clipping active, tau 0.3, a target net that disagrees with the
online net, and an Adam epsilon large enough that the gradient's scale shows
in the first step.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from gaikit.core.components import Batch
from gaikit.plugins.encoders.ram import RamEncoder, RamEncoderConfig
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.ddqn import DDQN, DDQNConfig

GAMMA = 0.9
ACTIONS = gym.spaces.Discrete(3, start=1)  # env action a is Q column a - 1
RAM = gym.spaces.Box(0, 255, (2, 16), np.uint8)
VEC = gym.spaces.Box(-3.0, 3.0, (5,), np.float32)
BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, which the learner keeps


def ram_learner(**config) -> DDQN:
    cfg = RamEncoderConfig(hidden=[8, 6])
    return DDQN(RAM, ACTIONS, lambda: RamEncoder(RAM, cfg), DDQNConfig(**config), seed=0)


def vector_learner(**config) -> DDQN:
    cfg = VectorEncoderConfig(hidden=[7])
    return DDQN(VEC, ACTIONS, lambda: make_vector_encoder(VEC, cfg), DDQNConfig(**config), seed=0)


def random_batch(space: gym.spaces.Box, rng: np.random.Generator, n: int = 12) -> Batch:
    """Discounts as the memory folds them for 3-step returns: ongoing, truncated after 2 steps, terminal."""
    def observations() -> np.ndarray:
        if space.dtype == np.uint8:
            return rng.integers(0, 256, size=(n, *space.shape), dtype=np.uint8)
        return rng.uniform(-3, 3, size=(n, *space.shape)).astype(np.float32)

    discounts = np.resize(np.array([GAMMA**3, 0.0, GAMMA**2], dtype=np.float32), n)
    return Batch(
        obs=observations(),
        actions=rng.integers(1, 4, size=n).astype(np.int64),
        rewards=(rng.normal(size=n) * 1.5).astype(np.float32),
        next_obs=observations(),
        discounts=rng.permutation(discounts),
        indices=np.arange(n),
        weights=rng.uniform(0.05, 1.0, size=n).astype(np.float32),
    )


class ReferenceDDQN:
    """One DDQN update after another, written plainly in float64 on copies of a learner's parameters."""

    def __init__(self, learner: DDQN) -> None:
        self.structure = learner.online  # read for its layer layout only
        self.config = learner.config
        self.online = {k: p.detach().double().clone() for k, p in learner.online.named_parameters()}
        self.target = {k: p.detach().double().clone() for k, p in learner.target.named_parameters()}
        self.m = {k: torch.zeros_like(p) for k, p in self.online.items()}
        self.v = {k: torch.zeros_like(p) for k, p in self.online.items()}
        self.steps = 0

    @staticmethod
    def features(obs: np.ndarray, i: int) -> torch.Tensor:
        """Row ``i`` flattened, in float64; bytes divided by 255."""
        row = torch.from_numpy(np.asarray(obs[i], dtype=np.float64).reshape(-1))
        return row / 255.0 if obs.dtype == np.uint8 else row

    @staticmethod
    def run(sequence: nn.Sequential, prefix: str, params: dict[str, torch.Tensor], h: torch.Tensor) -> torch.Tensor:
        for i, module in enumerate(sequence):
            if isinstance(module, nn.Linear):
                h = params[f"{prefix}.{i}.weight"] @ h + params[f"{prefix}.{i}.bias"]
            else:
                assert isinstance(module, nn.ReLU)
                h = torch.clamp(h, min=0.0)
        return h

    def q(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """``Q(s, .)`` for one observation's features ``x``."""
        h = self.run(self.structure.encoder.mlp, "encoder.mlp", params, x)
        if not self.config.dueling:
            return self.run(self.structure.head, "head", params, h)
        value = self.run(self.structure.value, "value", params, h)[0]
        advantage = self.run(self.structure.advantage, "advantage", params, h)
        return value + advantage - advantage.sum() / len(advantage)

    def update(self, batch: Batch) -> dict:
        cfg = self.config
        params = {k: p.clone().requires_grad_(True) for k, p in self.online.items()}
        n = len(batch.actions)
        total_loss = torch.zeros((), dtype=torch.float64)
        q_taken, targets, double_differs = [], [], 0
        for i in range(n):
            x, next_x = self.features(batch.obs, i), self.features(batch.next_obs, i)
            with torch.no_grad():
                next_q_target = self.q(self.target, next_x)
                target_choice = int(torch.argmax(next_q_target))
                online_choice = int(torch.argmax(self.q(self.online, next_x)))
                double_differs += online_choice != target_choice
                chosen = online_choice if cfg.double else target_choice
                y = float(batch.rewards[i]) + float(batch.discounts[i]) * float(next_q_target[chosen])
            q_sa = self.q(params, x)[int(batch.actions[i]) - 1]
            error = q_sa - y
            if abs(error.item()) < cfg.huber_delta:
                huber = 0.5 * error**2
            else:
                huber = cfg.huber_delta * (torch.abs(error) - 0.5 * cfg.huber_delta)
            total_loss = total_loss + float(batch.weights[i]) * huber
            q_taken.append(q_sa.item())
            targets.append(y)
        loss = total_loss / n
        loss.backward()

        grads = {k: p.grad for k, p in params.items()}
        norm = math.sqrt(sum(float((g**2).sum()) for g in grads.values()))
        if cfg.max_grad_norm is not None:
            scale = min(1.0, cfg.max_grad_norm / (norm + 1e-6))
            grads = {k: g * scale for k, g in grads.items()}

        self.steps += 1
        beta1, beta2 = BETAS
        for k, g in grads.items():
            self.m[k] = beta1 * self.m[k] + (1 - beta1) * g
            self.v[k] = beta2 * self.v[k] + (1 - beta2) * g * g
            m_hat = self.m[k] / (1 - beta1**self.steps)
            v_hat = self.v[k] / (1 - beta2**self.steps)
            self.online[k] = self.online[k] - cfg.lr * m_hat / (torch.sqrt(v_hat) + cfg.adam_eps)
        if self.steps % cfg.target_update_period == 0:
            for k in self.target:
                self.target[k] = (1 - cfg.tau) * self.target[k] + cfg.tau * self.online[k]

        td = np.abs(np.array(q_taken) - np.array(targets))
        return {
            "td_errors": td,
            "loss": loss.item(),
            "q_mean": float(np.mean(q_taken)),
            "target_mean": float(np.mean(targets)),
            "td_abs_mean": float(td.mean()),
            "grad_norm": norm,
            "grads": grads,
            "double_differs": double_differs,
        }


COMMON = dict(gamma=GAMMA, n_step=3, lr=0.01, adam_eps=1e-3, huber_delta=0.5, tau=0.3)
CASES = {
    "ram double, plain head, clipped, soft target every step": (
        ram_learner, RAM, dict(double=True, max_grad_norm=0.05, target_update_period=1)),
    "ram max target, dueling head, unclipped, soft target every 2nd step": (
        ram_learner, RAM, dict(double=False, dueling=True, head_hidden=[5], max_grad_norm=None,
                               target_update_period=2)),
    "vector double, dueling head, clipped": (
        vector_learner, VEC, dict(double=True, dueling=True, max_grad_norm=0.05, target_update_period=1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_updates_match_the_plain_float64_reference(case):
    build, space, config = CASES[case]
    learner = build(**COMMON, **config)
    torch.manual_seed(0)
    with torch.no_grad():  # a target net that disagrees with the online net from the first step on
        for p in learner.target.parameters():
            p.add_(0.3 * torch.randn_like(p))
    reference = ReferenceDDQN(learner)
    rng = np.random.default_rng(1)
    for step in range(3):
        batch = random_batch(space, rng)
        expected = reference.update(batch)
        got = learner.update(batch)

        if step == 0:  # the settings exercise what they are meant to
            assert 0 < np.sum(expected["td_errors"] > COMMON["huber_delta"]) < len(batch.actions)
            assert expected["double_differs"] > 0
            if learner.config.max_grad_norm is not None:
                assert expected["grad_norm"] > 2 * learner.config.max_grad_norm
        np.testing.assert_allclose(got.td_errors, expected["td_errors"], rtol=1e-4, atol=1e-5)
        names = ["loss", "q_mean", "target_mean", "td_abs_mean"]
        names += ["grad_norm"] if learner.config.max_grad_norm is not None else []
        assert sorted(got.metrics) == sorted(names)
        for name in names:
            assert got.metrics[name] == pytest.approx(expected[name], rel=1e-4, abs=1e-6), name
        for name, param in learner.online.named_parameters():
            np.testing.assert_allclose(param.grad.numpy(), expected["grads"][name].numpy(), rtol=1e-3, atol=1e-7,
                                       err_msg=f"gradient of {name}, update {step}")
            np.testing.assert_allclose(param.detach().numpy(), reference.online[name].numpy(), rtol=1e-4, atol=2e-6,
                                       err_msg=f"online {name}, update {step}")
        for name, param in learner.target.named_parameters():
            np.testing.assert_allclose(param.numpy(), reference.target[name].numpy(), rtol=1e-4, atol=2e-6,
                                       err_msg=f"target {name}, update {step}")


def test_dueling_q_is_value_plus_advantage_minus_its_mean():
    learner = ram_learner(dueling=True, head_hidden=[4])
    obs = np.random.default_rng(2).integers(0, 256, size=(5, *RAM.shape), dtype=np.uint8)
    net = learner.online
    with torch.no_grad():
        features = net.encoder(torch.as_tensor(obs))
        value, advantage = net.value(features), net.advantage(features)
    expected = value + advantage - advantage.mean(dim=1, keepdim=True)
    got = learner.predict(obs).values
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-6, atol=1e-6)
    assert not np.allclose(got, (value + advantage).numpy(), atol=1e-3)  # the mean is subtracted
