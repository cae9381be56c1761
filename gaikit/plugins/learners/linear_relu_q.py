"""A Q-network that is one ``Linear -> ReLU -> ... -> Linear`` stack, evaluated and backpropagated by hand.

When a :class:`~gaikit.plugins.learners.q_network.QNetwork` has a plain head
and an encoder that describes itself as ``Linear -> ReLU`` layers (see
:mod:`gaikit.plugins.encoders.linear_relu`: the ``ram`` encoder, ``vector``
with ReLU), the whole network from the scaled observation to the Q-values is
one such stack. :class:`LinearReluQ` evaluates it with
:func:`~gaikit.plugins.learners.fused_mlp.mlps_forward` and backpropagates it
by hand (:meth:`LinearReluQ.backward`): the same products autograd forms,
without its per-layer bookkeeping. The layers stay the network's own
``nn.Linear`` modules, so parameter names, values, state dicts and optimiser
state are unchanged. For acting on a few observations,
:meth:`LinearReluQ.values_array` runs the stack in numpy, whose per-call cost
is a fraction of torch's at one row.

One layout choice: :func:`linear_relu_q` stores the first layer's weight
column-major (the same ``(out, in)`` tensor, as the transpose of a contiguous
``(in, out)`` one). The first layer is the widest (512 RAM inputs) and
``x @ W^T`` with ``W^T`` contiguous runs in about half the time on one CPU
thread, while its weight gradient ``x^T @ grad`` costs the same; gradients
and Adam's moments follow the parameter's layout (autograd's and
:class:`~gaikit.plugins.learners.fused_adam.FusedAdam`'s rule).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gaikit.core.components import Observation
from gaikit.plugins.encoders.linear_relu import LinearReluStack
from gaikit.plugins.learners.fused_mlp import MLPTape, linear_params, mlps_forward
from gaikit.plugins.learners.q_network import QNetwork


# The overload itself: calling it skips the packet's Python dispatch (a few microseconds a call).
_threshold_backward = torch.ops.aten.threshold_backward.default


class LinearReluQ:
    """``QNetwork`` ``network`` as one ``Linear -> ReLU`` stack; see the module docstring.

    Build it with :func:`linear_relu_q`, which returns ``None`` for networks
    that are not such a stack (dueling heads, convolutional or third-party
    encoders without the description).
    """

    def __init__(self, network: QNetwork, stack: LinearReluStack) -> None:
        self.network = network
        self.stack = stack
        head = [m for m in network.head if isinstance(m, nn.Linear)]
        #: ``[weight, bias]`` per layer, encoder first, as the fused MLP functions take them.
        self.params: list[torch.Tensor] = linear_params([[*stack.layers, *head]])
        self._arrays: list[np.ndarray] = []
        self._pointers: tuple[int, ...] = ()

    def values(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_actions)`` Q-values for first-layer inputs ``x`` (call without gradients)."""
        return mlps_forward([x], self.params)[0][0]

    def values_taped(self, x: torch.Tensor) -> tuple[torch.Tensor, MLPTape]:
        """:meth:`values` and the tape :meth:`backward` needs (call without gradients)."""
        (q,), tape = mlps_forward([x], self.params)
        return q, tape

    def backward(self, tape: MLPTape, grad_q: torch.Tensor) -> list[torch.Tensor]:
        """Every parameter's gradient for output gradient ``grad_q`` on the first ``len(grad_q)`` taped rows.

        Autograd's products: ``grad^T @ input`` and ``grad.sum(0)`` for each
        layer's weight and bias, ``grad @ W`` then ``threshold_backward`` down
        through each ReLU; a weight's gradient comes out in the weight's own
        memory layout. Rows of the tape past ``len(grad_q)`` (the ``s'`` half
        of a forward on ``cat(s, s')``) have a zero output gradient and add
        exactly nothing, so they are left out of the products.
        """
        rows = grad_q.shape[0]
        params = self.params
        inputs = [tape.x, *tape.hidden[0]]
        grads: list[torch.Tensor] = [grad_q] * len(params)
        grad = grad_q
        for i in range(len(params) // 2 - 1, -1, -1):
            layer_input = inputs[i] if rows == inputs[i].shape[0] else inputs[i][:rows]
            weight = params[2 * i]
            if weight.is_contiguous():
                grads[2 * i] = grad.t().mm(layer_input)
            elif weight.t().is_contiguous():  # column-major: form the contiguous (in, out) transpose
                grads[2 * i] = layer_input.t().mm(grad).t()
            else:
                grads[2 * i] = torch.empty_like(weight).copy_(grad.t().mm(layer_input))
            grads[2 * i + 1] = grad.sum(0)
            if i > 0:
                grad = _threshold_backward(grad.mm(weight), layer_input, 0.0)
        return grads

    def values_array(self, obs: Observation) -> np.ndarray:
        """``(batch, n_actions)`` Q-values in numpy, for acting (CPU networks only; no autograd involved)."""
        h = self.stack.inputs_array(self.stack.part(obs))  # type: ignore[arg-type]
        arrays = self._weight_arrays()
        last = len(arrays) - 2
        for i in range(0, len(arrays), 2):
            h = h @ arrays[i].T
            h += arrays[i + 1]
            if i < last:
                np.maximum(h, 0.0, out=h)
        return h

    def _weight_arrays(self) -> list[np.ndarray]:
        """numpy views of the parameters (Adam and ``load_state_dict`` write in place), rebuilt if storage moved."""
        pointers = tuple(p.data_ptr() for p in self.params)
        if pointers != self._pointers:
            self._arrays = [p.detach().numpy() for p in self.params]
            self._pointers = pointers
        return self._arrays


def linear_relu_q(network: QNetwork) -> LinearReluQ | None:
    """``network`` as a :class:`LinearReluQ`, or ``None`` when it is not one ``Linear -> ReLU`` stack.

    Stores the first layer's weight column-major (see the module docstring),
    so call it before an optimiser takes the network's parameters.
    """
    if network.dueling:
        return None
    describe = getattr(network.encoder, "linear_relu_stack", None)
    stack = describe() if callable(describe) else None
    if not isinstance(stack, LinearReluStack):
        return None
    head = list(network.head)
    plain = all(isinstance(m, nn.Linear) for m in head[0::2]) and all(type(m) is nn.ReLU for m in head[1::2])
    if len(head) % 2 == 0 or not plain:
        return None
    if any(p.dtype != torch.float32 for p in network.parameters()):
        return None
    first = stack.layers[0] if stack.layers else head[0]
    if first.weight.is_contiguous():
        column_major = first.weight.detach().t().contiguous().t()
        first.weight = nn.Parameter(column_major, requires_grad=first.weight.requires_grad)
    return LinearReluQ(network, stack)
