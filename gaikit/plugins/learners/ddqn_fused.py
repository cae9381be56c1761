"""DDQN's loss and gradient written out, for Q-networks that are one ``Linear -> ReLU`` stack (on CPU).

The same quantities as :meth:`DDQN.update <gaikit.plugins.learners.ddqn.DDQN.update>`'s
autograd formulation, to float rounding (``tests/test_ddqn_fused.py``)::

    x        = inputs(cat(s, s'))                     # one cast / scale for both halves
    Q        = online(x)                              # s and s' in ONE forward pass, taped
    a*       = argmax_a Q[s'](a)                      # (double) or max_a Q_target(s', a)
    target   = r + discount * Q_target(s', a*)
    loss     = mean(w * huber(Q[s](a) - target))
    dL/dQ[s](a) = w / n * clamp(Q[s](a) - target, -delta, delta)   # elementwise, 0 elsewhere

and the backward runs over the ``s`` rows of the tape only: the ``s'`` rows
have a zero output gradient, so they would add exactly nothing. The
arithmetic on the ``(batch,)`` vectors between the forward and the backward
runs in numpy on views of the torch outputs: a dozen operations on 32
numbers cost a microsecond each there, against several each through torch's
dispatcher (and more in a training loop, where the emulator has evicted
everything from the caches since the last update).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gaikit.core.components import Observation
from gaikit.plugins.learners.linear_relu_q import LinearReluQ


@dataclass
class TDStep:
    """One batch's loss and what the update reports, with the online network's parameter gradients."""

    loss: float
    q_taken: np.ndarray  # Q_online(s, a), (batch,)
    target: np.ndarray  # r + discount * Q_target(s', a*), (batch,)
    td_abs: np.ndarray  # |Q_online(s, a) - target|, (batch,)
    grads: list[torch.Tensor]  # in the order of LinearReluQ.params


def paired_inputs(network: LinearReluQ, obs: Observation, next_obs: Observation) -> torch.Tensor:
    """The first layer's inputs for ``cat(obs, next_obs)``: ``(2 * batch, input_dim)``."""
    stack = network.stack
    parts = [stack.part(obs), stack.part(next_obs)]
    if isinstance(parts[0], torch.Tensor):
        both = torch.cat([torch.as_tensor(p) for p in parts])
    else:
        both = torch.from_numpy(np.concatenate(parts))
    return stack.inputs(both)


@torch.no_grad()
def td_step(
    online: LinearReluQ,
    target: LinearReluQ,
    x: torch.Tensor,
    actions: np.ndarray,
    rewards: np.ndarray,
    discounts: np.ndarray,
    weights: np.ndarray,
    *,
    double: bool,
    huber_delta: float,
) -> TDStep:
    """The loss and gradients of one DDQN step on inputs ``x`` from :func:`paired_inputs`.

    ``actions`` are Q columns; ``rewards``, ``discounts`` and ``weights`` are
    ``float32``; all ``(batch,)``. See the module docstring for the formulas.
    """
    n = len(actions)
    q_all, tape = online.values_taped(x if double else x[:n])
    next_q = target.values(x[n:]).numpy()
    q_values = q_all.numpy()
    rows = np.arange(n)
    if double:
        next_value = next_q[rows, q_values[n:].argmax(axis=1)]
    else:
        next_value = next_q.max(axis=1)
    td_target = rewards + discounts * next_value
    q_taken = q_values[rows, actions]
    diff = q_taken - td_target
    td_abs = np.abs(diff)
    delta = np.float32(huber_delta)
    huber = np.where(td_abs < delta, np.float32(0.5) * td_abs * td_abs, delta * (td_abs - np.float32(0.5) * delta))
    loss = float(np.mean(weights * huber, dtype=np.float64))
    # Autograd's chain: mean -> 1/n, times w, then Huber's clamp(q - target, -delta, delta).
    grad_q = np.zeros((n, q_values.shape[1]), dtype=np.float32)
    grad_q[rows, actions] = (weights * np.float32(1.0 / n)) * np.clip(diff, -delta, delta)
    return TDStep(loss, q_taken, td_target, td_abs, online.backward(tape, torch.from_numpy(grad_q)))
