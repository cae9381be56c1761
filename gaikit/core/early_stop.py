"""Early stopping on an evaluation metric (``train.early_stop``): a threshold, patience, or both."""

from __future__ import annotations

import math
from typing import Any, Mapping

from gaikit.core.config_trackers import EarlyStopConfig

#: ``train.early_stop.metric`` -> the evaluation summary key it reads.
SUMMARY_KEYS = {"eval_mean": "mean", "eval_min": "min", "eval_max": "max"}


class EarlyStop:
    """Judges each evaluation; :meth:`judge` returns why the run should stop, or ``""``.

    Its counters (best value, evaluations since it) are part of the run's
    checkpoint, so patience carries across ``gaikit run --resume``.
    """

    def __init__(self, config: EarlyStopConfig | None) -> None:
        self.config = config
        self.best: float | None = None
        self.since_best = 0

    def judge(self, summary: Mapping[str, Any]) -> str:
        """Record one evaluation's summary; the reason to stop (``""``: go on)."""
        config = self.config
        if config is None:
            return ""
        value = float(summary[SUMMARY_KEYS[config.metric]])
        if math.isfinite(value) and (self.best is None or value > self.best + config.min_delta):
            self.best, self.since_best = value, 0
        else:
            self.since_best += 1
        if config.threshold is not None and value >= config.threshold:
            return f"{config.metric} {value:.2f} reached the threshold {config.threshold:g}"
        if config.patience is not None and self.since_best >= config.patience:
            return (f"{config.metric} has not improved on {self.best:.2f} for {self.since_best} evaluations "
                    f"(patience {config.patience})")
        return ""

    def state_dict(self) -> dict[str, Any]:
        """The counters, for a checkpoint."""
        return {"best": self.best, "since_best": self.since_best}

    def load_state_dict(self, state: Mapping[str, Any] | None) -> None:
        """Restore :meth:`state_dict` (``None``: a checkpoint from before early stopping existed)."""
        if state:
            self.best = None if state["best"] is None else float(state["best"])
            self.since_best = int(state["since_best"])
