"""Per-step overhead of gaikit's Asterix RAM loop outside the learner: fast paths against the general ones.

The fast paths (one-env vector env and frame stack, one-env frame-storage
append, one-leaf sum-tree updates, one-row epsilon-greedy, one-env episode
sums) give the same results as the general code they bypass (see their
tests). Here each is switched back to the general code in the same process
to measure what it saves, with CPU time of this thread (less sensitive to
other jobs on the machine than wall time):

* pieces: the vector env step, the prioritized memory's ``add`` and its
  sample + priority update per agent step, interleaved blocks, medians;
* loop: the benchmark's RAM training loop (``bench_atari_loop.py``'s
  settings) in alternating rounds, env steps per CPU second of the learning
  phase, median ratio.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_loop_overhead.py [--loop-steps 3000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from bench_atari_loop import gaikit_config
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers import FrameStackObservation

from gaikit.cli.agents import AGENT_BUILDERS
from gaikit.core.build import build_run
from gaikit.core.registry import get_registry
from gaikit.core.runner import Runner, true_next_obs
from gaikit.plugins.games import atari_envs
from gaikit.plugins.memories import frame_storage, sum_tree


@contextlib.contextmanager
def general_paths(enabled: bool) -> Iterator[None]:
    """While active (if ``enabled``), runs built inside take the general code instead of the fast paths."""
    patches = [
        (atari_envs, "SameStepSyncVectorEnv", partial(SyncVectorEnv, autoreset_mode=AutoresetMode.SAME_STEP)),
        (atari_envs, "FrameStack", FrameStackObservation),
        (frame_storage, "append_single_env", lambda *args: None),
        (sum_tree, "_ONE_BY_ONE", 0),
    ] if enabled else []
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, value in patches:
        setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def build(memory: str, steps: int, learning_starts: int, general: bool) -> tuple[Any, Any]:
    """The benchmark's run (config, built run); with ``general`` its selector takes the batch path too."""
    config = gaikit_config("ram", memory, steps, learning_starts)
    built = build_run(config, get_registry(), AGENT_BUILDERS)
    if general:
        built.agent.selector._one_row = None  # no one-row shape matches: the batch path
    return config, built


def loop_speed(memory: str, steps: int, learning_starts: int, general: bool) -> float:
    """Env steps per CPU second of the learning phase of the runner's RAM loop."""
    with general_paths(general):
        config, built = build(memory, learning_starts + steps, learning_starts, general)
        marks: list[float] = []
        learn = built.agent.learn

        def timed_learn() -> dict[str, float]:
            result = learn()
            marks.append(time.thread_time())
            return result

        built.agent.learn = timed_learn
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
            runner = Runner(built.agent, built.game, config, Path(tmp) / "run", envs=built.envs,
                            progress=False, tensorboard=False)
            if general:
                runner.tracker.num_envs = 0  # not the one-env sums
            runner.run()
    return (len(marks) - 1) * 4 / (marks[-1] - marks[0])


def median_block(measure: Callable[[], float], blocks: int) -> float:
    """Median over ``blocks`` calls of ``measure`` (each returns microseconds per step)."""
    return float(np.median([measure() for _ in range(blocks)]))


def piece_times(general: bool, steps: int = 500) -> dict[str, float]:
    """Microseconds (CPU) per agent step of the env step, PER add, and PER sample + priority update."""
    with general_paths(general):
        return _piece_times(general, steps)


def _piece_times(general: bool, steps: int) -> dict[str, float]:
    _, built = build("prioritized", 10_000, 1_000, general)
    _, spare = build("prioritized", 10_000, 1_000, general)
    envs, memory = built.envs, spare.agent.memory
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 9, size=(steps, 1))
    obs, _ = envs.reset(seed=0)
    start = time.thread_time()
    trace = []
    for a in actions:
        next_obs, rewards, terminated, truncated, infos = envs.step(a)
        trace.append((obs, a, rewards, true_next_obs(next_obs, infos), terminated, truncated))
        obs = next_obs
    env_us = (time.thread_time() - start) / steps * 1e6
    for step in trace:  # fill the memory so sampling has something to draw from
        memory.add(*step)
    start = time.thread_time()
    for step in trace:
        memory.add(*step)
    add_us = (time.thread_time() - start) / steps * 1e6
    td = np.abs(rng.normal(size=32))
    start = time.thread_time()
    for i, step in enumerate(trace):
        memory.add(*step)
        if i % 4 == 3:
            batch = memory.sample(32)
            memory.update_priorities(batch.indices, td)
    learn_us = (time.thread_time() - start) / steps * 1e6 - add_us
    envs.close()
    spare.envs.close()
    return {"vector env step": env_us, "PER add": add_us, "PER sample + priorities, per step": learn_us}


def main() -> None:
    """Measure and print both comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop-steps", type=int, default=3_000, help="timed env steps per loop round")
    parser.add_argument("--learning-starts", type=int, default=1_000, help="untimed random steps first")
    parser.add_argument("--rounds", type=int, default=4, help="alternating loop rounds per memory")
    parser.add_argument("--blocks", type=int, default=7, help="interleaved blocks per piece")
    args = parser.parse_args()
    torch.set_num_threads(1)
    pieces: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for _ in range(args.blocks):
        for general in (True, False):
            pieces[general].append(piece_times(general))
    print(f"pieces, CPU us per agent step, median of {args.blocks} interleaved blocks:")
    for name in pieces[False][0]:
        slow = float(np.median([p[name] for p in pieces[True]]))
        fast = float(np.median([p[name] for p in pieces[False]]))
        print(f"  {name:34s} general {slow:7.1f}   fast {fast:7.1f}")
    for memory in ("uniform", "prioritized") if args.rounds else ():
        ratios, speeds = [], {False: [], True: []}
        for i in range(args.rounds):
            order = (True, False) if i % 2 == 0 else (False, True)
            for general in order:
                speeds[general].append(loop_speed(memory, args.loop_steps, args.learning_starts, general))
            ratios.append(speeds[False][-1] / speeds[True][-1])
        print(f"RAM loop, {memory} replay, {args.loop_steps:,} timed steps x {args.rounds} rounds: "
              f"general paths {np.median(speeds[True]):,.0f}, fast paths {np.median(speeds[False]):,.0f} "
              f"steps per CPU s (medians); median ratio {np.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
