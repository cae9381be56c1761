"""Soft Actor-Critic for continuous (Box) actions, in the style of CleanRL's ``sac_continuous_action.py``.

Read top to bottom, one :meth:`SACLearner.update` is:

1. **Target** (no gradients): sample ``a' ~ pi(.|s')`` with its log-probability
   and bootstrap from the smaller target Q, minus the entropy term::

       y = reward_scale * r + discount * (min(Q1'(s', a'), Q2'(s', a')) - alpha * log pi(a'|s'))

   where ``discount`` comes from the memory: ``gamma`` when the episode went
   on or was truncated by a time limit, ``0`` when it terminated.
2. **Critic**: regress both Q heads onto ``y`` (importance-weighted MSE).
3. **Actor** (every ``actor_update_freq`` critic steps, then that many times,
   as CleanRL does): minimise ``alpha * log pi(a|s) - min(Q1, Q2)(s, a)`` with
   ``a`` reparameterised; the critic's weights are frozen for this step so no
   gradient is wasted on them.
4. **Temperature** (``alpha: auto``): minimise ``-log_alpha * (log pi + target_entropy)``,
   so alpha grows when the policy's entropy is below the target and shrinks above it.
5. **Polyak**: ``target <- (1 - tau) * target + tau * online`` every
   ``target_update_freq`` steps.

The losses are those above, but their gradients are formed by hand: the
losses' derivatives in the network outputs are elementwise (``w * td / n`` for
the critic, ``alpha / n`` and ``-1 / n`` at the smaller Q for the actor), and
the networks backpropagate them with their written-out backward
(:mod:`~gaikit.plugins.learners.sac_networks`), which skips autograd's
per-layer bookkeeping and the critic's frozen weights. The temperature loss is
linear in ``log_alpha``, so its gradient is set directly. The optimisers are
Adam's fused kernel called without the ``step`` wrapper (:class:`FusedAdam`).

With ``use_sde`` the policy explores with generalized state-dependent noise
(gSDE, Stable-Baselines3's ``use_sde``; :mod:`~gaikit.plugins.learners.sde_actor`):
one exploration matrix is drawn at the start of each update and serves both
the target's and the actor's samples, and the ``gaussian`` selector holds a
matrix per env for ``sde_sample_freq`` steps while acting.
"""

from __future__ import annotations

import copy
from typing import Callable, Literal

import gymnasium as gym
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from gaikit.core.components import Batch, Encoder, Learner, Observation, Preferences, StateDict, UpdateResult
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register
from gaikit.core.tensors import as_tensor_obs
from gaikit.plugins.learners.fused_adam import FusedAdam
from gaikit.plugins.learners.sac_networks import Actor, BoxScaling, TwinCritic
from gaikit.plugins.learners.sde_actor import SDEActor


class SACConfig(BaseModel):
    """Options of the ``sac`` learner (defaults: CleanRL / SB3; ``halfcheetah`` ships the zoo's)."""

    model_config = ConfigDict(extra="forbid")

    gamma: float = Field(0.99, gt=0.0, le=1.0, description="Discount factor.")
    tau: float = Field(0.005, gt=0.0, le=1.0, description="Polyak coefficient of the target critic update.")
    actor_lr: float = Field(3e-4, gt=0.0, description="Adam learning rate of the policy.")
    critic_lr: float = Field(3e-4, gt=0.0, description="Adam learning rate of the twin critic.")
    alpha_lr: float = Field(3e-4, gt=0.0, description="Adam learning rate of log(alpha) when alpha is auto.")
    hidden: list[PositiveInt] = Field([256, 256], description="Hidden widths of the actor and of each Q head (after the encoder).")
    alpha: PositiveFloat | Literal["auto"] = Field("auto", description="Entropy temperature: 'auto' tunes it, a number fixes it.")
    alpha_init: float = Field(1.0, gt=0.0, description="Starting temperature when alpha is 'auto'.")
    target_entropy: float | None = Field(None, description="Entropy target for auto alpha (default: -action_dim).")
    reward_scale: float = Field(1.0, gt=0.0, description="Rewards are multiplied by this in the critic target.")
    actor_update_freq: int = Field(1, ge=1, description="Critic steps between actor phases (each runs this many actor steps).")
    target_update_freq: int = Field(1, ge=1, description="Critic steps between Polyak updates of the target critic.")
    log_std_min: float = Field(-20.0, description="Lower clamp of the policy's log std (without use_sde).")
    log_std_max: float = Field(2.0, description="Upper clamp of the policy's log std (without use_sde).")
    max_grad_norm: float | None = Field(None, gt=0.0, description="Clip gradient norms to this (None: no clipping).")
    use_sde: bool = Field(
        False, description="Generalized state-dependent exploration (SB3's use_sde): noise z @ E, z the policy's features."
    )
    log_std_init: float = Field(-3.0, description="With use_sde: initial value of every entry of the log_std matrix.")
    clip_mean: float = Field(2.0, gt=0.0, description="With use_sde: the mean is clipped to [-clip_mean, clip_mean].")


