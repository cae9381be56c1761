"""Actor–learner training on a simulated multi-node Ray cluster (``ray.cluster_utils.Cluster``).

Two nodes of one CPU each: the collectors are spread over both nodes, the
replay and the learner talk to them across node boundaries, and the run
joins the cluster through ``--ray-address`` as a user joins a real one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import ray
from ray.cluster_utils import Cluster

from gaikit.cli import main
from gaikit.core.checkpoint import load_latest_checkpoint


@pytest.fixture(scope="module")
def two_node_cluster():
    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()


@pytest.mark.slow
def test_two_collectors_on_two_nodes_train_and_checkpoint(two_node_cluster, tmp_path: Path):
    run_dir = tmp_path / "run"
    code = main(["run", "CartPole-v1", "--learner", "ddqn", "--actors", "2", "--steps", "3000",
                 "--ray-address", two_node_cluster.address, "--run-dir", str(run_dir),
                 "--set", "train.learning_starts=256", "--set", "train.eval_every=0",
                 "--set", "train.samples_per_insert=1", "--set", "train.chunk_steps=16"])
    assert code == 0
    state = load_latest_checkpoint(run_dir)[1]
    assert state["step"] >= 3000
    (shard,) = state["agent"]["memory"]["shards"]
    assert shard["inserts"] == state["step"] and len(shard["memories"]) == 2
    assert len(set(state["runner"]["actors"]["nodes"])) == 2, "one collector on each node"
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    last = [row for row in rows if row["kind"] == "train"][-1]
    assert last["actor0_steps_per_sec"] > 0 and last["actor1_steps_per_sec"] > 0
