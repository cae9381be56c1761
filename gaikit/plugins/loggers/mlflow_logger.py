"""MLflow session (``train.loggers.mlflow``) through ``MlflowClient``: no process-global active run.

The tracking URI is ``tracking_uri``, else ``MLFLOW_TRACKING_URI``, else
``file:RUN_DIR/mlruns``; for a ``file:`` store (which MLflow 3 keeps in
maintenance mode) gaikit sets ``MLFLOW_ALLOW_FILE_STORE=true`` unless it is
set. Episode rows are sent in batches with the next train row. The run id is
kept in ``RUN_DIR/mlflow-run-id``, so ``gaikit run --resume`` continues the
same MLflow run.
"""

from __future__ import annotations

import os
import time
from typing import Any

from gaikit.core.config_trackers import MlflowLoggerConfig
from gaikit.core.run_events import (
    CheckpointSaved, EpisodeEnded, Evaluated, RunEnded, RunEvent, RunStarted, TrainLogged)
from gaikit.plugins.loggers.session import eval_scalars, flatten, require, scalars

ID_FILE = "mlflow-run-id"
#: ``RunEnded.status`` -> MLflow run status.
_STATUS = {"finished": "FINISHED", "stopped early": "FINISHED", "interrupted": "KILLED", "aborted": "KILLED",
           "failed": "FAILED"}
#: MLflow's longest parameter value.
_PARAM_CHARS = 6000


def tracking_uri(config: MlflowLoggerConfig, started: RunStarted) -> str:
    """The tracking URI this run logs to (see the module doc)."""
    uri = (config.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
           or (started.run_dir / "mlruns").resolve().as_uri())
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return uri


class MlflowSession:
    """An MLflow run fed with one gaikit run's events."""

    def __init__(self, config: MlflowLoggerConfig, started: RunStarted) -> None:
        require("mlflow", "mlflow")
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient

        self._metric = Metric
        self.client: Any = MlflowClient(tracking_uri=tracking_uri(config, started))
        experiment = self.client.get_experiment_by_name(config.experiment)
        experiment_id = experiment.experiment_id if experiment else self.client.create_experiment(config.experiment)
        id_file = started.run_dir / ID_FILE
        if started.resumed and id_file.is_file():
            self.run_id = id_file.read_text(encoding="utf-8").strip()
            self.client.update_run(self.run_id, status="RUNNING")
        else:
            run = self.client.create_run(experiment_id, run_name=config.run_name or started.run_dir.name,
                                         tags={"gaikit.run_dir": str(started.run_dir)})
            self.run_id = run.info.run_id
            params = [Param(key, str(value)[:_PARAM_CHARS])
                      for key, value in flatten(started.config.model_dump(mode="json")).items()]
            for start in range(0, len(params), 100):  # MLflow takes at most 100 params per batch
                self.client.log_batch(self.run_id, params=params[start:start + 100])
            id_file.write_text(self.run_id + "\n", encoding="utf-8")
        self._pending: list[Any] = []

    def _add(self, values: dict[str, float], step: int) -> None:
        now = int(time.time() * 1000)
        self._pending += [self._metric(key, value, now, int(step)) for key, value in values.items()]

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), 1000):  # MLflow takes at most 1000 metrics per batch
            self.client.log_batch(self.run_id, metrics=pending[start:start + 1000])

    def handle(self, event: RunEvent) -> None:
        """Queue the event's figures; send them with each train row, evaluation and checkpoint."""
        if isinstance(event, EpisodeEnded):
            self._add({"episode/return": float(event.episode_return), "episode/length": float(event.length)},
                      event.step)
            return
        if isinstance(event, TrainLogged):
            self._add(scalars("train", event.values), event.step)
        elif isinstance(event, Evaluated):
            self._add(eval_scalars(event.summary), event.step)
        elif isinstance(event, CheckpointSaved) and event.kind == "best":
            self.client.set_tag(self.run_id, "gaikit.best_step", str(event.step))
        self._flush()

    def close(self, event: RunEnded) -> None:
        """Send what is queued and mark the MLflow run with how it ended."""
        self._flush()
        self.client.set_tag(self.run_id, "gaikit.status", event.status)
        self.client.set_terminated(self.run_id, status=_STATUS.get(event.status, "FINISHED"))
