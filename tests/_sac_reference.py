"""An independent SAC / TQC update for the tests: float64, functional, every step written out.

The learner's code is not used: :class:`ReferenceSACUpdate` copies the
learner's weights into float64 tensors and recomputes whole updates from the
papers' formulas (SB3's ``SAC.train`` and sb3-contrib's ``TQC.train``):
networks as explicit ``x @ W.T + b`` chains, the squashed Gaussian through
``torch.distributions.Normal`` and ``log(1 - tanh(u)^2)``, the gSDE density
from the marginal variance, the pairwise quantile Huber loss, gradient
clipping, Adam and Polyak averaging written out, and the temperature gradient
``-mean(log pi + target_entropy)`` formed by hand. Only the gradients of the
critic and actor losses come from ``torch.autograd.grad`` (of this code's own
float64 losses).

It shares one thing with the learner: the random draws. It clones the
learner's generator and draws in the learner's order (gSDE's exploration
matrix first, then the target's noise, then each actor step's noise), in
float32 as the learner does.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.distributions import Normal

from gaikit.core.components import Batch
from gaikit.plugins.selectors.gaussian import GaussianConfig, make_gaussian

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def linear_names(module: nn.Module, prefix: str) -> list[str]:
    """Names (``prefix`` + module path) of the ``Linear`` layers of ``module``, in order."""
    return [f"{prefix}{name}" if name else prefix.rstrip(".") for name, m in module.named_modules() if isinstance(m, nn.Linear)]


def relu_chain(x: torch.Tensor, params: dict[str, torch.Tensor], names: list[str], *, relu_last: bool) -> torch.Tensor:
    """``Linear`` layers ``names`` in order, ReLU between them (and after the last with ``relu_last``)."""
    for i, name in enumerate(names):
        x = x @ params[f"{name}.weight"].T + params[f"{name}.bias"]
        if i < len(names) - 1 or relu_last:
            x = torch.where(x > 0, x, torch.zeros_like(x))
    return x


class ReferenceSACUpdate:
    """SAC's (or TQC's, with ``tqc=True``) update on a float64 copy of ``learner``'s state."""

    def __init__(self, learner, action_space, *, tqc: bool = False) -> None:
        cfg = learner.config
        self.cfg, self.tqc, self.sde = cfg, tqc, bool(cfg.use_sde)
        self.actor = {n: p.detach().double().clone() for n, p in learner.actor.named_parameters()}
        self.critic = {n: p.detach().double().clone() for n, p in learner.critic.named_parameters()}
        self.target = {n: p.detach().double().clone() for n, p in learner.critic_target.named_parameters()}
        self.log_alpha = learner.log_alpha.detach().double().clone()
        self.actor_encoder = linear_names(learner.actor.encoder, "encoder.")
        self.actor_body = linear_names(learner.actor.trunk, "trunk.") + ["mean_head" if self.sde else "heads"]
        self.critic_encoder = linear_names(learner.critic.encoder, "encoder.")
        heads = [learner.critic.q1, learner.critic.q2] if not tqc else list(learner.critic.heads)
        prefixes = ["q1.", "q2."] if not tqc else [f"heads.{i}." for i in range(len(heads))]
        self.critic_heads = [linear_names(h, p) for h, p in zip(heads, prefixes)]
        low = torch.as_tensor(action_space.low, dtype=torch.float64).reshape(-1)
        high = torch.as_tensor(action_space.high, dtype=torch.float64).reshape(-1)
        self.scale, self.bias = (high - low) / 2, (high + low) / 2
        self.action_dim = len(low)
        self.target_entropy = -self.action_dim if cfg.target_entropy is None else cfg.target_entropy
        self.generator = torch.Generator()
        self.generator.set_state(learner.generator.get_state())
        self.adam_state: dict[tuple[str, str], tuple[torch.Tensor, torch.Tensor, int]] = {}
        self.updates = learner.updates
        self.grads: dict[str, dict[str, torch.Tensor]] = {}  # the last gradients applied, per network
        self.clipped: dict[str, bool] = {"critic": False, "actor": False}  # whether clipping ever acted
        self.eps: torch.Tensor | None = None
        self.mean_clipped = False  # whether gSDE's clip of the mean ever acted

    # -- networks ---------------------------------------------------------------------------------

    def features(self, params, names, obs):
        return relu_chain(obs, params, names, relu_last=True) if names else obs

    def policy(self, actor, obs, noise):
        """``(action, log_prob)`` of the squashed (and rescaled) policy for the given standard noise."""
        log_scale = torch.log(self.scale).sum()
        if self.sde:
            z = relu_chain(obs, actor, self.actor_encoder + self.actor_body[:-1], relu_last=True)
            mean = relu_chain(z, actor, self.actor_body[-1:], relu_last=False)
            self.mean_clipped |= bool((mean.abs() > self.cfg.clip_mean).any())
            mean = torch.clamp(mean, -self.cfg.clip_mean, self.cfg.clip_mean)
            z = z.detach()
            std = torch.exp(actor["log_std"])
            u = mean + z @ (std * self.eps)
            sigma = torch.sqrt((z**2) @ (std**2) + 1e-6)
            gaussian = Normal(mean, sigma).log_prob(u).sum(-1)
        else:
            x = self.features(actor, self.actor_encoder, obs)
            out = relu_chain(x, actor, self.actor_body, relu_last=False)
            mean, log_std = out[:, : self.action_dim], out[:, self.action_dim :]
            log_std = torch.clamp(log_std, self.cfg.log_std_min, self.cfg.log_std_max)
            u = mean + torch.exp(log_std) * noise
            gaussian = Normal(mean, torch.exp(log_std)).log_prob(u).sum(-1)
        log_prob = gaussian - torch.log(1 - torch.tanh(u) ** 2).sum(-1) - log_scale
        return torch.tanh(u) * self.scale + self.bias, log_prob

    def q_heads(self, critic, obs, actions):
        """Each head's output: ``(batch,)`` for SAC, ``(batch, n_quantiles)`` for TQC."""
        x = torch.cat([self.features(critic, self.critic_encoder, obs), (actions - self.bias) / self.scale], -1)
        outs = [relu_chain(x, critic, names, relu_last=False) for names in self.critic_heads]
        return outs if self.tqc else [o[:, 0] for o in outs]

    # -- optimisation -----------------------------------------------------------------------------

    def clip(self, grads, network):
        if self.cfg.max_grad_norm is None:
            return grads
        total = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        factor = self.cfg.max_grad_norm / (total + 1e-6)
        if factor >= 1.0:
            return grads
        self.clipped[network] = True
        return {n: g * factor for n, g in grads.items()}

    def adam(self, network, params, grads, lr):
        """``p -= lr * m_hat / (sqrt(v_hat) + eps)`` with bias-corrected moments."""
        b1, b2 = ADAM_BETAS
        for name, g in grads.items():
            m, v, t = self.adam_state.get((network, name), (torch.zeros_like(g), torch.zeros_like(g), 0))
            t += 1
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            self.adam_state[(network, name)] = (m, v, t)
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            params[name] = params[name] - lr * m_hat / (torch.sqrt(v_hat) + ADAM_EPS)

    def descend(self, network, params, loss, lr):
        leaves = {n: p.detach().clone().requires_grad_(True) for n, p in params.items()}
        grads = dict(zip(leaves, torch.autograd.grad(loss(leaves), list(leaves.values()), allow_unused=True)))
        grads = {n: torch.zeros_like(params[n]) if g is None else g for n, g in grads.items()}
        grads = self.clip(grads, network)
        self.grads[network] = grads
        self.adam(network, params, grads, lr)

    # -- the update -------------------------------------------------------------------------------

    def targets(self, rewards, discounts, next_obs, alpha):
        if self.sde:
            next_actions, next_log_pi = self.policy(self.actor, next_obs, None)
        else:
            noise = torch.randn((len(rewards), self.action_dim), generator=self.generator).double()
            next_actions, next_log_pi = self.policy(self.actor, next_obs, noise)
        heads = self.q_heads(self.target, next_obs, next_actions)
        if not self.tqc:
            soft_value = torch.minimum(heads[0], heads[1]) - alpha * next_log_pi
            return self.cfg.reward_scale * rewards + discounts * soft_value
        pooled = torch.sort(torch.cat(heads, dim=1), dim=1).values
        keep = self.cfg.n_critics * (self.cfg.n_quantiles - self.cfg.top_quantiles_to_drop_per_net)
        atoms = pooled[:, :keep]
        return self.cfg.reward_scale * rewards[:, None] + discounts[:, None] * (atoms - alpha * next_log_pi[:, None])

    def critic_loss(self, critic, obs, actions, y, weights):
        heads = self.q_heads(critic, obs, actions)
        if not self.tqc:
            return 0.5 * sum((weights * (q - y) ** 2).mean() for q in heads)
        n = self.cfg.n_quantiles
        tau = torch.tensor([(2 * i + 1) / (2 * n) for i in range(n)], dtype=torch.float64)
        total = 0.0
        for z in heads:  # sb3-contrib's pairwise loss: (batch, quantiles, atoms)
            delta = y[:, None, :] - z[:, :, None]
            huber = torch.where(delta.abs() > 1, delta.abs() - 0.5, 0.5 * delta**2)
            total = total + (weights[:, None, None] * (tau[None, :, None] - (delta < 0).double()).abs() * huber).mean()
        return total / len(heads)

    def update(self, batch: Batch) -> dict[str, float]:
        """One update; returns the metrics the learner reports (and ``td_errors``, an array)."""
        cfg = self.cfg
        obs, next_obs = torch.as_tensor(batch.obs).double(), torch.as_tensor(batch.next_obs).double()
        actions = torch.as_tensor(batch.actions).double()
        rewards, discounts = torch.as_tensor(batch.rewards).double(), torch.as_tensor(batch.discounts).double()
        weights = torch.as_tensor(batch.weights).double()
        if self.sde:
            shape = self.actor["log_std"].shape
            self.eps = torch.randn(shape, generator=self.generator).double()
        alpha = float(torch.exp(self.log_alpha))
        with torch.no_grad():
            y = self.targets(rewards, discounts, next_obs, alpha)
            heads = self.q_heads(self.critic, obs, actions)
            critic_loss = float(self.critic_loss(self.critic, obs, actions, y, weights))
            if self.tqc:
                q = torch.stack([h.mean(1) for h in heads])
                td_errors = (q - y.mean(1)).abs().mean(0)
            else:
                q = torch.stack(heads)
                td_errors = (q - y).abs().mean(0)
        self.descend("critic", self.critic, lambda c: self.critic_loss(c, obs, actions, y, weights), cfg.critic_lr)
        self.updates += 1
        metrics = {"critic_loss": critic_loss, "q_mean": float(q[0].mean()), "td_errors": td_errors.numpy()}

        if self.updates % cfg.actor_update_freq == 0:
            for _ in range(cfg.actor_update_freq):
                metrics.update(self.actor_and_alpha_step(obs))

        if self.updates % cfg.target_update_freq == 0:
            for name in self.target:
                self.target[name] = (1 - cfg.tau) * self.target[name] + cfg.tau * self.critic[name]
        return metrics

    def actor_and_alpha_step(self, obs):
        cfg = self.cfg
        alpha = torch.exp(self.log_alpha)
        noise = None if self.sde else torch.randn((len(obs), self.action_dim), generator=self.generator).double()
        critic = {n: p.detach() for n, p in self.critic.items()}
        out = {}

        def actor_loss(actor):
            actions, log_pi = self.policy(actor, obs, noise)
            heads = self.q_heads(critic, obs, actions)
            value = torch.minimum(heads[0], heads[1]) if not self.tqc else torch.stack(heads).mean((0, 2))
            loss = (alpha * log_pi - value).mean()
            out.update(actor_loss=float(loss.detach()), entropy=float(-log_pi.detach().mean()), log_pi=log_pi.detach())
            return loss

        self.descend("actor", self.actor, actor_loss, cfg.actor_lr)
        log_pi = out.pop("log_pi")
        out["alpha"] = float(alpha)
        if cfg.alpha == "auto":
            gap = float((log_pi + self.target_entropy).mean())
            out["alpha_loss"] = -float(self.log_alpha) * gap
            grad = torch.tensor(-gap, dtype=torch.float64)  # d/d(log_alpha) of -log_alpha * gap
            self.grads["alpha"] = {"log_alpha": grad}
            holder = {"log_alpha": self.log_alpha}
            self.adam("alpha", holder, {"log_alpha": grad}, cfg.alpha_lr)
            self.log_alpha = holder["log_alpha"]
        return out


def one_step_task_error(learner, box, updates: int = 400) -> float:
    """Train ``learner`` on reward ``-(a - 0.6 * s_0)^2`` with no bootstrap; the greedy action's mean error after."""
    rng = np.random.default_rng(0)
    for _ in range(updates):
        obs = rng.uniform(-1, 1, (64, 3)).astype(np.float32)
        actions = rng.uniform(-1, 1, (64, 1)).astype(np.float32)
        rewards = -((actions - 0.6 * obs[:, :1]) ** 2).sum(-1)
        learner.update(Batch(obs=obs, actions=actions, rewards=rewards, next_obs=obs,
                             discounts=np.zeros(64, np.float32), indices=np.arange(64), weights=np.ones(64, np.float32)))
    test_obs = rng.uniform(-1, 1, (200, 3)).astype(np.float32)
    greedy = make_gaussian(box, GaussianConfig(), seed=0).select(learner.predict(test_obs), 0, explore=False)
    return float(np.abs(greedy - 0.6 * test_obs[:, :1]).mean())
