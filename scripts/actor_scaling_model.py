"""Predicted agent steps/s of an actor–learner run against the CPUs it gets, from measured figures.

Reads the figures ``benchmarks/bench_actors.py --json FILE`` measured on one
machine and predicts, for C CPUs (one for the learner and the replay
shards, C - 1 collectors), the agent steps/s of a run at the default replay
ratio and of a free-running one (``train.samples_per_insert=0``, one replay
shard per 8 CPUs), naming the bottleneck:

* collection: (C - 1) collectors x one collector's steps/s alone (an upper
  bound: a collector also waits for weights and for the replay);
* learner: learner updates/s in the ``--actors 1`` run with one learner
  thread x agent steps per update (``train_freq / gradient_steps``) — the
  rate limiter ties collection to it;
* replay inserts: 1e6 / (µs per transition shipped) per shard, since a shard
  stores chunks one at a time;
* network (multi-node only): a 10 Gbit/s link / bytes per transition.

``--check-cluster CASE`` also runs the case with ``--actors 1`` on a simulated
two-node cluster (``ray.cluster_utils.Cluster``, one CPU per node) and prints
its measured agent steps/s next to the prediction for two CPUs.

    .venv/bin/python scripts/actor_scaling_model.py FIGURES.json [--check-cluster image]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Bytes per second of the network link assumed between nodes (10 Gbit/s).
LINK_BYTES_PER_S = 10e9 / 8
#: CPU counts the model is printed for.
CPU_COUNTS = (2, 4, 16, 64)
#: CPUs per replay shard in the free-running column (``train.replay_shards``).
CPUS_PER_SHARD = 8


def shards_for(cpus: int) -> int:
    """Replay shards the free-running column assumes: one per :data:`CPUS_PER_SHARD` CPUs."""
    return max(1, cpus // CPUS_PER_SHARD)


def predict(figures: dict[str, Any], cpus: int, shards: int = 1, limited: bool = True) -> tuple[float, str]:
    """Predicted agent steps/s with ``cpus`` CPUs and the name of the bottleneck."""
    collectors = max(cpus - 1, 1)
    ceilings = {
        "collection": collectors * figures["collector_alone_steps_per_sec"],
        "replay inserts": shards * 1e6 / figures["us_per_transition_shipped"],
        "network": LINK_BYTES_PER_S / figures["bytes_per_transition"],
    }
    if limited:
        ceilings["learner"] = figures["runs"]["actors1_threads1"]["updates_per_sec"] * figures["steps_per_update"]
    if cpus <= 2:
        del ceilings["network"]  # one machine
    bottleneck = min(ceilings, key=ceilings.__getitem__)
    return ceilings[bottleneck], bottleneck


def check_cluster(case: str, steps: int) -> float:
    """Agent steps/s of ``--actors 1`` on a two-node simulated cluster (after learning started)."""
    import ray
    from ray.cluster_utils import Cluster

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_actors import CASES

    spec = CASES[case]
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp) / "run"
            command = [str(Path(sys.executable).with_name("gaikit")), "run", *spec.args, "--steps", str(steps),
                       "--actors", "1", "--ray-address", cluster.address, "--run-dir", str(run_dir),
                       "--set", f"train.learning_starts={spec.learning_starts}", "--set", "train.eval_every=0",
                       "--set", "train.checkpoint_every=0", "--set", f"train.log_every={spec.log_every}"]
            for item in spec.extra:
                command += ["--set", item]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "1"})
            rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    finally:
        ray.shutdown()
        cluster.shutdown()
    train = [r for r in rows if r["kind"] == "train" and r["step"] >= spec.learning_starts + spec.log_every]
    return (train[-1]["step"] - train[0]["step"]) / (train[-1]["time"] - train[0]["time"])


def main() -> None:
    """Print the model's table (and the cluster check, if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", type=Path, help="the JSON written by benchmarks/bench_actors.py --json")
    parser.add_argument("--check-cluster", choices=["image", "mixed", "halfcheetah"])
    parser.add_argument("--cluster-steps", type=int, default=7000)
    args = parser.parse_args()
    figures = json.loads(args.figures.read_text())
    print("| case | CPUs | collectors | rate-limited steps/s | bottleneck | replay shards | free-running steps/s | "
          "bottleneck |")
    print("|---|---:|---:|---:|---|---:|---:|---|")
    for case in figures.values():
        for cpus in CPU_COUNTS:
            limited, why = predict(case, cpus)
            shards = shards_for(cpus)
            free, free_why = predict(case, cpus, shards=shards, limited=False)
            print(f"| {case['name']} | {cpus} | {max(cpus - 1, 1)} | {limited:,.0f} | {why} | {shards} | {free:,.0f} | "
                  f"{free_why} |")
    if args.check_cluster:
        started = time.perf_counter()
        measured = check_cluster(args.check_cluster, args.cluster_steps)
        predicted, why = predict(figures[args.check_cluster], 2)
        print(f"\nsimulated 2-node cluster (1 CPU each), {figures[args.check_cluster]['name']}, --actors 1: "
              f"measured {measured:,.1f} agent steps/s, predicted {predicted:,.1f} ({why}-bound), "
              f"ratio {measured / predicted:.2f} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
