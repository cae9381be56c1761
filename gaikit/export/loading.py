"""A run's greedy policy module from its latest (or a chosen) checkpoint, built as ``gaikit eval`` builds it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
from torch import nn

from gaikit.core.checkpoint import CHECKPOINTS_DIR, checkpoint_dirs, load_checkpoint, load_latest_checkpoint
from gaikit.core.components import Learner
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.trained_agent import SKIP_MEMORY, load_trained
from gaikit.training import load_run_config

@dataclass
class LoadedPolicy:
    """A run's greedy policy module, the observation space it reads and where it came from."""

    module: nn.Module
    observation_space: gym.Space
    checkpoint: Path
    step: int
    learner: str
    encoder: str


def load_policy(run_dir: Path, checkpoint: str | None = None) -> LoadedPolicy:
    """The greedy policy of ``run_dir``'s newest usable checkpoint, or of ``checkpoint``.

    ``checkpoint`` is a checkpoint directory, its name (``step_500``) or its
    step (``500``). A run whose agent has no learner (the ``strategy`` agent)
    or whose learner has no :meth:`~gaikit.core.components.Learner.greedy_policy_module`
    is one clear error, as is a missing or unusable checkpoint.
    """
    config = load_run_config(run_dir)
    built, path, state = load_trained(run_dir, config, checkpoint=_checkpoint(run_dir, checkpoint))
    try:
        learner = getattr(built.agent, "learner", None)
        if not isinstance(learner, Learner):
            raise GaikitError(f"run {run_dir} uses agent {config.agent!r}, which has no network to export")
        learner_name = config.learner.name if config.learner is not None else type(learner).__name__
        module = learner.greedy_policy_module()
        if module is None:
            raise GaikitError(f"run {run_dir} uses learner {learner_name!r}, which has no greedy policy module to export")
        space = built.envs.single_observation_space
    finally:
        built.envs.close()
    encoder = config.encoder.name if config.encoder is not None else "?"
    return LoadedPolicy(module, space, path, int(state["step"]), learner_name, encoder)


def _checkpoint(run_dir: Path, chosen: str | None) -> tuple[Path, dict[str, Any]]:
    if chosen is None:
        return load_latest_checkpoint(run_dir, skip=SKIP_MEMORY)
    path = _checkpoint_path(run_dir, chosen)
    try:
        return path, load_checkpoint(path, skip=SKIP_MEMORY)
    except CheckpointError as exc:
        raise CheckpointError(f"--checkpoint {chosen}: {path} is unusable: {exc}") from None


def _checkpoint_path(run_dir: Path, chosen: str) -> Path:
    given = Path(chosen)
    if given.is_dir():
        return given
    name = f"step_{chosen}" if chosen.isdigit() else chosen
    path = run_dir / CHECKPOINTS_DIR / name
    if path.is_dir():
        return path
    known = ", ".join(found.name for _, found in checkpoint_dirs(run_dir)) or "none"
    raise CheckpointError(f"--checkpoint {chosen}: no such checkpoint in {run_dir / CHECKPOINTS_DIR} (found: {known})")
