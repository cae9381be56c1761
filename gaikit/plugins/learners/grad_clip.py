"""Gradient-norm clipping with ``torch.nn.utils.clip_grad_norm_``'s arithmetic and less work around it."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def clip_factor(total_norm: float, max_norm: float) -> float:
    """``min(max_norm / (total_norm + 1e-6), 1)`` in ``float32``, operation by operation as torch forms it.

    ``clip_grad_norm_`` computes ``reciprocal(total + 1e-6) * max_norm`` and
    clamps it at 1 on a ``float32`` tensor; the same steps on numpy
    ``float32`` scalars give the same bits without four tensor operations.
    """
    shifted = np.float32(total_norm) + np.float32(1e-6)
    factor = (np.float32(1.0) / shifted) * np.float32(max_norm)
    return 1.0 if factor > 1.0 else float(factor)  # torch.clamp(max=1): NaN stays NaN


def clip_grad_norm(grads: Sequence[torch.Tensor], max_norm: float) -> float:
    """Scale ``grads`` in place so that their joint 2-norm is at most ``max_norm``; returns the norm before.

    The same operations as ``clip_grad_norm_(params, max_norm)`` for gradients
    on one device with one dtype (per-tensor norms, the norm of those, one
    ``min(max_norm / (norm + 1e-6), 1)`` factor for every tensor), so the
    result is the same to the bit. What it skips: grouping the tensors by
    device and dtype, the factor's tensor arithmetic (:func:`clip_factor`),
    and the pass over every gradient when the factor is exactly 1 (no
    clipping), where multiplying would change nothing.
    """
    grads = list(grads)
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads, 2.0)), 2.0).item()
    factor = clip_factor(total, max_norm)
    if factor != 1.0:
        torch._foreach_mul_(grads, factor)
    return total
