"""A run's trained agent rebuilt from a checkpoint, as ``gaikit eval``, :func:`gaikit.load` and ``gaikit export`` read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gaikit.core.build import BuiltRun, build_run, check_agent_kind
from gaikit.core.checkpoint import load_latest_checkpoint
from gaikit.core.config import RunConfig
from gaikit.core.evaluation import EVAL_SEED_OFFSET
from gaikit.core.registry import get_registry

#: Parts of a checkpoint that playing a trained agent never reads (the replay memory can be gigabytes).
SKIP_MEMORY = [("agent", "memory")]


def load_trained(run_dir: Path, config: RunConfig, *, seed: int | None = None,
                 checkpoint: tuple[Path, dict[str, Any]] | None = None) -> tuple[BuiltRun, Path, dict[str, Any]]:
    """The run built with one env (``seed``, default the run's evaluation seed) and no replay memory, its agent
    loaded from ``checkpoint`` (a loaded ``(path, state)``; default the newest usable one).

    Returns ``(built, checkpoint path, checkpoint state)``; the caller closes ``built.envs``.
    """
    registry = get_registry()
    check_agent_kind(registry, config.agent)
    path, state = checkpoint if checkpoint is not None else load_latest_checkpoint(run_dir, skip=SKIP_MEMORY)
    seed = config.train.seed + EVAL_SEED_OFFSET if seed is None else seed
    built = build_run(config, registry, num_envs=1, seed=seed, check_memory=False)  # the replay stays empty
    try:
        built.agent.load_state_dict(state["agent"])
    except BaseException:
        built.envs.close()
        raise
    return built, path, state
