"""What denormal floats cost a DDQN update after some training, with and without flushing them to zero.

The benchmark's Asterix RAM agent (``bench_ddqn_update.gaikit_agent``: MLP
128x128 on 4 x 128 RAM bytes, batch 32, uniform replay of random play) trains
for ``--train`` updates with IEEE denormals, long enough for Adam's moments of
the weights whose gradient stays at zero to decay into the denormal range.
Then the same batch is timed in alternating blocks with the thread's
flush-to-zero mode off and on (``gaikit.core.cpu_flags.denormals_flushed``,
what the runner does with ``train.flush_denormal``), on two copies of the
learner so that both start from the same state. Prints the count of denormal
moments and the CPU time per update.

With ``--sac-run RUN_DIR`` the learner is instead the SAC learner of a
HalfCheetah run's latest checkpoint (e.g. the 500k-step evidence run), timed
on a random batch of 256.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_denormals.py [--train 1500] [--blocks 8]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_denormals.py --sac-run runs/halfcheetah-sac-evidence
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from bench_ddqn_update import gaikit_agent

from gaikit.core.build import build_run
from gaikit.core.checkpoint import load_latest_checkpoint
from gaikit.core.components import Batch
from gaikit.core.config import load_resolved_config
from gaikit.core.cpu_flags import denormals_flushed
from gaikit.core.registry import get_registry

SMALLEST_NORMAL = 1.17549435e-38  # float32


def denormal_moments(optimizers: list[Any]) -> tuple[int, int]:
    """(denormal entries, all entries) of Adam's two moments over every parameter of ``optimizers``."""
    count = total = 0
    for optimizer in optimizers:
        for state in optimizer.state.values():
            for key in ("exp_avg", "exp_avg_sq"):
                moment = state[key].abs()
                count += int(((moment > 0) & (moment < SMALLEST_NORMAL)).sum())
                total += moment.numel()
    return count, total


def ddqn_case(train: int) -> tuple[Any, Batch, list[Any], str]:
    """The RAM DDQN learner after ``train`` updates with IEEE denormals, a batch, its optimisers, a title."""
    agent, _, _ = gaikit_agent("ram", 3_000, double=True)
    with denormals_flushed(False):
        for _ in range(train):
            agent.learn()
    learner = agent.learner
    return learner, agent.memory.sample(32), [learner.optimizer], f"RAM DDQN after {train} updates"


def sac_case(run_dir: Path) -> tuple[Any, Batch, list[Any], str]:
    """The SAC learner of ``run_dir``'s latest checkpoint, a random batch of 256, its optimisers, a title."""
    config = load_resolved_config(run_dir / "config.yaml")
    built = build_run(config, get_registry(), num_envs=1)
    path, state = load_latest_checkpoint(run_dir)
    learner = built.agent.learner
    learner.load_state_dict(state["agent"]["learner"])
    built.envs.close()
    obs_dim = built.envs.single_observation_space.shape[0]
    act_dim = built.envs.single_action_space.shape[0]
    rng = np.random.default_rng(0)
    n = 256
    batch = Batch(obs=rng.normal(size=(n, obs_dim)).astype(np.float32),
                  actions=rng.uniform(-1, 1, (n, act_dim)).astype(np.float32),
                  rewards=rng.normal(size=n).astype(np.float32),
                  next_obs=rng.normal(size=(n, obs_dim)).astype(np.float32),
                  discounts=np.full(n, 0.98, np.float32), weights=np.ones(n, np.float32), indices=np.arange(n))
    return learner, batch, [learner.actor_optimizer, learner.critic_optimizer], f"SAC at {path.name}"


def main() -> None:
    """Time the same updates with flushing off and on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=1500, help="DDQN updates before timing (IEEE denormals)")
    parser.add_argument("--sac-run", type=Path, help="time the SAC learner of this run's latest checkpoint instead")
    parser.add_argument("--blocks", type=int, default=8, help="alternating timed blocks per mode")
    parser.add_argument("--updates", type=int, default=None, help="updates per block (default: 100 DDQN, 10 SAC)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    learner, batch, optimizers, title = sac_case(args.sac_run) if args.sac_run else ddqn_case(args.train)
    updates = args.updates or (10 if args.sac_run else 100)
    count, total = denormal_moments(optimizers)
    learners = {"IEEE denormals": learner, "flushed to zero": copy.deepcopy(learner)}
    times: dict[str, list[float]] = {name: [] for name in learners}
    for _ in range(args.blocks):
        for name, each in learners.items():
            with denormals_flushed(name == "flushed to zero"):
                start = time.thread_time()
                for _ in range(updates):
                    each.update(batch)
                times[name].append((time.thread_time() - start) / updates * 1e6)
    print(f"{title}: {count:,} of {total:,} Adam moment entries denormal")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"  {name:16s} {median:8.1f} CPU µs per update (median of {args.blocks} blocks of {updates})")
    print(f"  ratio {medians['IEEE denormals'] / medians['flushed to zero']:.2f}x")


if __name__ == "__main__":
    main()
