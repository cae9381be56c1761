"""Copy a gaikit SAC learner's state (weights, target critic, Adam moments, temperature) into an SB3 SAC model.

For timing the two updates from the same late-training state (``bench_sac.py
--from-run``): SB3's ``MlpPolicy`` with ``net_arch=[400, 300]`` and gaikit's
``sac`` with the ``vector`` encoder (``hidden: []``) have the same layers.
gaikit's actor keeps the mean and log-std heads as one ``Linear(300, 12)``
(mean rows first); SB3 has ``mu`` and ``log_std`` as two ``Linear(300, 6)``.
Plain Gaussian policies only (not gSDE).
"""

from __future__ import annotations

from typing import Any

import torch


def _actor_tensors(tensors: list[torch.Tensor], action_dim: int) -> list[torch.Tensor]:
    """gaikit's actor order ``[trunk..., heads.w, heads.b]`` as SB3's ``[latent_pi..., mu.w, mu.b, log_std.w, log_std.b]``."""
    *trunk, heads_w, heads_b = tensors
    return [*trunk, heads_w[:action_dim], heads_b[:action_dim], heads_w[action_dim:], heads_b[action_dim:]]


def _copy_into(optimizer: torch.optim.Optimizer, params: list[torch.Tensor], states: list[dict[str, Any]]) -> None:
    """Set each SB3 parameter's Adam state (step, exp_avg, exp_avg_sq) from gaikit's."""
    for param, state in zip(params, states):
        optimizer.state[param] = {key: value.detach().clone().reshape(param.shape) if key != "step"
                                  else torch.tensor(float(value)) for key, value in state.items()}


@torch.no_grad()
def load_gaikit_sac_into_sb3(model: Any, learner: Any) -> None:
    """Overwrite ``model`` (SB3 ``SAC``) with ``learner``'s (gaikit ``SACLearner``) state."""
    action_dim = model.actor.mu.out_features
    actor_params = list(learner.actor.parameters())
    sb3_actor = list(model.actor.parameters())
    for dst, src in zip(sb3_actor, _actor_tensors(actor_params, action_dim)):
        dst.copy_(src)
    for dst, src in zip(model.critic.parameters(), learner.critic.parameters()):
        dst.copy_(src)
    for dst, src in zip(model.critic_target.parameters(), learner.critic_target.parameters()):
        dst.copy_(src)
    model.log_ent_coef.copy_(learner.log_alpha.detach().reshape(model.log_ent_coef.shape))

    def moments(optimizer: Any, params: list[torch.Tensor]) -> list[dict[str, Any]]:
        return [dict(optimizer.state[p]) for p in params]

    actor_states = moments(learner.actor_optimizer, actor_params)
    split: list[dict[str, Any]] = []
    *trunk, heads_w, heads_b = actor_states
    for head in (slice(0, action_dim), slice(action_dim, None)):
        for state in (heads_w, heads_b):
            split.append({k: (v[head] if k != "step" else v) for k, v in state.items()})
    ordered = [*trunk, split[0], split[1], split[2], split[3]]
    _copy_into(model.actor.optimizer, sb3_actor, ordered)
    critic_params = list(learner.critic.parameters())
    _copy_into(model.critic.optimizer, list(model.critic.parameters()), moments(learner.critic_optimizer, critic_params))
