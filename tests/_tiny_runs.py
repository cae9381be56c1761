"""Short CartPole DDQN runs through ``gaikit run``, for tests of what a run emits (events, loggers, best model).

:data:`TINY_TRAIN` and :data:`TINY_ENCODER` learn from step 100 with a
16-unit network on one env: a few hundred steps take seconds on 2 cores and
still update, evaluate and log. Each test file passes the evaluation and
checkpoint cadence its checks depend on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gaikit.cli import main

#: ``train:`` fields of a tiny run (the cadence of evaluations and checkpoints is the caller's).
TINY_TRAIN: dict[str, Any] = {
    "envs": 1, "learning_starts": 100, "train_freq": 1, "gradient_steps": 1, "batch_size": 32,
    "eval_episodes": 2, "log_every": 200, "threads": 1,
}
#: ``encoder:`` of a tiny run: one hidden layer of 16 units.
TINY_ENCODER: dict[str, Any] = {"vector": {"hidden": [16]}}


def tiny_config(path: Path, **train: Any) -> Path:
    """Write the tiny run's config file to ``path``, with ``train`` fields added or replaced; return ``path``."""
    config = {"train": {**TINY_TRAIN, **train}, "encoder": TINY_ENCODER}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_tiny(tmp_path: Path, *extra: str, steps: int, train: dict[str, Any], expect: int = 0) -> Path:
    """``gaikit run CartPole-v1 --learner ddqn`` with the tiny config (``train`` fields on top) into ``tmp_path/run``.

    ``extra`` are further CLI arguments (``--set``...); asserts the exit code is ``expect``; returns the run directory.
    """
    config = tiny_config(tmp_path / "tiny.yaml", **train)
    run_dir = tmp_path / "run"
    code = main(["run", "CartPole-v1", "--learner", "ddqn", "--config", str(config), "--steps", str(steps),
                 "--run-dir", str(run_dir), *extra])
    assert code == expect
    return run_dir
