"""Weights & Biases session (``train.loggers.wandb``): offline unless a key or mode says otherwise.

Every metric is plotted against ``env_step`` (W&B's own step must only grow,
which a resumed run would break). The W&B run id is kept in
``RUN_DIR/wandb-run-id``, so ``gaikit run --resume`` continues the same W&B run.
Offline runs are written under ``RUN_DIR/wandb/``; ``wandb sync`` uploads them.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from gaikit.core.config_trackers import WandbLoggerConfig
from gaikit.core.run_events import (
    CheckpointSaved, EpisodeEnded, Evaluated, RunEnded, RunEvent, RunStarted, TrainLogged)
from gaikit.plugins.loggers.session import eval_scalars, require, scalars

ID_FILE = "wandb-run-id"
#: ``RunEnded.status`` values W&B records as a successful exit.
_CLEAN = ("finished", "stopped early", "interrupted")


def wandb_mode(config: WandbLoggerConfig) -> str:
    """The configured mode, else ``WANDB_MODE``, else online with ``WANDB_API_KEY`` set, else offline."""
    if config.mode is not None:
        return config.mode
    env = os.environ.get("WANDB_MODE")
    if env:
        return env
    return "online" if os.environ.get("WANDB_API_KEY") else "offline"


class WandbSession:
    """A W&B run fed with one gaikit run's events."""

    def __init__(self, config: WandbLoggerConfig, started: RunStarted) -> None:
        wandb = require("wandb", "wandb")
        id_file = started.run_dir / ID_FILE
        run_id = id_file.read_text(encoding="utf-8").strip() if id_file.is_file() else uuid.uuid4().hex[:8]
        self.run: Any = wandb.init(
            project=config.project, entity=config.entity, mode=wandb_mode(config), dir=str(started.run_dir),
            name=config.name or started.run_dir.name, tags=config.tags or None, id=run_id, resume="allow",
            config=started.config.model_dump(mode="json"), reinit="create_new",
            settings=wandb.Settings(console="off", silent=True, x_disable_stats=True),
        )
        id_file.write_text(run_id + "\n", encoding="utf-8")
        self.run.define_metric("env_step")
        self.run.define_metric("*", step_metric="env_step")

    def handle(self, event: RunEvent) -> None:
        """Log the event's figures against ``env_step``."""
        row: dict[str, float] = {}
        if isinstance(event, TrainLogged):
            row = scalars("train", event.values)
        elif isinstance(event, Evaluated):
            row = eval_scalars(event.summary)
            if event.best:
                self.run.summary["best/eval_mean"] = float(event.summary["mean"])
                self.run.summary["best/step"] = event.step
        elif isinstance(event, EpisodeEnded):
            row = {"episode/return": float(event.episode_return), "episode/length": float(event.length)}
        elif isinstance(event, CheckpointSaved):
            self.run.summary[f"{event.kind}/path"] = str(event.path)
        if row:
            self.run.log({"env_step": event.step, **row})

    def close(self, event: RunEnded) -> None:
        """Record the status and finish the W&B run (exit code 1 when it failed or was aborted)."""
        self.run.summary["status"] = event.status
        self.run.finish(exit_code=0 if event.status in _CLEAN else 1)
