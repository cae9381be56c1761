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
   gradient is spent on them.
4. **Temperature** (``alpha: auto``): minimise ``-log_alpha * (log pi + target_entropy)``,
   so alpha grows when the policy's entropy is below the target and shrinks above it.
5. **Polyak**: ``target <- (1 - tau) * target + tau * online`` every
   ``target_update_freq`` steps.

Gradients come from autograd; the optimisers are ``torch.optim.Adam`` with
its fused kernel. The metrics stay tensors until one conversion at the end.

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

from gaikit.core.components import (
    Batch,
    Encoder,
    Learner,
    Observation,
    Preferences,
    StateDict,
    TensorObservation,
    UpdateResult,
)
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import Register
from gaikit.core.tensors import as_tensor_obs
from gaikit.plugins.learners.greedy_policy import SquashedMeanPolicy
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


def adam(params: list[torch.nn.Parameter], lr: float) -> torch.optim.Adam:
    """Adam with PyTorch's fused kernel (one call updates every tensor of the group)."""
    return torch.optim.Adam(params, lr=lr, fused=True)


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
        self.action_space = action_space
        action_dim = int(np.prod(action_space.shape))
        # Seeded from the CPU generator alone, restored afterwards (torch.manual_seed would also
        # reseed every accelerator's generator, which fork_rng(devices=[]) does not restore).
        with torch.random.fork_rng(devices=[]), torch.device("cpu"):
            torch.default_generator.manual_seed(seed)
            scaling = BoxScaling(action_space)
            self.actor: Actor | SDEActor = (
                SDEActor(make_encoder(), scaling, config.hidden, config.log_std_init, config.clip_mean)
                if config.use_sde
                else Actor(make_encoder(), scaling, config.hidden, (config.log_std_min, config.log_std_max))
            )
            self.critic = self._make_critic(make_encoder(), scaling)
        self.critic_target = copy.deepcopy(self.critic).requires_grad_(False)
        self.actor_optimizer = adam(list(self.actor.parameters()), config.actor_lr)
        self.critic_optimizer = adam(list(self.critic.parameters()), config.critic_lr)
        self.autotune = config.alpha == "auto"
        self.target_entropy = float(-action_dim if config.target_entropy is None else config.target_entropy)
        start = config.alpha_init if self.autotune else float(config.alpha)
        self.log_alpha = torch.nn.Parameter(torch.tensor(float(np.log(start))), requires_grad=self.autotune)
        self.alpha_optimizer = adam([self.log_alpha], config.alpha_lr) if self.autotune else None
        self.generator = torch.Generator().manual_seed(seed)
        self.updates = 0

    def _make_critic(self, encoder: Encoder, scaling: BoxScaling) -> torch.nn.Module:
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
        cfg = self.config
        obs, actions, rewards, discounts, next_obs, weights = self.batch_tensors(batch)
        if isinstance(self.actor, SDEActor):  # one exploration matrix per gradient step, as SB3
            self.actor.reset_noise(self.generator)

        # 1. Soft bootstrap target from the target critic (0 discount on termination).
        target_q = self.critic_target_values(rewards, discounts, next_obs)

        # 2. Critic regression onto the target: 0.5 * (mean(w * td1^2) + mean(w * td2^2)).
        q1, q2 = self.critic(obs, actions)
        td1, td2 = q1 - target_q, q2 - target_q
        critic_loss = 0.5 * ((weights * td1.pow(2)).mean() + (weights * td2.pow(2)).mean())
        self.gradient_step(self.critic_optimizer, critic_loss, clip=True)
        self.updates += 1
        metrics = {"critic_loss": critic_loss.detach(), "q_mean": q1.detach().mean()}

        # 3 + 4. Actor and temperature, delayed and compensated like CleanRL's policy_frequency.
        if self.updates % cfg.actor_update_freq == 0:
            for _ in range(cfg.actor_update_freq):
                metrics.update(self.actor_and_alpha_step(obs))

        # 5. Polyak averaging of the target critic.
        if self.updates % cfg.target_update_freq == 0:
            self.polyak_update()

        td_errors = 0.5 * (td1.detach().abs() + td2.detach().abs())  # for prioritized replay
        return self.result(metrics, td_errors)

    @torch.no_grad()
    def critic_target_values(
        self, rewards: torch.Tensor, discounts: torch.Tensor, next_obs: TensorObservation
    ) -> torch.Tensor:
        """The critic target ``reward_scale * r + discount * V_soft(s')``, without gradients.

        ``V_soft(s') = min(Q1', Q2')(s', a') - alpha * log pi(a'|s')`` with
        ``a' ~ pi(.|s')`` drawn from the learner's generator. ``discounts`` is
        ``0`` where the episode terminated (no bootstrap) and ``gamma`` where
        it continued or was truncated by a time limit.
        """
        next_actions, next_log_pi = self.actor.sample(next_obs, self.generator)
        next_q1, next_q2 = self.critic_target(next_obs, next_actions)
        soft_value = torch.min(next_q1, next_q2) - self.log_alpha.detach().exp() * next_log_pi
        return self.config.reward_scale * rewards + discounts * soft_value

    def policy_value(self, obs: TensorObservation, actions: torch.Tensor) -> torch.Tensor:
        """What the actor maximises per sample: ``min(Q1, Q2)(s, a)`` (TQC: the mean quantile)."""
        q1, q2 = self.critic(obs, actions)
        return torch.min(q1, q2)

    def actor_and_alpha_step(self, obs: TensorObservation) -> dict[str, torch.Tensor]:
        """One actor step on ``mean(alpha * log pi - Q)`` and, with ``alpha: auto``, one temperature step."""
        alpha = self.log_alpha.detach().exp()
        actions, log_pi = self.actor.sample(obs, self.generator)
        self.critic.requires_grad_(False)  # the gradient flows through Q to the action only
        q_pi = self.policy_value(obs, actions)
        self.critic.requires_grad_(True)
        actor_loss = (alpha * log_pi - q_pi).mean()
        self.gradient_step(self.actor_optimizer, actor_loss, clip=True)
        out = {"actor_loss": actor_loss.detach(), "entropy": -log_pi.detach().mean(), "alpha": alpha}

        if self.alpha_optimizer is not None:
            alpha_loss = -(self.log_alpha * (log_pi.detach() + self.target_entropy)).mean()
            self.gradient_step(self.alpha_optimizer, alpha_loss, clip=False)
            out["alpha_loss"] = alpha_loss.detach()
        return out

    @torch.no_grad()
    def polyak_update(self) -> None:
        """``target <- (1 - tau) * target + tau * online`` for every parameter of the critic."""
        for target, online in zip(self.critic_target.parameters(), self.critic.parameters()):
            target.lerp_(online, self.config.tau)

    def gradient_step(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor, *, clip: bool) -> None:
        """``zero_grad``, backward, the optional norm clip (``max_grad_norm``), Adam step."""
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip and self.config.max_grad_norm is not None:
            params = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(params, self.config.max_grad_norm, foreach=True)
        optimizer.step()

    @staticmethod
    def batch_tensors(
        batch: Batch,
    ) -> tuple[TensorObservation, torch.Tensor, torch.Tensor, torch.Tensor, TensorObservation, torch.Tensor]:
        """``(obs, actions, rewards, discounts, next_obs, weights)`` as float32 tensors; actions ``(B, action_dim)``."""
        obs, next_obs = as_tensor_obs(batch.obs), as_tensor_obs(batch.next_obs)
        actions = torch.as_tensor(np.asarray(batch.actions, dtype=np.float32)).reshape(len(batch.actions), -1)
        rewards = torch.as_tensor(np.asarray(batch.rewards, dtype=np.float32))
        discounts = torch.as_tensor(np.asarray(batch.discounts, dtype=np.float32))
        weights = torch.as_tensor(np.asarray(batch.weights, dtype=np.float32))
        return obs, actions, rewards, discounts, next_obs, weights

    @staticmethod
    def result(metrics: dict[str, torch.Tensor], td_errors: torch.Tensor) -> UpdateResult:
        """The update's result, with one host conversion for all metrics."""
        values = torch.stack(list(metrics.values())).tolist()
        return UpdateResult(metrics=dict(zip(metrics, values)), td_errors=td_errors.numpy())

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

    def policy_state(self) -> StateDict:
        """The actor (what :meth:`predict` reads), as CPU tensors."""
        return {"actor": {key: value.detach().cpu().clone() for key, value in self.actor.state_dict().items()}}

    def load_policy_state(self, state: StateDict) -> None:
        """Load the actor :meth:`policy_state` shipped."""
        self.actor.load_state_dict(state["actor"])

    def encoder_parameter_count(self) -> int:
        """Trainable parameters of the actor's encoder."""
        return sum(p.numel() for p in self.actor.encoder.parameters() if p.requires_grad)

    def greedy_policy_module(self) -> SquashedMeanPolicy:
        """``obs -> (action,)``: the squashed mean scaled to the bounds, as evaluation plays it (``gaikit export``)."""
        return SquashedMeanPolicy(self.actor, self.action_space)


def register(register_fn: Register) -> None:
    """Register the ``sac`` learner."""
    register_fn(
        "sac",
        SACLearner,
        config=SACConfig,
        description="Soft Actor-Critic: twin critics, tanh-squashed Gaussian policy, automatic entropy temperature",
    )
