"""What the SAC and TQC tests share: the actor, temperature and Polyak part of the autograd reference update,
and a one-step task both must learn."""

from typing import Callable

import numpy as np
import torch

from gaikit.core.components import Batch
from gaikit.plugins.selectors.gaussian import GaussianConfig, make_gaussian


def reference_actor_alpha_polyak(learner, obs: torch.Tensor, policy_value: Callable[[torch.Tensor], torch.Tensor]):
    """Actor, temperature and Polyak steps with autograd and plain Adam; ``policy_value`` maps the
    critic's output at ``(obs, a ~ pi)`` to the per-sample value the actor maximises.
    Returns ``(actor_loss, alpha_loss)`` as floats and counts the update."""
    alpha = learner.log_alpha.detach().exp()
    learner.critic.requires_grad_(False)
    new_actions, log_pi = learner.actor.sample(obs, learner.generator)
    actor_loss = (alpha * log_pi - policy_value(learner.critic.values(obs, new_actions))).mean()
    learner.actor_optimizer.zero_grad()
    actor_loss.backward()
    learner.critic.requires_grad_(True)
    learner.actor_optimizer.step()
    alpha_loss = -(learner.log_alpha * (log_pi.detach() + learner.target_entropy)).mean()
    learner.alpha_optimizer.zero_grad()
    alpha_loss.backward()
    learner.alpha_optimizer.step()
    with torch.no_grad():
        for t, p in zip(learner.critic_target.parameters(), learner.critic.parameters()):
            t.lerp_(p, learner.config.tau)
    learner.updates += 1
    return float(actor_loss.detach()), float(alpha_loss.detach())


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
