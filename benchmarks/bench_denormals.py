"""What denormal floats cost a DDQN update after some training, with and without flushing them to zero.

The benchmark's Asterix RAM agent (``bench_ddqn_update.filled_agent``: MLP
128x128 on 4 x 128 RAM bytes, batch 32, uniform replay of random play) trains
for ``--train`` updates with IEEE denormals, long enough for Adam's moments of
the weights whose gradient stays at zero to decay into the denormal range.
Then the same batch is timed in alternating blocks with the thread's
flush-to-zero mode off and on (``gaikit.core.cpu_flags.denormals_flushed``,
what the runner does with ``train.flush_denormal``), on two copies of the
learner so that both start from the same state. Prints the count of denormal
moments and the CPU time per update.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_denormals.py [--train 1500] [--blocks 8]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from bench_ddqn_update import filled_agent

from gaikit.core.cpu_flags import denormals_flushed

SMALLEST_NORMAL = 1.17549435e-38  # float32


def denormal_moments(learner) -> tuple[int, int]:  # noqa: ANN001
    """(denormal entries, all entries) of Adam's two moments over the online network's parameters."""
    count = total = 0
    for param in learner.online.parameters():
        for key in ("exp_avg", "exp_avg_sq"):
            moment = learner.optimizer.state[param][key].abs()
            count += int(((moment > 0) & (moment < SMALLEST_NORMAL)).sum())
            total += moment.numel()
    return count, total


def main() -> None:
    """Train with denormals, then time updates with flushing off and on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=1500, help="updates before timing (IEEE denormals)")
    parser.add_argument("--blocks", type=int, default=8, help="alternating timed blocks per mode")
    parser.add_argument("--updates", type=int, default=100, help="updates per block")
    args = parser.parse_args()
    torch.set_num_threads(1)
    agent, _ = filled_agent(3_000)
    with denormals_flushed(False):
        for _ in range(args.train):
            agent.learn()
    learners = {"IEEE denormals": agent.learner, "flushed to zero": copy.deepcopy(agent.learner)}
    count, total = denormal_moments(agent.learner)
    batch = agent.memory.sample(32)
    times: dict[str, list[float]] = {name: [] for name in learners}
    for _ in range(args.blocks):
        for name, learner in learners.items():
            with denormals_flushed(name == "flushed to zero"):
                start = time.thread_time()
                for _ in range(args.updates):
                    learner.update(batch)
                times[name].append((time.thread_time() - start) / args.updates * 1e6)
    print(f"after {args.train} updates: {count:,} of {total:,} Adam moment entries denormal")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"  {name:16s} {median:8.1f} CPU µs per update (median of {args.blocks} blocks of {args.updates})")
    print(f"  ratio {medians['IEEE denormals'] / medians['flushed to zero']:.2f}x")


if __name__ == "__main__":
    main()
