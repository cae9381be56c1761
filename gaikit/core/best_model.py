"""The best model so far: ``RUN_DIR/best/``, rewritten at each evaluation that beats it (``train.save_best``).

``best/`` is a small run directory of its own, so ``gaikit eval RUN_DIR/best``
and :func:`gaikit.load` read it like any run::

    best/config.yaml                 the run's config
    best/checkpoints/step_<N>/       the agent at step N, without its replay memory
    best/best.json                   {"step": N, "score": 201.5, "metric": "eval_mean"}

It is not resumable (no replay memory, no env or RNG state): the run's own
``checkpoints/`` are. The score read back from ``best.json`` carries the best
across ``gaikit run --resume``, so a resumed run replaces the model only
with a better one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from gaikit.core.agent import LearnedAgent
from gaikit.core.checkpoint import load_checkpoint, save_checkpoint, write_text_atomic
from gaikit.core.components import Agent
from gaikit.core.console import warn

BEST_DIR = "best"
BEST_FILE = "best.json"
#: The evaluation figure the best model is chosen by.
BEST_METRIC = "eval_mean"


def model_state(agent: Agent) -> dict[str, Any]:
    """The agent's state without its replay memory (learner and selector of a learned agent)."""
    if isinstance(agent, LearnedAgent):
        return {"learner": agent.learner.state_dict(), "selector": agent.selector.state_dict()}
    return {key: value for key, value in agent.state_dict().items() if key != "memory"}


class BestModel:
    """Keeps ``run_dir/best`` holding the model of the best evaluation mean so far."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.dir = self.run_dir / BEST_DIR
        #: The best score so far (``None``: nothing evaluated yet) and its step.
        self.score: float | None = None
        self.step: int | None = None
        self._read()

    def _read(self) -> None:
        path = self.dir / BEST_FILE
        if not path.is_file():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            score, step = float(data["score"]), int(data["step"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warn(f"{path} is unreadable ({type(exc).__name__}: {exc}); the best model starts afresh")
            return
        self.score, self.step = score, step

    def improves(self, score: float) -> bool:
        """Whether ``score`` beats the best so far (a non-finite score never does)."""
        return math.isfinite(score) and (self.score is None or score > self.score)

    def save(self, step: int, score: float, agent: Agent, config_text: str) -> Path:
        """Write the agent as the best model at ``step`` with ``score``; returns its checkpoint directory."""
        path = save_checkpoint(self.dir, step, {"step": int(step), "agent": model_state(agent)}, keep=1)
        write_text_atomic(self.dir / "config.yaml", config_text)
        record = {"step": int(step), "score": float(score), "metric": BEST_METRIC,
                  "checkpoint": str(path.relative_to(self.run_dir))}
        write_text_atomic(self.dir / BEST_FILE, json.dumps(record, indent=1) + "\n")
        self.score, self.step = float(score), int(step)
        return path


def load_best(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(best.json record, checkpoint state)`` of a run's best model."""
    root = Path(run_dir) / BEST_DIR
    record = json.loads((root / BEST_FILE).read_text(encoding="utf-8"))
    return record, load_checkpoint(Path(run_dir) / record["checkpoint"])
