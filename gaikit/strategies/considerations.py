"""Considerations in the style of Dave Mark's Infinite Axis Utility System (IAUS).

A consideration reads one input (a game feature, an option feature or a
strategy value), normalises it from ``[min, max]`` to ``[0, 1]`` (clamped),
and maps it through a response curve to a utility in ``[0, 1]``. An option's
considerations multiply. Because a product of many factors below 1 shrinks
with their number, the *compensation factor* lifts each factor before
multiplying (Dave Mark, "Building a Better Centaur", GDC 2015)::

    modification = 1 - 1 / n            # n = number of considerations
    make_up      = (1 - u) * modification
    u'           = u + make_up * u

Response curves (Curvature-style parameters: m slope, k exponent or height,
b vertical shift, c horizontal shift; ``x`` is the normalised input)::

    linear      y = m * (x - c) + b                    defaults m=1, c=0, b=0
    polynomial  y = m * (x - c) ** k + b               defaults m=1, k=2, c=0, b=0
    logistic    y = k / (1 + exp(-m * (x - c))) + b    defaults m=10, k=1, c=0.5, b=0
    logit       y = m * ln(z / (1 - z)) / 5 + 0.5 + b  with z = x - c; defaults m=1, c=0, b=0
    step        y = b + k if x >= c else b             defaults c=0.5, k=1, b=0

``y`` is clamped to ``[0, 1]``; ``invert: true`` uses ``1 - y``. For a
non-integer exponent, ``x - c`` below 0 counts as 0; logit clamps ``z`` to
``[1e-6, 1 - 1e-6]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from gaikit.strategies.schema import Consideration, Curve

_DEFAULTS: dict[str, dict[str, float]] = {
    "linear": {"m": 1.0, "k": 1.0, "b": 0.0, "c": 0.0},
    "polynomial": {"m": 1.0, "k": 2.0, "b": 0.0, "c": 0.0},
    "logistic": {"m": 10.0, "k": 1.0, "b": 0.0, "c": 0.5},
    "logit": {"m": 1.0, "k": 1.0, "b": 0.0, "c": 0.0},
    "step": {"m": 1.0, "k": 1.0, "b": 0.0, "c": 0.5},
}


@dataclass(frozen=True)
class ResponseCurve:
    """A response curve ``[0, 1] -> [0, 1]`` with its parameters filled in."""

    type: str
    m: float
    k: float
    b: float
    c: float
    invert: bool = False

    def __call__(self, x: float) -> float:
        """The curve's utility at normalised input ``x``."""
        t, m, k, b, c = self.type, self.m, self.k, self.b, self.c
        if t == "linear":
            y = m * (x - c) + b
        elif t == "polynomial":
            d = x - c
            if d < 0 and not float(k).is_integer():
                d = 0.0
            y = m * d**k + b
        elif t == "logistic":
            z = -m * (x - c)
            y = (0.0 if z > 700 else k / (1.0 + math.exp(z))) + b
        elif t == "logit":
            z = min(max(x - c, 1e-6), 1.0 - 1e-6)
            y = m * math.log(z / (1.0 - z)) / 5.0 + 0.5 + b
        else:  # step
            y = b + k if x >= c else b
        y = min(max(y, 0.0), 1.0)
        return 1.0 - y if self.invert else y

    def describe(self) -> str:
        """``logistic(m=10, k=1, b=0, c=0.5)``."""
        inv = ", inverted" if self.invert else ""
        return f"{self.type}(m={self.m:g}, k={self.k:g}, b={self.b:g}, c={self.c:g}{inv})"


def make_curve(raw: str | Curve) -> ResponseCurve:
    """A curve from a type name or a :class:`Curve` block, defaults filled in."""
    if isinstance(raw, str):
        return ResponseCurve(raw, invert=False, **_DEFAULTS[raw])
    params = {name: getattr(raw, name) if getattr(raw, name) is not None else default for name, default in _DEFAULTS[raw.type].items()}
    return ResponseCurve(raw.type, invert=raw.invert, **params)


@dataclass(frozen=True)
class CompiledConsideration:
    """One consideration ready to score: input name, input range, curve."""

    input: str
    lo: float
    hi: float
    curve: ResponseCurve
    desc: str = ""
    where: tuple[Any, ...] = field(default=(), compare=False)

    def utility(self, env: Mapping[str, float]) -> float:
        """The curve's utility for the current input."""
        x = (env[self.input] - self.lo) / (self.hi - self.lo)
        return self.curve(min(max(x, 0.0), 1.0))

    def explain(self, env: Mapping[str, float]) -> dict[str, Any]:
        """Input, normalised input, curve and utility."""
        raw = float(env[self.input])
        x = min(max((raw - self.lo) / (self.hi - self.lo), 0.0), 1.0)
        return {
            "input": self.input,
            "desc": self.desc,
            "value": raw,
            "normalised": x,
            "curve": self.curve.describe(),
            "utility": self.curve(x),
        }


def compile_consideration(raw: Consideration, where: tuple[Any, ...] = ()) -> CompiledConsideration:
    """Compile a schema consideration; ``where`` is its path in the file."""
    return CompiledConsideration(raw.input, raw.min, raw.max, make_curve(raw.curve), raw.desc, where)


def compensate(utilities: Iterable[float], enabled: bool = True) -> tuple[float, list[float]]:
    """Product of utilities with Dave Mark's compensation; also returns each compensated factor.

    No utilities give 1.0 (considerations are optional). With ``enabled``
    false it is the plain product.
    """
    values = list(utilities)
    if not values:
        return 1.0, []
    if enabled and len(values) > 1:
        modification = 1.0 - 1.0 / len(values)
        values = [u + (1.0 - u) * modification * u for u in values]
    product = 1.0
    for u in values:
        product *= u
    return product, values
