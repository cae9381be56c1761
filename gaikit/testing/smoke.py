"""A quick build-and-use check of every registered component, without pytest.

``gaikit plugins --check`` runs it: each component is built with its default
config against its sample spaces (:mod:`gaikit.testing.spaces`) and used once
(an encoder encodes, a memory stores and samples, a learner predicts and
updates, a selector selects, a game makes an env and steps it, strategies
load, an agent kind built for a game acts once and observes the step, a
world runs its short run into a temporary directory). A failure names the contract clause and the reason; nothing a plugin
raises escapes. The full contract suite is ``pytest --gaikit-contract=NAME``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from gaikit.core.registry import ComponentSpec, Registry
from gaikit.testing.clauses import BUILD_CLAUSE, ContractViolation, check, guarded, violation
from gaikit.testing.makers import build_once, probe
from gaikit.testing.spaces import describe


@dataclass
class CheckResult:
    """Outcome for one component: ``ok`` and the space it was tried on, or the violation."""

    spec: ComponentSpec
    ok: bool
    detail: str


def _encoder(encoder: Any, space: Any) -> None:
    import torch

    from gaikit.testing.data import sample_batch, to_tensor

    with torch.no_grad():
        out = guarded("ENC-3", "encoder.forward", encoder, to_tensor(sample_batch(space, 3, seed=0)))
    check(isinstance(out, torch.Tensor) and out.dim() == 2, "ENC-3", f"forward returned {type(out).__name__}")
    check(out.shape[1] == encoder.features_dim, "ENC-2",
          f"encoder says features_dim={encoder.features_dim}, forward returned shape {tuple(out.shape)}")
    check(bool(torch.isfinite(out).all()), "ENC-4", "non-finite features for random observations")


def _memory(memory: Any, space: Any) -> None:
    from gaikit.testing.rollout import rollout

    for step in rollout(space[0], space[1], 2, 12, seed=0):
        guarded("MEM-1", "memory.add(transition)", memory.add, step)
    check(len(memory) > 0, "MEM-1", "len is 0 after adding 24 transitions")
    batch = guarded("MEM-2", "memory.sample(8)", memory.sample, 8)
    weights = np.asarray(batch.weights, dtype=np.float64)
    check(weights.shape == (8,), "MEM-2", f"weights shape {weights.shape}, expected (8,)")
    check(bool(((weights > 0) & (weights <= 1 + 1e-6)).all()), "MEM-4", "weights outside (0, 1]")
    guarded("MEM-5", "update_priorities", memory.update_priorities, np.asarray(batch.indices), np.ones(8))


def _learner(learner: Any, space: Any) -> None:
    from gaikit.testing.data import learner_batch, sample_batch

    prefs = guarded("LRN-2", "learner.predict", learner.predict, sample_batch(space[0], 4, seed=0))
    filled = [name for name in ("values", "mean") if getattr(prefs, name, None) is not None]
    check(filled, "LRN-2", "predict filled neither values nor mean")
    result = guarded("LRN-3", "learner.update", learner.update, learner_batch(space[0], space[1], 8, seed=0))
    metrics = getattr(result, "metrics", None)
    if not isinstance(metrics, dict):
        violation("LRN-3", f"update returned {type(result).__name__} without a metrics dict")
    bad = [k for k, v in metrics.items() if not np.isfinite(float(v))]
    check(not bad, "LRN-3", f"non-finite metrics {bad}")


def _selector(selector: Any, space: Any) -> None:
    from gaikit.testing.data import preferences

    for explore in (True, False):
        actions = np.asarray(guarded("SEL-1", "selector.select", selector.select, preferences(space, 4, 0), 0, explore))
        check(actions.shape[:1] == (4,), "SEL-1", f"shape {actions.shape} for 4 rows")
        check(all(space.contains(np.asarray(a).astype(space.dtype)) for a in actions), "SEL-2",
              f"actions {actions.tolist()} not in {space}")


def _game(game: Any, space: Any) -> None:
    env = guarded("GAME-1", "game.make_env()", game.make_env)
    try:
        guarded("GAME-1", "env.reset", env.reset, seed=0)
        guarded("GAME-1", "env.step", env.step, env.action_space.sample())
    finally:
        env.close()


def _strategies(path: Any, space: Any, registry: Registry | None = None, name: str = "") -> None:
    from gaikit.strategies.loader import load_strategies

    features: tuple[str, ...] = ()
    game = registry.components["games"].get(name) if registry is not None else None
    if game is not None:
        features = tuple(build_once(game, None).feature_names())
    guarded("STRAT-2", f"loading {path}", load_strategies, path, game_features=features)


def _agent(built: Any, game: Any) -> None:
    from gaikit.core.components import Agent
    from gaikit.testing.agent import Play, action_problem

    try:
        check(isinstance(built.agent, Agent), "AGENT-0", f"built {type(built.agent).__name__}, not a gaikit Agent")
        play = Play(built, seed=0, clause="AGENT-2")
        actions = play.act("AGENT-1")
        problem = action_problem(actions, built.envs.single_action_space, int(built.envs.num_envs))
        check(problem is None, "AGENT-1", f"on {game}: {problem}")
        play.advance("AGENT-2", actions)
    finally:
        built.envs.close()


def _world(world: Any, spec: ComponentSpec) -> None:
    from gaikit.core.world import World
    from gaikit.testing.makers import world_run_config

    check(isinstance(world, World), "WORLD-0", f"built {type(world).__name__}, not a gaikit World")
    config = world_run_config(spec)
    with tempfile.TemporaryDirectory(prefix="gaikit-check-") as tmp:
        run_dir = Path(tmp) / "run"
        code = guarded("WORLD-1", "world.run(config, run_dir, echo)", world.run, config, run_dir, lambda line: None)
        check(code == 0, "WORLD-1", f"run returned {code!r}, expected exit code 0")
        check((run_dir / "config.yaml").is_file(), "WORLD-1", "config.yaml is missing from the run directory")


USE: dict[str, Callable[..., None]] = {
    "encoders": _encoder, "memories": _memory, "learners": _learner,
    "selectors": _selector, "games": _game, "strategies": _strategies,
    "agents": _agent, "worlds": _world,
}


def check_component(spec: ComponentSpec, registry: Registry | None = None) -> CheckResult:
    """Build ``spec`` against each of its sample spaces and use it once."""
    try:
        found = probe(spec)
        if not found.spaces:
            violation(BUILD_CLAUSE[spec.kind], f"built with none of the sample spaces: {found.reason()}")
        for space in found.spaces:
            component = guarded(BUILD_CLAUSE[spec.kind], "building with the default config", build_once, spec, space)
            if spec.kind == "strategies":
                _strategies(component, space, registry, spec.name)
            elif spec.kind == "worlds":
                _world(component, spec)
            else:
                USE[spec.kind](component, space)
    except ContractViolation as exc:
        return CheckResult(spec, False, str(exc))
    except Exception as exc:  # never let a plugin take the check down
        return CheckResult(spec, False, f"{type(exc).__name__}: {exc}")
    return CheckResult(spec, True, ", ".join(describe(s) for s in found.spaces))


def check_registry(registry: Registry) -> list[CheckResult]:
    """:func:`check_component` for every registered component, by kind then name."""
    return [check_component(spec, registry) for spec in registry.all()]
