"""The part of the autograd reference update that SAC and TQC share (actor, temperature, Polyak)."""

from typing import Callable

import torch


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
