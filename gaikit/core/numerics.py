"""Numerical failure: non-finite observations, rewards, learner metrics or saved state stop the run.

The checks sit where the values already exist, so they cost next to
nothing: the observation and reward arrays the env returned (integer arrays,
such as Atari frames, are finite by construction and skipped), the scalars
``agent.learn()`` returned (losses, gradient norms, ...) and, before a
checkpoint is written, every floating-point tensor and array of the state
(networks, optimiser moments, replay contents). A failed check raises
:class:`NonFiniteError`, whose one-line message names the step and the
source; the runner then stops without writing a checkpoint, so the newest
checkpoint on disk is the last finite one.

A learner metric whose magnitude exceeds :data:`DIVERGED` (while still
finite) is treated as divergence and stops the run the same way: a loss
that large has lost every digit that matters. Short of that,
:class:`DivergenceWatch` warns once per loss when its logged mean grows past
:data:`GROWTH` times its value at the first update (a learning rate far too large
does that within a few hundred updates).
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Mapping

import numpy as np
import torch

from gaikit.core.errors import GaikitError

#: A learner metric beyond this magnitude counts as a diverged run (float32 overflows at about 3.4e38).
DIVERGED = 1e30
#: A logged loss this many times its first logged value is reported as diverging.
GROWTH = 1e6


class NonFiniteError(GaikitError):
    """A NaN or infinite value (or a diverged learner metric) was found; the run cannot go on."""


def _is_float(array: np.ndarray) -> bool:
    return array.dtype.kind in "fc"


def _first_bad(array: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first non-finite element of a float array, or ``None`` when all are finite."""
    if not _is_float(array) or np.isfinite(array).all():
        return None
    return tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])


def _arrays(value: Any, name: str) -> Iterator[tuple[str, np.ndarray]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _arrays(item, f"{name}[{key!r}]")
    else:
        yield name, np.asarray(value)


def check_array(value: Any, step: int, source: str) -> None:
    """Raise :class:`NonFiniteError` if ``value`` (an array or a dict of arrays) holds a NaN or inf.

    ``source`` says what the value is, e.g. ``"observation"`` or ``"reward"``;
    for batched env output the first index is the env.
    """
    for name, array in _arrays(value, source):
        bad = _first_bad(array)
        if bad is not None:
            where = f" of env {bad[0]}" if array.ndim >= 1 else ""
            raise NonFiniteError(f"non-finite {name}{where} at step {step:,}: "
                                 f"{array[bad].item()!r}; the environment produced it")


def check_learner_metrics(metrics: Mapping[str, Any], step: int) -> None:
    """Raise :class:`NonFiniteError` if a metric ``agent.learn()`` returned is NaN, inf or diverged."""
    for key, value in metrics.items():
        number = float(value)
        if not math.isfinite(number):
            raise NonFiniteError(f"non-finite learner metric {key!r} at step {step:,}: {number!r}; training "
                                 "diverged (try a smaller learning rate, or gradient clipping)")
        if abs(number) > DIVERGED:
            raise NonFiniteError(f"learner metric {key!r} diverged at step {step:,}: {number:.3g} "
                                 f"(beyond {DIVERGED:.0e}); try a smaller learning rate, or gradient clipping")


def first_non_finite(state: Any, path: str = "") -> str | None:
    """Key path of the first floating-point tensor or array in ``state`` holding a NaN or inf, else ``None``."""
    if isinstance(state, torch.Tensor):
        if state.is_floating_point() or state.is_complex():
            if not bool(torch.isfinite(state).all()):
                return path or "state"
        return None
    if isinstance(state, np.ndarray):
        return (path or "state") if _first_bad(state) is not None else None
    if isinstance(state, float):
        return None if math.isfinite(state) else (path or "state")
    if isinstance(state, Mapping):
        for key, item in state.items():
            found = first_non_finite(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(state, (list, tuple)):
        for i, item in enumerate(state):
            found = first_non_finite(item, f"{path}[{i}]")
            if found:
                return found
    return None


def check_state(state: Any, step: int, what: str = "agent state") -> None:
    """Raise :class:`NonFiniteError` if the state about to be checkpointed holds a NaN or inf."""
    found = first_non_finite(state)
    if found is not None:
        raise NonFiniteError(f"non-finite value in the {what} at step {step:,} ({found}); "
                             "no checkpoint was written for this step")


class DivergenceWatch:
    """Compares each logged loss (metrics whose name contains ``loss``) with its first value.

    The first value is that of the first update of this session (:meth:`record`),
    taken before a too-large step can have blown the network up.
    """

    def __init__(self, growth: float = GROWTH) -> None:
        self.growth = growth
        self.first: dict[str, float] = {}
        self.reported: set[str] = set()

    def record(self, metrics: Mapping[str, Any]) -> None:
        """Note the losses of one update (only the first finite value of each is kept)."""
        for key, value in metrics.items():
            if key not in self.first and "loss" in key:
                size = abs(float(value))
                if math.isfinite(size) and size > 0:
                    self.first[key] = size

    def check(self, step: int, values: Mapping[str, Any]) -> list[str]:
        """Messages for the logged losses in ``values`` that newly passed ``growth`` times their first value."""
        messages = []
        for key, value in values.items():
            first = self.first.get(key)
            if first is None or key in self.reported or not isinstance(value, (int, float)):
                continue
            size = abs(float(value))
            if math.isfinite(size) and size > self.growth * first:
                self.reported.add(key)
                messages.append(f"{key} is diverging at step {step:,}: {size:.3g}, {size / first:.2g} times its "
                                f"first value {first:.3g} (learning rate too large?)")
        return messages
