"""Copy a gaikit learner's state (weights, targets, Adam moments) into the matching SB3 model.

For timing both frameworks from the same late-training state (``--from-run``
of ``bench_sac.py`` and ``bench_atari_loop.py``), where Adam's moments have
decayed into the float32 denormal range.

- SAC: SB3's ``MlpPolicy`` with ``net_arch=[400, 300]`` and gaikit's ``sac``
  with the ``vector`` encoder (``hidden: []``) have the same layers. gaikit's
  actor keeps the mean and log-std heads as one ``Linear(300, 12)`` (mean
  rows first); SB3 has ``mu`` and ``log_std`` as two ``Linear(300, 6)``.
  With gSDE both actors are ``log_std`` (300 x 6), the trunk and the mean
  head, in that parameter order.
- TQC: sb3-contrib's ``TQC`` has SAC's actor, and its critic's
  ``quantiles_networks`` are gaikit's ``QuantileCritic`` heads, layer for
  layer in the same order (the loader below serves both).
- DQN: SB3's ``MlpPolicy`` with ``net_arch=[128, 128]`` and gaikit's
  ``ddqn`` with the ``ram`` encoder ``hidden: [128, 128]`` and a plain head;
  or SB3's ``CnnPolicy`` (NatureCNN) and the ``image`` encoder (the same
  convolutions, 512-unit layer and Q layer, flattened in C, H, W order).
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
        optimizer.state[param] = {key: value.detach().contiguous().clone().reshape(param.shape) if key != "step"
                                  else torch.tensor(float(value)) for key, value in state.items()}


@torch.no_grad()
def load_gaikit_sac_into_sb3(model: Any, learner: Any) -> None:
    """Overwrite ``model`` (SB3 ``SAC`` or sb3-contrib ``TQC``) with ``learner``'s (gaikit ``sac`` / ``tqc``) state."""
    sde = bool(model.use_sde)
    action_dim = learner.actor.scaling.scale.numel()
    actor_params = list(learner.actor.parameters())
    sb3_actor = list(model.actor.parameters())
    sources = actor_params if sde else _actor_tensors(actor_params, action_dim)
    for dst, src in zip(sb3_actor, sources, strict=True):
        if dst.shape != src.shape:
            raise ValueError(f"SB3 parameter {tuple(dst.shape)} against gaikit's {tuple(src.shape)}")
        dst.copy_(src)
    for dst, src in zip(model.critic.parameters(), learner.critic.parameters(), strict=True):
        dst.copy_(src)
    for dst, src in zip(model.critic_target.parameters(), learner.critic_target.parameters(), strict=True):
        dst.copy_(src)
    model.log_ent_coef.copy_(learner.log_alpha.detach().reshape(model.log_ent_coef.shape))

    def moments(optimizer: Any, params: list[torch.Tensor]) -> list[dict[str, Any]]:
        return [dict(optimizer.state[p]) for p in params]

    actor_states = moments(learner.actor_optimizer, actor_params)
    if sde:
        _copy_into(model.actor.optimizer, sb3_actor, actor_states)
        critic_params = list(learner.critic.parameters())
        _copy_into(model.critic.optimizer, list(model.critic.parameters()),
                   moments(learner.critic_optimizer, critic_params))
        return
    split: list[dict[str, Any]] = []
    *trunk, heads_w, heads_b = actor_states
    for head in (slice(0, action_dim), slice(action_dim, None)):
        for state in (heads_w, heads_b):
            split.append({k: (v[head] if k != "step" else v) for k, v in state.items()})
    ordered = [*trunk, split[0], split[1], split[2], split[3]]
    _copy_into(model.actor.optimizer, sb3_actor, ordered)
    critic_params = list(learner.critic.parameters())
    _copy_into(model.critic.optimizer, list(model.critic.parameters()), moments(learner.critic_optimizer, critic_params))


@torch.no_grad()
def load_gaikit_ddqn_into_sb3(model: Any, learner: Any) -> None:
    """Overwrite ``model`` (SB3 ``DQN``) with ``learner``'s (gaikit ``DDQN``) online and target nets and Adam moments."""
    online = list(learner.online.parameters())
    for dst, src in zip(model.q_net.parameters(), online, strict=True):
        if dst.shape != src.shape:
            raise ValueError(f"SB3 parameter {tuple(dst.shape)} against gaikit's {tuple(src.shape)}")
        dst.copy_(src)
    for dst, src in zip(model.q_net_target.parameters(), learner.target.parameters()):
        dst.copy_(src)
    states = [dict(learner.optimizer.state[p]) for p in online]
    _copy_into(model.policy.optimizer, list(model.q_net.parameters()), states)
