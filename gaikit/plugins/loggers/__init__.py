"""Built-in experiment trackers (entry point ``builtin-loggers``): W&B and MLflow, fed by the run events.

A plugin on the ``gaikit_run_event`` hook like any third-party one. A run
with ``train.loggers`` naming a tracker opens a session for it on
``RunStarted`` (keyed by the run directory, so runs in one process stay
apart), forwards the events and closes it on ``RunEnded``. A tracker whose
package is missing stops the run at its start with one line naming the
extra to install (``pip install gaikit[wandb]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from gaikit.core.config_trackers import LoggersConfig
from gaikit.core.hookspecs import hookimpl
from gaikit.core.run_events import RunEnded, RunEvent, RunStarted
from gaikit.plugins.loggers.mlflow_logger import MlflowSession
from gaikit.plugins.loggers.session import Session
from gaikit.plugins.loggers.wandb_logger import WandbSession

#: Tracker name (a field of ``train.loggers``) -> the session class that feeds it.
TRACKERS: dict[str, Callable[..., Session]] = {"wandb": WandbSession, "mlflow": MlflowSession}

_open: dict[Path, list[Session]] = {}


def _start(event: RunStarted) -> list[Session]:
    loggers: LoggersConfig = event.config.train.loggers
    sessions: list[Session] = []
    try:
        for name in loggers.enabled():
            sessions.append(TRACKERS[name](getattr(loggers, name), event))
    except BaseException:
        for session in sessions:
            session.close(RunEnded(event.step, "failed", run_dir=event.run_dir))
        raise
    return sessions


@hookimpl
def gaikit_run_event(event: RunEvent) -> None:
    """Open, feed and close the trackers ``train.loggers`` switches on for the run the event belongs to."""
    if isinstance(event, RunStarted):
        for session in _open.pop(event.run_dir, []):  # the same run directory started again in this process
            session.close(RunEnded(event.step, "interrupted", run_dir=event.run_dir))
        sessions = _start(event)
        if sessions:
            _open[event.run_dir] = sessions
        return
    if isinstance(event, RunEnded):
        for session in _open.pop(event.run_dir, []):
            session.close(event)
        return
    for session in _open.get(event.run_dir, []):
        session.handle(event)
