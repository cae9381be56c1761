"""Which precision a learner's ``precision: auto`` means on this device: bf16-mixed where bfloat16 is fast.

bfloat16 autocast pays off where the hardware multiplies bfloat16 natively:
x86 CPUs with AMX or AVX-512 BF16 units (Linux reports ``amx_bf16`` /
``avx512_bf16`` in ``/proc/cpuinfo``) and CUDA GPUs that torch says support
it. Elsewhere torch emulates it, which is slower than float32, so ``auto``
keeps float32 there.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch

#: CPU feature flags of native bfloat16 matrix arithmetic.
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


@functools.lru_cache(maxsize=1)
def cpu_has_bf16_units(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU reports native bfloat16 units (False where ``/proc/cpuinfo`` cannot be read)."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return any(flag in flags for flag in BF16_CPU_FLAGS)
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """``float32`` or ``bf16-mixed``: ``precision`` itself, or for ``auto`` what is fast on ``device``."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16-mixed" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "float32"
    if device.type == "cpu":
        return "bf16-mixed" if cpu_has_bf16_units() else "float32"
    return "float32"
