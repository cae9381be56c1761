"""What every built-in tracker session does, and the one-line error for a tracker's missing package."""

from __future__ import annotations

import importlib
import math
from types import ModuleType
from typing import Any, Mapping, Protocol

from gaikit.core.errors import ConfigError
from gaikit.core.run_events import RunEnded, RunEvent


class Session(Protocol):
    """One tracker's side of one run: fed every event after ``RunStarted``, closed on ``RunEnded``."""

    def handle(self, event: RunEvent) -> None:
        """Record one event (``EpisodeEnded``, ``TrainLogged``, ``Evaluated`` or ``CheckpointSaved``)."""
        ...

    def close(self, event: RunEnded) -> None:
        """Record how the run ended and release the tracker's resources."""
        ...


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``; if it is missing, one :class:`ConfigError` line naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"train.loggers.{extra}: the {module} package is not installed; "
                          f"pip install gaikit[{extra}]") from None


def scalars(prefix: str, values: Mapping[str, Any]) -> dict[str, float]:
    """``{prefix/key: value}`` of the finite numbers in ``values`` (booleans and the rest left out)."""
    out: dict[str, float] = {}
    for key, value in values.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[f"{prefix}/{key}"] = float(value)
    return out


def eval_scalars(summary: Mapping[str, Any]) -> dict[str, float]:
    """An evaluation summary as ``eval/mean_return``, ``eval/std_return`` ... (TensorBoard's names)."""
    named = {"mean": "mean_return", "std": "std_return", "min": "min_return", "max": "max_return"}
    return scalars("eval", {named.get(key, key): value for key, value in summary.items()})


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested config as ``{"train.steps": 1000, ...}`` (lists kept whole)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out
