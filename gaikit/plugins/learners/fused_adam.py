"""Adam with PyTorch's fused CPU kernel and a lean ``step`` for the small, hot loops of SAC and DDQN."""

from __future__ import annotations

from typing import Any, Iterable

import torch


class FusedAdam(torch.optim.Adam):
    """``torch.optim.Adam(fused=True)`` with :meth:`step_direct`, a lean path into the fused kernel.

    :meth:`step_direct` makes the two calls ``Adam.step`` ends in (``step +=
    1`` for every parameter, then ``torch._fused_adam_``), so the arithmetic
    and the state (hence ``state_dict``) are Adam's own. It skips the Python
    around them (collecting and grouping the tensors, step hooks, profiler
    records), which costs about as much as the kernel on networks of a few
    hundred thousand weights; and the per-parameter step counters are views
    of one tensor, so one ``add_`` counts them all. The first step, a step
    where a parameter has no gradient, and anything beyond one plain
    parameter group go through :meth:`step` (``Adam.step``, hooks included).

    A column-major matrix parameter (the transpose of a contiguous tensor)
    goes to the kernel as its contiguous transpose, with its gradient and
    moments transposed alike: Adam is elementwise, so the result is the same
    to the bit, and the kernel runs at its contiguous speed (about 40% of
    the whole step is lost on a strided 128x512 weight otherwise).
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float, eps: float = 1e-8) -> None:
        super().__init__(params, lr=lr, eps=eps, fused=True)
        # exp_avg, exp_avg_sq and step of each parameter, and the tensor the steps are views of.
        self._state_lists: tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor], torch.Tensor] | None = None
        # The parameters as the kernel gets them, and which of them are transposed (column-major matrices).
        self._kernel_params: list[torch.Tensor] = []
        self._transposed: list[int] = []

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling and ``copy.deepcopy`` (``Optimizer`` keeps only its own fields): start without the lists."""
        super().__setstate__(state)
        self._state_lists = None
        self._kernel_params, self._transposed = [], []

    def step_direct(self) -> None:
        """One Adam step on the current gradients (see the class docstring)."""
        if torch.is_grad_enabled():
            with torch.no_grad():
                return self.step_direct()
        group = self.param_groups[0]
        params = group["params"]
        grads = [p.grad for p in params]
        if (
            self._state_lists is None
            or len(self.param_groups) != 1
            or group["amsgrad"]
            or group.get("decoupled_weight_decay", False)
            or any(g is None for g in grads)
        ):
            self.step()
            self._remember_state()
            return
        exp_avgs, exp_avg_sqs, steps, all_steps = self._state_lists
        for i in self._transposed:
            grads[i] = grads[i].t().contiguous()  # a view when the gradient follows its parameter's layout
        beta1, beta2 = group["betas"]
        all_steps.add_(1)
        torch._fused_adam_(
            self._kernel_params, grads, exp_avgs, exp_avg_sqs, [], steps,
            amsgrad=False, lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"],
            eps=group["eps"], maximize=group["maximize"], grad_scale=None, found_inf=None,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Adam's ``load_state_dict``; the next step re-reads the (new) state tensors.

        Moment tensors are laid out like their parameters (the fused kernel
        walks parameter, gradient and moments as one flat layout), whatever
        layout they were saved in.
        """
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state.get(param, {})
                for key, value in state.items():
                    if torch.is_tensor(value) and value.shape == param.shape and value.stride() != param.stride():
                        state[key] = torch.empty_like(param).copy_(value)
        self._state_lists = None

    def _remember_state(self) -> None:
        params = self.param_groups[0]["params"]
        states = [self.state.get(p, {}) for p in params]
        if not all("step" in s for s in states):
            return
        if any(s[k].stride() != p.stride() for p, s in zip(params, states) for k in ("exp_avg", "exp_avg_sq")):
            return  # moments laid out unlike their parameters: leave every step to Adam.step
        all_steps = torch.stack([s["step"] for s in states])
        for i, s in enumerate(states):
            s["step"] = all_steps[i]
        self._transposed = [i for i, p in enumerate(params) if _column_major(p)]
        flip = set(self._transposed)

        def for_kernel(i: int, t: torch.Tensor) -> torch.Tensor:
            return t.t() if i in flip else t

        self._kernel_params = [for_kernel(i, p) for i, p in enumerate(params)]
        self._state_lists = (
            [for_kernel(i, s["exp_avg"]) for i, s in enumerate(states)],
            [for_kernel(i, s["exp_avg_sq"]) for i, s in enumerate(states)],
            [s["step"] for s in states],
            all_steps,
        )


def _column_major(t: torch.Tensor) -> bool:
    """True for a matrix stored as the transpose of a contiguous one."""
    return t.dim() == 2 and not t.is_contiguous() and t.t().is_contiguous()
