"""Actor–learner speed: ``--actors 1`` against the synchronous loop, at the same replay ratio, in one run.

For each case the same ``gaikit run`` command runs as a subprocess,
synchronous (``--actors 0``) and with one collector (``--actors 1``, a local
Ray instance), each with the learner on one and on two torch threads
(``train.threads``; in an actor run it is the learner's alone, collectors use
one), with evaluation and checkpoints off. Printed per case, from each run's
``metrics.jsonl`` after learning has started (the steady state):

* agent steps/s of each, and actors / synchronous at the same thread count
  and against the synchronous default (one thread); the issue's target is
  >= 1.6x for Asterix image and mixed on a 2-core machine;
* learner updates/s of the actor runs against the learner alone: the same
  agent's ``learn()`` (sample, update, priorities) timed in this process on
  a memory of random steps, with as many threads (the actor run's learner is
  "not starved" when within 10%);
* the replay ratio each actor run realised (samples per insert after
  learning starts; it should equal batch_size * gradient_steps / train_freq,
  the synchronous loop's own);
* bytes and microseconds per transition shipped: chunks of the case's real
  observations inserted into a replay shard actor without rate limiting;
* one collector alone: agent steps/s of :class:`Collector` acting with a fresh
  policy (predict, select, env step, initial priorities) in this process —
  the per-actor figure of the scaling model in docs/distributed.md.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_actors.py [--cases image mixed halfcheetah ram] [--threads 1 2] [--json FILE]

``--json FILE`` also writes the figures for ``scripts/actor_scaling_model.py``.
Needs the ``distributed`` extra (Ray), which ``make setup`` installs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

GAIKIT = str(Path(sys.executable).with_name("gaikit"))


@dataclass
class Case:
    """One benchmark case: a game, its components and a short run's settings."""

    name: str
    args: list[str]
    steps: int
    learning_starts: int
    log_every: int
    extra: list[str] = field(default_factory=list)


CASES = {
    "image": Case("Asterix image (Nature CNN, DDQN+PER)", ["asterix", "--encoder", "image", "--learner", "ddqn"],
                  steps=9000, learning_starts=3000, log_every=1000, extra=["memory.capacity=50000"]),
    "mixed": Case("Asterix mixed (CNN ++ RAM MLP, DDQN+PER)", ["asterix", "--encoder", "mixed", "--learner", "ddqn"],
                  steps=9000, learning_starts=3000, log_every=1000, extra=["memory.capacity=50000"]),
    "ram": Case("Asterix RAM (MLP 128x128, DDQN+PER)", ["asterix", "--encoder", "ram", "--learner", "ddqn"],
                steps=40000, learning_starts=10000, log_every=2000),
    "halfcheetah": Case("HalfCheetah SAC (gSDE)", ["halfcheetah", "--learner", "sac"],
                        steps=6000, learning_starts=2000, log_every=500),
}


def run(case: Case, actors: int, threads: int, root: Path) -> dict[str, float]:
    """One ``gaikit run``; steady-state agent steps/s, updates/s and replay ratio from its metrics."""
    run_dir = root / f"{case.args[0]}-{case.args[2]}-actors{actors}-threads{threads}"
    sets = [f"train.learning_starts={case.learning_starts}", "train.eval_every=0", "train.checkpoint_every=0",
            f"train.log_every={case.log_every}", f"train.threads={threads}", *case.extra]
    command = [GAIKIT, "run", *case.args, "--steps", str(case.steps), "--actors", str(actors),
               "--run-dir", str(run_dir)]
    for item in sets:
        command += ["--set", item]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - started
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    train = [row for row in rows if row["kind"] == "train" and row["step"] >= case.learning_starts + case.log_every]
    first, last = train[0], train[-1]
    seconds = last["time"] - first["time"]
    config = (run_dir / "config.yaml").read_text()
    return {
        "steps_per_sec": (last["step"] - first["step"]) / seconds,
        "updates_per_sec": (last["updates"] - first["updates"]) / seconds,
        "replay_ratio": last.get("replay_ratio", float("nan")),
        "wall_s": wall,
        "config_lines": len(config.splitlines()),
    }


def _config(case: Case) -> Any:
    """The case's resolved run config, as ``gaikit run`` would build it."""
    from gaikit.cli.resolve import resolve_cli_config
    from gaikit.core.registry import get_registry

    choices = {"encoder": case.args[2] if case.args[1] == "--encoder" else None, "learner": case.args[-1]}
    return resolve_cli_config(get_registry(), case.args[0], config_file=None, choices=choices, train_flags={},
                              overrides=list(case.extra))


def learner_alone(case: Case, threads: int) -> float:
    """Updates/s of the case's agent ``learn()`` on ``threads`` torch threads, on a memory of random steps."""
    import torch

    from gaikit.core.build import build_run
    from gaikit.core.components import Transition
    from gaikit.core.cpu_flags import denormals_flushed
    from gaikit.core.registry import get_registry
    from gaikit.core.runner import true_next_obs

    torch.set_num_threads(threads)
    config = _config(case)
    built = build_run(config, get_registry(), num_envs=1)
    envs, agent = built.envs, built.agent
    obs, _ = envs.reset(seed=0)
    for _ in range(max(config.train.batch_size * 4, 1000)):
        actions = np.array([envs.single_action_space.sample() for _ in range(envs.num_envs)])
        next_obs, rewards, terminated, truncated, infos = envs.step(actions)
        agent.observe(Transition(obs, actions, rewards, true_next_obs(next_obs, infos), terminated, truncated, infos))
        obs = next_obs
    envs.close()
    with denormals_flushed(True):
        for _ in range(10):
            agent.learn()
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < 15.0:
            agent.learn()
            count += 1
    return count / (time.perf_counter() - started)


