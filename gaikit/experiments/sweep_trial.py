"""One sweep trial: where it stands (new, interrupted, finished) and running it with :func:`gaikit.train`.

:func:`run_trial` is what each Ray task executes. A trial's run directory
is a normal run directory; its output goes to ``EXP_DIR/logs/<trial>.log``
and its outcome to ``EXP_DIR/logs/<trial>.status.json``, both beside (not
in) the run directory, so ``gaikit compare`` and ``gaikit run --resume``
see nothing unusual.

A trial is *finished* when its outcome says ``finished`` (or ``stopped
early``, by ``train.early_stop``) or its newest checkpoint reached its
``train.steps`` (the runner always ends a run with a checkpoint);
*interrupted* when it has a checkpoint short of that (it resumes from it,
``gaikit run --resume`` semantics); *new* otherwise.
"""

from __future__ import annotations

import json
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaikit.core.checkpoint import checkpoint_dirs, write_text_atomic
from gaikit.core.errors import GaikitError, describe_exception, first_line
from gaikit.core.jsonl import jsonl_rows
from gaikit.core.metrics import METRICS_FILE
from gaikit.core.yamlio import load_yaml_file
from gaikit.experiments.trial_output import output_to

#: Outcomes after which a trial is not run again.
DONE_STATUSES = ("finished", "stopped early")


@dataclass(frozen=True)
class TrialJob:
    """What a Ray task needs to run one trial (plain values: it is pickled to the worker).

    ``config`` is the experiment's copy of ``--config`` (absolute) or ``None``;
    ``overrides`` the ``--set`` strings followed by the trial's grid cell.
    """

    name: str
    game: str
    seed: int
    run_dir: str
    log_file: str
    status_file: str
    choices: dict[str, str | None]
    steps: int | None
    envs: int | None
    config: str | None
    overrides: list[str]


def read_status(status_file: Path) -> dict[str, Any] | None:
    """A trial's recorded outcome, or ``None`` if there is none (or it cannot be read)."""
    try:
        data = json.loads(status_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def trial_state(run_dir: Path, status_file: Path) -> str:
    """``finished``, ``interrupted`` (has a checkpoint short of its budget), ``stale`` (files, no checkpoint) or ``new``."""
    config_file = run_dir / "config.yaml"
    if not run_dir.is_dir() or not any(run_dir.iterdir()):
        return "new"
    status = read_status(status_file)
    if config_file.is_file() and status is not None and status.get("status") in DONE_STATUSES:
        return "finished"
    checkpoints = checkpoint_dirs(run_dir)
    if not checkpoints or not config_file.is_file():
        return "stale"
    steps = _budget(config_file)
    return "finished" if steps is not None and checkpoints[0][0] >= steps else "interrupted"


def last_eval(run_dir: Path) -> dict[str, Any] | None:
    """The last greedy evaluation line of ``metrics.jsonl`` (mean, std, episodes...), or ``None``.

    ``None`` when the run has no evaluation or its ``metrics.jsonl`` is missing or unreadable (a torn last
    line is skipped, as a resume would drop it: :func:`gaikit.core.jsonl.jsonl_rows`).
    """
    found = None
    try:
        for _, row in jsonl_rows(run_dir / METRICS_FILE, torn_tail=True):
            if isinstance(row, dict) and row.get("kind") == "eval":
                found = row
    except (OSError, ValueError, GaikitError):  # ValueError: not UTF-8
        return None
    return found


def run_trial(job: TrialJob) -> dict[str, Any]:
    """Run (or resume) one trial with :func:`gaikit.train`; never raises: a failure is an outcome.

    Returns ``{"name", "status", "step", "final_eval", "error", "resumed"}``
    and writes it to the job's status file. Output goes to the job's log file.
    """
    from gaikit.api import train  # the API sits above this package's Ray plumbing; import where the trial runs

    run_dir, status_file = Path(job.run_dir), Path(job.status_file)
    state = trial_state(run_dir, status_file)
    outcome: dict[str, Any] = {"name": job.name, "status": "failed", "step": 0, "final_eval": None, "error": "",
                               "resumed": state == "interrupted"}
    with output_to(Path(job.log_file)):
        try:
            if state == "finished":
                outcome.update(status="finished", final_eval=last_eval(run_dir), step=checkpoint_dirs(run_dir)[0][0])
                return outcome
            if state == "stale":  # files but no checkpoint (killed before its first one): nothing to resume
                print(f"{run_dir}: no checkpoint to resume from; starting the trial again")
                shutil.rmtree(run_dir)
            if state == "interrupted":
                run = train(job.game, resume=run_dir)
            else:
                train_fields: dict[str, Any] = {} if job.envs is None else {"envs": job.envs}
                run = train(job.game, **job.choices, steps=job.steps, seed=job.seed,
                            config=job.config, overrides=job.overrides, run_dir=run_dir, **train_fields)
            outcome.update(status=run.status, step=run.step, final_eval=run.final_eval)
        except GaikitError as exc:
            outcome["error"] = first_line(exc) or type(exc).__name__
        except Exception as exc:  # a crash in a plugin: one line here, the traceback in the log
            traceback.print_exc()
            outcome["error"] = describe_exception(exc)
    write_text_atomic(status_file, json.dumps(_plain(outcome), indent=2) + "\n")
    return outcome


def _budget(config_file: Path) -> int | None:
    """``train.steps`` of a run's ``config.yaml``, or ``None`` if unreadable."""
    try:
        data, _ = load_yaml_file(config_file)
        steps = data["train"]["steps"]
    except Exception:  # a damaged config is for gaikit.train to report, with file and field
        return None
    return steps if isinstance(steps, int) else None


def _plain(value: Any) -> Any:
    """JSON-safe copy (numpy scalars, paths as strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))
