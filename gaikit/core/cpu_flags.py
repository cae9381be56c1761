"""Denormal floats in the training loop: flushed to zero while a run trains, restored afterwards.

Adam's moments decay geometrically wherever a gradient stays at zero (a
dead unit, an input that is always 0), and on their way to 0 they pass
through the denormal range, where x86 arithmetic takes a slow microcode
path (the cost is measured in ``docs/benchmarks.md``). :func:`denormals_flushed` sets the thread's
flush-to-zero mode (``torch.set_flush_denormal``, which numpy's arithmetic
in the same thread follows too) for a block and restores the previous mode
after it, so code outside the training loop keeps IEEE denormals.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch

#: The smallest normal float32 is ~1.18e-38; this one is denormal.
_DENORMAL = 1e-39


def flushing_denormals() -> bool:
    """Whether this thread currently flushes denormal floats to zero (a denormal float32 reads as 0)."""
    probe = torch.tensor([_DENORMAL], dtype=torch.float64).to(torch.float32) * 1.0
    return probe.item() == 0.0


@contextmanager
def denormals_flushed(enabled: bool) -> Iterator[None]:
    """Flush denormals to zero inside the block when ``enabled`` (else keep them); restore the mode on exit."""
    before = flushing_denormals()
    torch.set_flush_denormal(enabled)
    try:
        yield
    finally:
        torch.set_flush_denormal(before)
