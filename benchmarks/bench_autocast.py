"""DDQN + prioritized replay gradient step on Asterix with and without bf16 autocast, in one process.

For each encoder (``image``: Nature CNN on 4 x 84 x 84 frames; ``mixed``: the
same CNN fused with a RAM MLP) two agents with the Asterix defaults fill
prioritized replay with the same random Asterix steps; then timed blocks of
gradient steps (``Agent.learn``: sample, update, priorities) alternate between
``learner.precision=float32`` and ``learner.precision=bf16-mixed``. Printed: median wall
milliseconds per gradient step of each and float32 / bf16-mixed, and whether the CPU
reports AMX (bf16 matrix units).

    .venv/bin/python benchmarks/bench_autocast.py [--encoders image mixed] [--threads 1 2] [--blocks 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from bench_atari_loop import filled_agent, gaikit_config
from gaikit.core.cpu_flags import denormals_flushed

BLOCK = 16  # gradient steps per timed block


def precision_agent(encoder: str, precision: str, fill: int) -> tuple[Any, bool]:
    """A DDQN + PER agent on ``encoder`` with ``fill`` random Asterix transitions stored."""
    config = gaikit_config(encoder, "prioritized", fill, fill, extra=(f"learner.precision={precision}",))
    agent = filled_agent(config, fill).agent
    return agent, config.train.flush_denormal


def block_ms(agent: Any, flush: bool) -> float:
    """Wall milliseconds per gradient step over one block."""
    start = time.perf_counter()
    with denormals_flushed(flush):
        for _ in range(BLOCK):
            agent.learn()
    return (time.perf_counter() - start) / BLOCK * 1e3


def has_amx() -> bool:
    """Whether /proc/cpuinfo lists AMX bf16 (Linux only; False elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and "amx_bf16" in cpuinfo.read_text()


def main() -> None:
    """Measure each encoder and thread count, print medians and float32 / bf16-mixed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", nargs="+", choices=["image", "mixed"], default=["image", "mixed"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--blocks", type=int, default=15, help="alternating timed blocks of 16 gradient steps")
    parser.add_argument("--fill", type=int, default=2_000, help="random steps stored before timing")
    args = parser.parse_args()
    print(f"torch {torch.__version__}; AMX bf16: {has_amx()}; batch 32; wall ms per gradient step, "
          f"median of {args.blocks} blocks of {BLOCK}")
    for encoder in args.encoders:
        agents = {mode: precision_agent(encoder, mode, args.fill) for mode in ("float32", "bf16-mixed")}
        for threads in args.threads:
            torch.set_num_threads(threads)
            for agent, flush in agents.values():  # warm-up
                block_ms(agent, flush)
            times: dict[str, list[float]] = {mode: [] for mode in agents}
            for _ in range(args.blocks):
                for mode, (agent, flush) in agents.items():
                    times[mode].append(block_ms(agent, flush))
            off, bf16 = (statistics.median(times[mode]) for mode in ("float32", "bf16-mixed"))
            print(f"  {encoder:5s} threads {threads}: float32 {off:7.2f} ms   bf16-mixed {bf16:7.2f} ms   float32 / bf16-mixed = {off / bf16:.2f}x")


if __name__ == "__main__":
    main()
