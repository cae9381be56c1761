"""``Linear -> ReLU -> ... -> Linear`` heads with a hand-written backward.

:func:`mlps_forward` computes exactly what ``nn.Sequential(Linear, ReLU, ...,
Linear)`` computes for each head on the concatenated inputs (the same
``addmm`` per layer), and :func:`mlps_backward` forms the same products
autograd would (``grad @ W`` for a layer's input, ``grad^T @ input`` and
``grad.sum(0)`` for its weight and bias, ``threshold_backward`` for each ReLU).
What they save is autograd's per-layer bookkeeping (a node for every
``Linear``, transpose, ReLU, ``cat`` and ``squeeze``), a large share of the
cost of layers a few hundred units wide on one CPU thread. SAC's update calls
the pair directly; :func:`relu_mlps` wraps them as one autograd node for
everyone else.

The backward also skips work autograd cannot know is useless. When only the
inputs' gradient is wanted (SAC's critic during the actor step), rows whose
output gradient is exactly zero add exactly zero to it, so each head
backpropagates its other rows only: for ``min(Q1, Q2)`` about half of each
head. And only the columns of the inputs that need a gradient are formed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

#: A head backpropagates its nonzero rows only when at most this share of its rows is nonzero.
_SPARSE_ROWS = 0.75

# The overload itself: calling it skips the packet's Python dispatch (a few microseconds a call).
_threshold_backward = torch.ops.aten.threshold_backward.default


@dataclass
class MLPTape:
    """What :func:`mlps_forward` keeps for :func:`mlps_backward`."""

    widths: tuple[int, ...]  # last-axis width of each input, concatenated in this order
    x: torch.Tensor  # the concatenated input
    hidden: list[list[torch.Tensor]]  # per head, the ReLU output feeding each layer after the first
    params: Sequence[torch.Tensor]  # [weight, bias] per layer, head after head
    stack: bool


def linear_params(heads: Sequence[Sequence[nn.Linear]]) -> list[torch.Tensor]:
    """The flat ``[weight, bias, ...]`` list the functions here take, head by head, layer by layer."""
    return [p for head in heads for layer in head for p in (layer.weight, layer.bias)]


def mlps_forward(
    inputs: Sequence[torch.Tensor], params: Sequence[torch.Tensor], heads: int = 1, *, stack: bool = False
) -> tuple[Any, MLPTape]:
    """Each head's ``Linear -> ReLU -> ... -> Linear`` on ``cat(inputs, -1)``.

    ``params`` is :func:`linear_params` of the heads (all equally deep); a ReLU
    follows every layer but the last. Returns the outputs (a tuple of
    ``(batch, out)``, one per head, or with ``stack`` and one-unit heads a
    single ``(heads, batch)`` tensor) and the tape for :func:`mlps_backward`.
    Call it with gradients disabled (``torch.no_grad()``): it records no
    autograd history of its own.
    """
    x = inputs[0] if len(inputs) == 1 else torch.cat(list(inputs), dim=-1)
    per_head = len(params) // heads
    stacked = x.new_empty(heads, x.shape[0]) if stack else None
    outputs, hidden_all = [], []
    for k in range(heads):
        head = params[k * per_head : (k + 1) * per_head]
        h, hidden = x, []
        for i in range(0, per_head - 2, 2):
            h = F.linear(h, head[i], head[i + 1]).relu_()
            hidden.append(h)
        w, b = head[-2], head[-1]
        out = F.linear(h, w, b) if stacked is None else torch.addmm(b, h, w.t(), out=stacked[k].unsqueeze(1))
        outputs.append(out)
        hidden_all.append(hidden)
    tape = MLPTape(tuple(t.shape[-1] for t in inputs), x, hidden_all, params, stack)
    return (stacked if stacked is not None else tuple(outputs)), tape


def _nonzero_rows(grad: torch.Tensor) -> torch.Tensor | None:
    """Indices of the rows of ``grad`` that are not all zero, or None when that is most of them."""
    rows = grad.ne(0).any(1).nonzero().squeeze(1)
    return rows if rows.numel() <= _SPARSE_ROWS * grad.shape[0] else None


def mlps_backward(
    tape: MLPTape, grads: Any, *, param_grads: bool, input_grads: Sequence[bool]
) -> tuple[list[torch.Tensor | None], list[torch.Tensor] | None]:
    """Gradients of the inputs flagged in ``input_grads`` and, with ``param_grads``, of every parameter.

    ``grads`` matches the outputs of :func:`mlps_forward` (one tensor per head,
    or the stacked ``(heads, batch)`` tensor). Returns ``(input gradients or
    None, parameter gradients in the order of params or None)``. Call it with
    gradients disabled, as :func:`mlps_forward`.
    """
    x, params = tape.x, tape.params
    heads = len(tape.hidden)
    per_head = len(params) // heads
    wanted = [i for i, flag in enumerate(input_grads) if flag]
    starts = [sum(tape.widths[:i]) for i in range(len(tape.widths) + 1)]
    # The columns of the concatenated input whose gradient is formed (one input's, or all).
    lo, hi = (starts[wanted[0]], starts[wanted[0] + 1]) if len(wanted) == 1 else (0, starts[-1])
    out_grads: list[torch.Tensor] = [None] * len(params) if param_grads else []  # type: ignore[list-item]
    grad_x: torch.Tensor | None = None
    for k in range(heads):
        grad = grads[k].unsqueeze(1) if tape.stack else grads[k]
        head = params[k * per_head : (k + 1) * per_head]
        hidden = tape.hidden[k]
        rows = None if param_grads else _nonzero_rows(grad)
        if rows is not None:
            grad = grad.index_select(0, rows)
            hidden = [h.index_select(0, rows) for h in hidden]
        for i in range(per_head // 2 - 1, -1, -1):
            layer_input = hidden[i - 1] if i > 0 else x
            if param_grads:
                out_grads[k * per_head + 2 * i] = grad.t().mm(layer_input)
                out_grads[k * per_head + 2 * i + 1] = grad.sum(0)
            if i > 0:
                grad = _threshold_backward(grad.mm(head[2 * i]), layer_input, 0.0)
            elif wanted:
                part = grad.mm(head[0][:, lo:hi])
                if rows is not None:
                    zeros = x.new_zeros(x.shape[0], hi - lo) if grad_x is None else grad_x
                    grad_x = zeros.index_add_(0, rows, part)
                else:
                    grad_x = part if grad_x is None else grad_x.add_(part)
    result: list[torch.Tensor | None] = [None] * len(input_grads)
    if grad_x is not None:
        for i in wanted:
            result[i] = grad_x if len(wanted) == 1 else grad_x[:, starts[i] : starts[i + 1]]
    return result, (out_grads if param_grads else None)


class _ReluMLPs(torch.autograd.Function):
    """:func:`relu_mlps` as one autograd node around :func:`mlps_forward` / :func:`mlps_backward`."""

    @staticmethod
    def forward(ctx: Any, n_inputs: int, heads: int, stack: bool, *tensors: torch.Tensor) -> Any:  # noqa: D102
        outputs, tape = mlps_forward(tensors[:n_inputs], tensors[n_inputs:], heads, stack=stack)
        ctx.save_for_backward(tape.x, *(h for hidden in tape.hidden for h in hidden), *tape.params)
        ctx.meta = (tape.widths, heads, stack)
        return outputs

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> tuple[torch.Tensor | None, ...]:  # noqa: D102
        widths, heads, stack = ctx.meta
        saved = ctx.saved_tensors
        needs = ctx.needs_input_grad[3:]
        n_in = len(widths)
        n_params = len(needs) - n_in
        n_hidden = (n_params // heads) // 2 - 1
        hidden = [list(saved[1 + k * n_hidden : 1 + (k + 1) * n_hidden]) for k in range(heads)]
        tape = MLPTape(widths, saved[0], hidden, saved[len(saved) - n_params :], stack)
        input_grads, param_grads = mlps_backward(
            tape, grads[0] if stack else grads, param_grads=any(needs[n_in:]), input_grads=needs[:n_in]
        )
        return (None, None, None, *input_grads, *(param_grads or [None] * n_params))


def relu_mlps(
    inputs: Sequence[torch.Tensor], params: Sequence[torch.Tensor], heads: int = 1, *, stack: bool = False
) -> Any:
    """:func:`mlps_forward`'s outputs as one autograd node (gradients by :func:`mlps_backward`)."""
    if not torch.is_grad_enabled():
        return mlps_forward(inputs, params, heads, stack=stack)[0]
    if any(t.requires_grad for t in (*inputs, *params)):
        return _ReluMLPs.apply(len(inputs), heads, stack, *inputs, *params)
    with torch.no_grad():
        return mlps_forward(inputs, params, heads, stack=stack)[0]