def clear_grads(params: list[torch.nn.Parameter]) -> None:
    """``optimizer.zero_grad(set_to_none=True)`` without its wrapper."""
    for p in params:
        p.grad = None


def _adam(params: list[torch.nn.Parameter] | list[torch.Tensor], lr: float) -> FusedAdam:
    # The fused CPU kernel updates all tensors in one call (much faster than the per-tensor loop).
    return FusedAdam(params, lr=lr)


class SACLearner(Learner):
    """Twin-critic SAC with a tanh-squashed Gaussian policy and automatic temperature."""

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        make_encoder: Callable[[], Encoder],
        config: SACConfig,
        *,
        seed: int = 0,
    ) -> None:
        if not isinstance(action_space, gym.spaces.Box):
            raise ConfigError(f"learner 'sac' needs a continuous Box action space, got {action_space}")
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise ConfigError("learner 'sac' needs finite action bounds (low/high) to squash actions into")
        if config.log_std_min >= config.log_std_max:
            raise ConfigError("learner.sac: log_std_min must be below log_std_max")
        self.config = config
        self.gamma = config.gamma
        self.n_step = 1
        action_dim = int(np.prod(action_space.shape))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            scaling = BoxScaling(action_space)
            self.actor: Actor | SDEActor = (
                SDEActor(make_encoder(), scaling, config.hidden, config.log_std_init, config.clip_mean)
                if config.use_sde
                else Actor(make_encoder(), scaling, config.hidden, (config.log_std_min, config.log_std_max))
            )
            self.critic = self._make_critic(make_encoder(), scaling)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_optimizer = _adam(list(self.actor.parameters()), config.actor_lr)
        self.critic_optimizer = _adam(list(self.critic.parameters()), config.critic_lr)
        self.autotune = config.alpha == "auto"
        self.target_entropy = float(-action_dim if config.target_entropy is None else config.target_entropy)
        start = config.alpha_init if self.autotune else float(config.alpha)
        self.log_alpha = torch.tensor(float(np.log(start)), requires_grad=self.autotune)
        self.alpha_optimizer = _adam([self.log_alpha], config.alpha_lr) if self.autotune else None
        self.generator = torch.Generator().manual_seed(seed)
        self.updates = 0
        self._actor_params = list(self.actor.parameters())
        self._critic_params = list(self.critic.parameters())
        self._target_params = list(self.critic_target.parameters())

    def _make_critic(self, encoder: Encoder, scaling: BoxScaling) -> TwinCritic:
        """The critic: SAC's two scalar Q heads (TQC overrides this with quantile heads)."""
        return TwinCritic(encoder, scaling, self.config.hidden)

    # -- acting ---------------------------------------------------------------------------------

    def predict(self, obs: Observation) -> Preferences:
        """Mean and log standard deviation of the pre-squash Gaussian for each observation.

        With ``use_sde`` also the latent features and the standard deviation
        matrix, from which the ``gaussian`` selector forms state-dependent
        noise held over several steps.
        """
        with torch.no_grad():
            if isinstance(self.actor, SDEActor):
                mean, log_std, latent = self.actor.distribution(as_tensor_obs(obs))
                sde_std = torch.exp(self.actor.log_std)
                return Preferences(
                    mean=mean.numpy(), log_std=log_std.numpy(), sde_latent=latent.numpy(), sde_std=sde_std.numpy()
                )
            mean, log_std = self.actor(as_tensor_obs(obs))
        return Preferences(mean=mean.numpy(), log_std=log_std.numpy())

    # -- learning -------------------------------------------------------------------------------

    def update(self, batch: Batch) -> UpdateResult:
        """One critic step, the actor/temperature phase when due, and the Polyak update."""
        with torch.no_grad():  # every gradient below is formed by hand (see sac_networks)
            return self._update(batch)

    def _update(self, batch: Batch) -> UpdateResult:
        cfg = self.config
        obs, next_obs = as_tensor_obs(batch.obs), as_tensor_obs(batch.next_obs)
        actions = torch.as_tensor(np.asarray(batch.actions, dtype=np.float32)).reshape(len(batch.actions), -1)
        rewards = torch.as_tensor(np.asarray(batch.rewards, dtype=np.float32))
        discounts = torch.as_tensor(np.asarray(batch.discounts, dtype=np.float32))
        weights = torch.as_tensor(np.asarray(batch.weights, dtype=np.float32))
        if isinstance(self.actor, SDEActor):  # one exploration matrix per gradient step, as SB3
            self.actor.reset_noise(self.generator)

        # 1 + 2. Bootstrap target, then one step of the critic onto it.
        critic_loss, q_mean, td_errors = self._critic_step(obs, actions, rewards, discounts, next_obs, weights)
        self.updates += 1

        metrics = {"critic_loss": critic_loss, "q_mean": q_mean}
        # 3 + 4. Actor and temperature, delayed and compensated like CleanRL's policy_frequency.
        if self.updates % cfg.actor_update_freq == 0:
            for _ in range(cfg.actor_update_freq):
                metrics.update(self._actor_and_alpha_step(obs))

        # 5. Polyak averaging of the target critic.
        if self.updates % cfg.target_update_freq == 0:
            torch._foreach_lerp_(self._target_params, self._critic_params, cfg.tau)

        values = torch.stack(list(metrics.values())).tolist()  # one conversion for all metrics
        return UpdateResult(metrics=dict(zip(metrics, values)), td_errors=td_errors.numpy())

    def _critic_step(
        self,
        obs: torch.Tensor | dict[str, torch.Tensor],
        actions: torch.Tensor,
        rewards: torch.Tensor,
        discounts: torch.Tensor,
        next_obs: torch.Tensor | dict[str, torch.Tensor],
        weights: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One critic step; returns the loss, the first head's mean Q and each sample's mean ``|td|``."""
        # 1. Soft bootstrap target from the target critic (0 discount on termination).
        target_q = self.critic_target_values(rewards, discounts, next_obs)

        # 2. Critic regression onto the target: 0.5 * (mean(w * td1^2) + mean(w * td2^2)).
        # The loss's gradient in each Q value is w * td / n, backpropagated by the critic's
        # own backward (the networks' gradients are written out; see sac_networks).
        q, tape = self.critic.values_taped(obs, actions)  # (2, batch): both heads
        td = q - target_q
        weighted_td = weights * td
        inv_n = 1.0 / td.shape[1]
        critic_loss = torch.dot(weighted_td.view(-1), td.view(-1)) * (0.5 * inv_n)
        clear_grads(self._critic_params)
        self.critic.backward(tape, weighted_td * inv_n)
        self._clip(self._critic_params)
        self.critic_optimizer.step_direct()
        return critic_loss, q[0].mean(), td.abs().mean(0)

    @torch.no_grad()
    def critic_target_values(
        self, rewards: torch.Tensor, discounts: torch.Tensor, next_obs: torch.Tensor | dict[str, torch.Tensor]
    ) -> torch.Tensor:
        """The critic target ``reward_scale * r + discount * V_soft(s')``, without gradients.

        ``V_soft(s') = min(Q1', Q2')(s', a') - alpha * log pi(a'|s')`` with
        ``a' ~ pi(.|s')`` drawn from the learner's generator. ``discounts`` is
        ``0`` where the episode terminated (no bootstrap) and ``gamma`` where
        it continued or was truncated by a time limit.
        """
        next_actions, next_log_pi = self.actor.sample(next_obs, self.generator)
        min_q_next = self.critic_target.values(next_obs, next_actions).amin(0)
        soft_value = min_q_next - self.log_alpha.detach().exp() * next_log_pi
        return self.config.reward_scale * rewards + discounts * soft_value

    def _actor_and_alpha_step(self, obs: torch.Tensor | dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        alpha = self.log_alpha.detach().exp()
        actions, log_pi, actor_tape = self.actor.sample_taped(obs, self.generator)
        # The critic is frozen for this step: the gradient flows through Q to the action only.
        q, critic_tape = self.critic.values_taped(obs, actions, frozen=True)
        q_pi, grad_q = self._policy_value(q)
        actor_loss = (alpha * log_pi - q_pi).mean()
        grad_actions = self.critic.action_grad(critic_tape, grad_q)
        inv_n = 1.0 / len(log_pi)
        clear_grads(self._actor_params)
        self.actor.backward(actor_tape, grad_actions, (alpha * inv_n).expand_as(log_pi))
        self._clip(self._actor_params)
        self.actor_optimizer.step_direct()
        out = {"actor_loss": actor_loss, "entropy": -log_pi.mean(), "alpha": alpha}
        if self.alpha_optimizer is not None:
            out["alpha_loss"] = self._alpha_step(log_pi)
        return out

    def _policy_value(self, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The value the actor maximises, ``min(Q1, Q2)`` per sample, and the gradient of
        ``-mean(min(Q1, Q2))`` in ``q`` (``-1 / n`` at the smaller head, split evenly on a
        tie, as torch.min's own backward does)."""
        min_q = q.amin(0)
        smaller = (q == min_q).to(q.dtype)
        inv_n = 1.0 / q.shape[1]
        return min_q, smaller * (-inv_n / smaller.sum(0))

    def _alpha_step(self, log_pi: torch.Tensor) -> torch.Tensor:
        """One step on ``-log_alpha * (log_pi + target_entropy)``; returns the loss.

        The loss is linear in ``log_alpha``: its gradient ``-mean(log_pi + target_entropy)``
        is set directly rather than through autograd.
        """
        assert self.alpha_optimizer is not None
        gap = (log_pi + self.target_entropy).mean()
        alpha_loss = -(self.log_alpha.detach() * gap)
        self.log_alpha.grad = -gap
        self.alpha_optimizer.step_direct()
        return alpha_loss

    def _clip(self, params: list[torch.nn.Parameter]) -> None:
        if self.config.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, self.config.max_grad_norm)

    @property
    def alpha(self) -> float:
        """The current entropy temperature."""
        return float(self.log_alpha.detach().exp())

    # -- state ----------------------------------------------------------------------------------

    def state_dict(self) -> StateDict:
        """Networks, target critic, optimisers, temperature, noise RNG and update counter."""
        return {
            "actor": self.actor.state_dict(),
            "critic": self.critic.state_dict(),
            "critic_target": self.critic_target.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "log_alpha": self.log_alpha.detach().clone(),
            "alpha_optimizer": None if self.alpha_optimizer is None else self.alpha_optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "updates": self.updates,
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.actor.load_state_dict(state["actor"])
        self.critic.load_state_dict(state["critic"])
        self.critic_target.load_state_dict(state["critic_target"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
        if self.alpha_optimizer is not None and state.get("alpha_optimizer") is not None:
            self.alpha_optimizer.load_state_dict(state["alpha_optimizer"])
        self.generator.set_state(state["generator"])
        self.updates = int(state["updates"])

    def encoder_parameter_count(self) -> int:
        """Trainable parameters of the actor's encoder."""
        return sum(p.numel() for p in self.actor.encoder.parameters() if p.requires_grad)


def make_sac(
    observation_space: gym.Space,
    action_space: gym.Space,
    make_encoder: Callable[[], Encoder],
    config: SACConfig,
    *,
    seed: int = 0,
) -> SACLearner:
    """Factory registered as learner ``sac``."""
    return SACLearner(observation_space, action_space, make_encoder, config, seed=seed)


def register(register_fn: Register) -> None:
    """Register the ``sac`` learner."""
    register_fn(
        "sac",
        make_sac,
        config=SACConfig,
        description="Soft Actor-Critic: twin critics, tanh-squashed Gaussian policy, automatic entropy temperature",
    )
