"""The built-in learners' greedy policies as standalone modules: what ``gaikit export`` writes.

Each module is a copy of the acting network (on the CPU, in eval mode) plus
the greedy selection the evaluation plays, so ``module(obs)[0]`` is the
action ``LearnedAgent.predict(obs, deterministic=True)`` returns:

* :class:`DiscreteGreedyPolicy` (``ddqn``): ``argmax_a Q_online(s, a)``
  (first index on ties, as the ``greedy`` and ``epsilon-greedy`` selectors),
  shifted by the action space's ``start``; also the Q-values.
* :class:`SquashedMeanPolicy` (``sac``, ``tqc``): ``tanh(mean) * scale + bias``
  computed in float64 from the Box bounds and clipped to them, then cast to
  the space's dtype, exactly as the ``gaussian`` selector's greedy branch.
"""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gaikit.core.components import TensorObservation
from gaikit.plugins.learners.sac_networks import Actor
from gaikit.plugins.learners.sde_actor import SDEActor


def _frozen_copy(network: nn.Module) -> nn.Module:
    """A CPU copy of ``network`` in eval mode without gradients (the learner's own stays as it is)."""
    return copy.deepcopy(network).to("cpu").eval().requires_grad_(False)


class DiscreteGreedyPolicy(nn.Module):
    """``obs -> (action, q_values)``: the highest-valued action of a Q-network and all action values."""

    #: Names of :meth:`forward`'s outputs, in order.
    output_names = ("action", "q_values")

    def __init__(self, q_network: nn.Module, action_start: int) -> None:
        super().__init__()
        self.q_network = _frozen_copy(q_network)
        self.action_start = int(action_start)

    def forward(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor]:
        """``int64 (batch,)`` env actions and ``float32 (batch, n_actions)`` Q-values."""
        q_values = self.q_network(obs).to(torch.float32)
        return q_values.argmax(dim=1) + self.action_start, q_values


class SquashedMeanPolicy(nn.Module):
    """``obs -> (action,)``: the squashed Gaussian mean of a SAC actor, scaled to the Box bounds."""

    #: Names of :meth:`forward`'s outputs, in order.
    output_names = ("action",)
    low: torch.Tensor
    high: torch.Tensor
    scale: torch.Tensor
    bias: torch.Tensor

    def __init__(self, actor: Actor | SDEActor, action_space: gym.spaces.Box) -> None:
        super().__init__()
        self.actor = _frozen_copy(actor)
        self.sde = isinstance(actor, SDEActor)
        low = np.asarray(action_space.low, dtype=np.float64).reshape(-1)
        high = np.asarray(action_space.high, dtype=np.float64).reshape(-1)
        # The gaussian selector's float64 arithmetic, so the exported action equals the evaluated one.
        self.register_buffer("low", torch.as_tensor(low))
        self.register_buffer("high", torch.as_tensor(high))
        self.register_buffer("scale", torch.as_tensor((high - low) / 2.0))
        self.register_buffer("bias", torch.as_tensor((high + low) / 2.0))
        self.action_shape = tuple(int(n) for n in action_space.shape)
        self.action_dtype = torch.from_numpy(np.zeros(0, dtype=action_space.dtype)).dtype

    def forward(self, obs: TensorObservation) -> tuple[torch.Tensor]:
        """``(batch, *action_shape)`` actions in the space's dtype, inside its bounds."""
        actor = self.actor
        if self.sde:
            assert isinstance(actor, SDEActor)
            mean = actor.mean_and_latent(obs)[0]
        else:
            mean = actor(obs)[0]
        unit = torch.tanh(mean.to(torch.float64).reshape(mean.shape[0], -1))
        action = torch.minimum(torch.maximum(unit * self.scale + self.bias, self.low), self.high)
        return (action.to(self.action_dtype).reshape((-1, *self.action_shape)),)
