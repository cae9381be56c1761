"""TQC: SAC with a truncated mixture of quantile critics (sb3-contrib's ``TQC``).

Everything but the critic is SAC's (:mod:`~gaikit.plugins.learners.sac`):
the squashed Gaussian actor (with or without gSDE), the automatic entropy
temperature, the Polyak-averaged target critic and the ``gaussian`` selector.
The critic is ``n_critics`` networks that each predict ``n_quantiles``
quantiles of the return (:mod:`~gaikit.plugins.learners.quantile_critic`).
One :meth:`TQCLearner.update` differs from SAC's in two places:

1. **Target**: pool the target critics' quantiles at ``(s', a')``, sort them
   and drop the ``top_quantiles_to_drop_per_net * n_critics`` largest, the
   truncation that controls overestimation in place of SAC's ``min(Q1, Q2)``::

       y_j = reward_scale * r + discount * (z_(j)(s', a') - alpha * log pi(a'|s'))

   for each kept atom ``z_(j)``; ``discount`` is ``0`` on termination.
2. **Critic**: the quantile Huber loss between every predicted quantile and
   every target atom.

The actor maximises the mean of all quantiles of all critics, minus
``alpha * log pi``.
"""

from __future__ import annotations


import torch
from pydantic import Field, PositiveInt, model_validator

from gaikit.core.components import Batch, Encoder, TensorObservation, UpdateResult
from gaikit.core.hookspecs import Register
from gaikit.plugins.learners.quantile_critic import QuantileCritic, quantile_huber_loss, truncated_targets
from gaikit.plugins.learners.sac import SACConfig, SACLearner
from gaikit.plugins.learners.sac_networks import BoxScaling
from gaikit.plugins.learners.sde_actor import SDEActor


class TQCConfig(SACConfig):
    """Options of the ``tqc`` learner: SAC's, plus the quantile critics (defaults: sb3-contrib's)."""

    n_quantiles: PositiveInt = Field(25, description="Quantiles of the return each critic predicts.")
    n_critics: PositiveInt = Field(2, description="Number of quantile critics.")
    top_quantiles_to_drop_per_net: int = Field(
        2, ge=0, description="Largest target atoms dropped per critic (overestimation control)."
    )

    @model_validator(mode="after")
    def _keeps_some_quantiles(self) -> "TQCConfig":
        if self.top_quantiles_to_drop_per_net >= self.n_quantiles:
            raise ValueError(
                f"top_quantiles_to_drop_per_net ({self.top_quantiles_to_drop_per_net}) must be below "
                f"n_quantiles ({self.n_quantiles}): every target atom would be dropped"
            )
        return self


class TQCLearner(SACLearner):
    """SAC's actor and temperature with TQC's truncated quantile critics."""

    config: TQCConfig

    def _make_critic(self, encoder: Encoder, scaling: BoxScaling) -> QuantileCritic:
        cfg = self.config
        return QuantileCritic(encoder, scaling, cfg.hidden, cfg.n_critics, cfg.n_quantiles)

    def update(self, batch: Batch) -> UpdateResult:
        """One critic step, the actor/temperature phase when due, and the Polyak update."""
        cfg = self.config
        obs, actions, rewards, discounts, next_obs, weights = self.batch_tensors(batch)
        if isinstance(self.actor, SDEActor):  # one exploration matrix per gradient step, as SB3
            self.actor.reset_noise(self.generator)

        # 1. Truncated target atoms from the target critics (0 discount on termination).
        targets = self.critic_target_values(rewards, discounts, next_obs)  # (batch, kept atoms), ascending

        # 2. Quantile Huber loss between every predicted quantile and every target atom.
        quantiles = self.critic(obs, actions)  # (critics, batch, quantiles)
        critic_loss = quantile_huber_loss(quantiles, targets, weights, presorted=True)
        self.gradient_step(self.critic_optimizer, critic_loss, clip=True)
        self.updates += 1
        q = quantiles.detach().mean(2)  # each critic's Q: the mean of its quantiles
        metrics = {"critic_loss": critic_loss.detach(), "q_mean": q[0].mean()}

        # 3 + 4. SAC's actor and temperature steps; the actor maximises the mean of all quantiles.
        if self.updates % cfg.actor_update_freq == 0:
            for _ in range(cfg.actor_update_freq):
                metrics.update(self.actor_and_alpha_step(obs))

        # 5. Polyak averaging of the target critics.
        if self.updates % cfg.target_update_freq == 0:
            self.polyak_update()

        td_errors = (q - targets.mean(1)).abs().mean(0)  # for prioritized replay
        return self.result(metrics, td_errors)

    @torch.no_grad()
    def critic_target_values(
        self, rewards: torch.Tensor, discounts: torch.Tensor, next_obs: TensorObservation
    ) -> torch.Tensor:
        """The target atoms ``(batch, n_critics * (n_quantiles - drop))``, ascending, without gradients.

        ``reward_scale * r + discount * (z - alpha * log pi(a'|s'))`` for each
        kept atom ``z`` of the pooled, sorted target quantiles at
        ``a' ~ pi(.|s')``; ``discount`` is ``0`` where the episode terminated.
        The affine map keeps each row's order (``discount >= 0``).
        """
        next_actions, next_log_pi = self.actor.sample(next_obs, self.generator)
        atoms = truncated_targets(self.critic_target(next_obs, next_actions), self.config.top_quantiles_to_drop_per_net)
        soft = atoms - (self.log_alpha.detach().exp() * next_log_pi).unsqueeze(1)
        return (self.config.reward_scale * rewards).unsqueeze(1) + discounts.unsqueeze(1) * soft

    def policy_value(self, obs: TensorObservation, actions: torch.Tensor) -> torch.Tensor:
        """What the actor maximises per sample: the mean of every critic's quantiles."""
        return self.critic(obs, actions).mean((0, 2))


def register(register_fn: Register) -> None:
    """Register the ``tqc`` learner."""
    register_fn(
        "tqc",
        TQCLearner,
        config=TQCConfig,
        description="TQC: SAC's actor and temperature with a truncated mixture of quantile critics",
    )