def collector_alone(case: Case) -> float:
    """Agent steps/s of one collector acting (no learner, no shipping), in this process, after a warm-up chunk."""
    import torch

    from gaikit.distributed.collector import Collector

    torch.set_num_threads(1)
    config = _config(case)
    collector = Collector(0, 1, config.model_dump(mode="json"), seed=0)
    chunk_steps = config.train.chunk_steps
    collector.collect(chunk_steps)
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < 15.0:
        _, report = collector.collect(chunk_steps)
        steps += report.steps
    seconds = time.perf_counter() - started
    collector.envs.close()
    return steps / seconds


def shipping_cost(case: Case) -> tuple[float, float]:
    """Bytes and microseconds per transition for chunks of real observations sent to a replay shard actor."""
    import ray

    from gaikit.core.build import build_run
    from gaikit.core.components import Transition
    from gaikit.core.registry import get_registry
    from gaikit.core.runner import true_next_obs
    from gaikit.distributed.chunks import chunk_nbytes, stack_steps
    from gaikit.distributed.replay import ChunkReport, ReplayShard, ShardSpec

    config = _config(case)
    built = build_run(config, get_registry(), num_envs=1)
    envs = built.envs
    obs, _ = envs.reset(seed=0)
    steps = []
    for _ in range(64):
        actions = np.array([envs.single_action_space.sample()])
        next_obs, rewards, terminated, truncated, infos = envs.step(actions)
        steps.append(Transition(obs, actions, rewards, true_next_obs(next_obs, infos), terminated, truncated))
        obs = next_obs
    chunk = stack_steps(steps)
    spec = ShardSpec(config.memory, envs.single_observation_space, envs.single_action_space, [0], 1, 0.99, 1, 0,
                     ratio=0.0, min_size=0, error_buffer=0.0, batch_size=32)
    envs.close()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        shard = ray.remote(num_cpus=0)(ReplayShard).remote(spec)
        ray.get(shard.stats.remote())
        ray.get(shard.insert.remote(0, chunk, ChunkReport(0, 64)))  # warm
        chunks, started = 0, time.perf_counter()
        while time.perf_counter() - started < 5.0:
            ray.get(shard.insert.remote(0, chunk, ChunkReport(0, 64)))
            chunks += 1
        seconds = time.perf_counter() - started
    finally:
        ray.shutdown()
    return chunk_nbytes(chunk) / 64, seconds / (chunks * 64) * 1e6


THREADS = (1, 2)


def main() -> None:
    """Run the chosen cases and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["image", "mixed", "halfcheetah"], choices=list(CASES))
    parser.add_argument("--json", type=Path, help="also write the figures here (for scripts/actor_scaling_model.py)")
    parser.add_argument("--threads", nargs="+", type=int, default=list(THREADS), choices=list(THREADS),
                        help="learner torch threads to measure (both runs of a case)")
    args = parser.parse_args()
    threads_measured = tuple(args.threads)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key in args.cases:
            case = CASES[key]
            runs = {(actors, threads): run(case, actors, threads, Path(tmp))
                    for threads in threads_measured for actors in (0, 1)}
            alone = {threads: learner_alone(case, threads) for threads in threads_measured}
            nbytes, micros = shipping_cost(case)
            acting = collector_alone(case)
            train = _config(case).train
            figures[key] = {
                "name": case.name,
                "runs": {f"actors{a}_threads{t}": r for (a, t), r in runs.items()},
                "learner_alone_updates_per_sec": {str(t): u for t, u in alone.items()},
                "bytes_per_transition": nbytes, "us_per_transition_shipped": micros,
                "collector_alone_steps_per_sec": acting,
                "steps_per_update": train.train_freq / train.gradient_steps,
            }
            speeds = ", ".join(f"{'actors' if a else 'sync'} t{t} {r['steps_per_sec']:.1f}" for (a, t), r in runs.items())
            print(f"{case.name}: agent steps/s {speeds}", flush=True)
    print()
    print("Agent steps/s (steady state, after learning_starts):")
    print()
    print("| case | learner threads | sync | --actors 1 | actors / sync |")
    print("|---|---:|---:|---:|---:|")
    for fig in figures.values():
        for t in threads_measured:
            sync, actor = fig["runs"][f"actors0_threads{t}"], fig["runs"][f"actors1_threads{t}"]
            print(f"| {fig['name']} | {t} | {sync['steps_per_sec']:.1f} | {actor['steps_per_sec']:.1f} | "
                  f"{actor['steps_per_sec'] / sync['steps_per_sec']:.2f}x |")
    print()
    print("Learner and transfer:")
    print()
    print("| case | learner threads | actor-run updates/s | learner alone updates/s | actor-run / alone | "
          "replay ratio (actor run) | bytes/transition | µs/transition shipped | one collector alone steps/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fig in figures.values():
        for t in threads_measured:
            actor, alone = fig["runs"][f"actors1_threads{t}"], fig["learner_alone_updates_per_sec"][str(t)]
            print(f"| {fig['name']} | {t} | {actor['updates_per_sec']:.1f} | {alone:.1f} | "
                  f"{actor['updates_per_sec'] / alone:.2f} | {actor['replay_ratio']:.2f} | "
                  f"{fig['bytes_per_transition']:,.0f} | {fig['us_per_transition_shipped']:.1f} | "
                  f"{fig['collector_alone_steps_per_sec']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
