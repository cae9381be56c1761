"""Ape-X's per-actor exploration ladder (Horgan et al., 2018), shared by the selectors that offer it.

Actor ``i`` of ``N`` explores with ``base ** (1 + alpha * i / (N - 1))``:
actor 0 with ``base`` itself, the last with ``base ** (1 + alpha)`` (with
``base = 0.4`` and ``alpha = 7``: 0.4 down to about 0.00066). One actor
(``N = 1``) gets ``base``.
"""

from __future__ import annotations


def ladder_value(base: float, alpha: float, index: int, count: int) -> float:
    """The exploration parameter of actor ``index`` of ``count`` (see module doc)."""
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"actor index {index} is not one of {count} actors")
    exponent = 1.0 if count == 1 else 1.0 + alpha * index / (count - 1)
    return float(base**exponent)
