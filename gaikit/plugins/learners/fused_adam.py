"""Adam with PyTorch's fused CPU kernel and a lean ``step`` for the small, hot loops of SAC."""

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
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        super().__init__(params, lr=lr, fused=True)
        # exp_avg, exp_avg_sq and step of each parameter, and the tensor the steps are views of.
        self._state_lists: tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor], torch.Tensor] | None = None

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
        beta1, beta2 = group["betas"]
        all_steps.add_(1)
        torch._fused_adam_(
            params, grads, exp_avgs, exp_avg_sqs, [], steps,
            amsgrad=False, lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"],
            eps=group["eps"], maximize=group["maximize"], grad_scale=None, found_inf=None,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Adam's ``load_state_dict``; the next step re-reads the (new) state tensors."""
        super().load_state_dict(state_dict)
        self._state_lists = None

    def _remember_state(self) -> None:
        states = [self.state.get(p, {}) for p in self.param_groups[0]["params"]]
        if not all("step" in s for s in states):
            return
        all_steps = torch.stack([s["step"] for s in states])
        for i, s in enumerate(states):
            s["step"] = all_steps[i]
        self._state_lists = (
            [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [s["step"] for s in states], all_steps
        )
