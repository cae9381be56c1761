"""Run events: what the runner tells loggers and other plugins while it trains.

The runner (both the synchronous loop and the actor–learner loop) sends one
frozen dataclass per event through the ``gaikit_run_event`` hook
(:mod:`gaikit.core.hookspecs`), in this order::

    RunStarted                         once, before the first step (also on --resume)
    EpisodeEnded* TrainLogged* Evaluated* CheckpointSaved*   interleaved as they happen
    RunEnded                           once, however the run ends

Every event carries ``step``: env steps summed over envs, the x axis of
every gaikit log, and ``run_dir``, the run it belongs to. Values are plain Python (``float``, ``int``, ``str``,
``dict``, ``list``) so a consumer can serialise them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from gaikit.core.config import RunConfig

#: ``RunEnded.status`` values.
RUN_STATUSES = ("finished", "interrupted", "stopped early", "failed", "aborted")


@dataclass(frozen=True)
class RunStarted:
    """A run starts training (fresh, or ``resumed`` from a checkpoint at ``step``).

    :param run_dir: the run directory (``config.yaml``, ``checkpoints/``, the logs).
    :param config: the run's resolved config.
    :param step: the step training starts from (0 unless resumed).
    :param resumed: whether this continues a checkpoint (``gaikit run --resume``).
    """

    run_dir: Path
    config: RunConfig
    step: int
    resumed: bool


@dataclass(frozen=True)
class EpisodeEnded:
    """A training episode finished (one ``episodes.csv`` row).

    :param step: the run step at which it finished.
    :param env: the env index (``collector * envs + env`` with actors).
    :param episode_return: its undiscounted return.
    :param length: its length in env steps.
    :param time: seconds of training wall time so far, summed over resumes.
    :param run_dir: the run directory (keyword-only; tells runs in one process apart).
    """

    step: int
    env: int
    episode_return: float
    length: int
    time: float
    run_dir: Path = field(kw_only=True)


@dataclass(frozen=True)
class TrainLogged:
    """A training log row (every ``train.log_every`` steps; one ``metrics.jsonl`` train row).

    :param step: the run step.
    :param values: ``episodes``, ``mean_return_100``, ``updates``, ``steps_per_sec``,
        ``time``, the learner's metrics averaged since the previous row, and with
        actors the actor–learner figures (``updates_per_sec``, ``replay_ratio`` ...).
    :param run_dir: the run directory (keyword-only; tells runs in one process apart).
    """

    step: int
    values: dict[str, Any]
    run_dir: Path = field(kw_only=True)


@dataclass(frozen=True)
class Evaluated:
    """A greedy evaluation completed (one ``metrics.jsonl`` eval row).

    :param step: the run step it evaluated.
    :param summary: ``episodes``, ``mean``, ``std``, ``min``, ``max``, ``mean_length``.
    :param returns: the return of every evaluation episode.
    :param best: whether its mean is the best so far (then ``best/`` holds this step's model).
    :param run_dir: the run directory (keyword-only; tells runs in one process apart).
    """

    step: int
    summary: dict[str, Any]
    returns: list[float]
    best: bool = False
    run_dir: Path = field(kw_only=True)


@dataclass(frozen=True)
class CheckpointSaved:
    """A checkpoint was written (``checkpoints/step_<step>``, or the best model under ``best/``).

    :param step: the step it holds.
    :param path: its directory.
    :param kind: ``checkpoint`` (resumable) or ``best`` (the best evaluated model).
    :param run_dir: the run directory (keyword-only; tells runs in one process apart).
    """

    step: int
    path: Path
    kind: str = "checkpoint"
    run_dir: Path = field(kw_only=True)


@dataclass(frozen=True)
class RunEnded:
    """The run ended: ``finished``, ``interrupted`` (Ctrl-C/SIGTERM, checkpoint written),
    ``stopped early`` (``train.early_stop``), ``failed`` (an error) or ``aborted`` (a second Ctrl-C).

    :param step: the step it ended at.
    :param status: one of :data:`RUN_STATUSES`.
    :param final_eval: the summary of the last evaluation, if any.
    :param reason: why it stopped early or failed (empty otherwise).
    :param run_dir: the run directory (keyword-only; tells runs in one process apart).
    """

    step: int
    status: str
    final_eval: dict[str, Any] | None = None
    reason: str = ""
    run_dir: Path = field(kw_only=True)


#: Any run event.
RunEvent = Union[RunStarted, EpisodeEnded, TrainLogged, Evaluated, CheckpointSaved, RunEnded]
