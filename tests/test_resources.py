"""Resource sanity before allocation: replay, networks, envs and devices checked against the machine.

Available memory and CPUs are monkeypatched, so each case is decided by
arithmetic, not by this machine's load, and nothing large is ever allocated.
"""

from __future__ import annotations

import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core import resources
from gaikit.core.errors import ConfigError
from gaikit.core.resources import (
    Estimate, check_device, check_memory, network_estimates, replay_estimate,
)
from test_cli_errors import one_line_error

MiB = 1 << 20


def run_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["run", "CartPole-v1", "--steps", "10", "--run-dir", str(tmp_path / "run"), *extra]


def test_a_replay_larger_than_the_available_memory_is_one_line_naming_estimate_and_limit(
        capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 64 * MiB)
    start = time.perf_counter()
    line = one_line_error(capsys, run_args(tmp_path, "--set", "memory.capacity=1000000"))
    assert time.perf_counter() - start < 10
    # CartPole: 4 float32 = 16 B an observation, twice, + an 8 B action + 48 B bookkeeping = 88 B a transition.
    assert "memory.uniform.capacity: needs about 83.9 MiB (1,000,000 transitions x 88 B" in line, line
    assert "only 64.0 MiB of memory is available; lower memory.uniform.capacity" in line
    assert not (tmp_path / "run").exists()


def test_the_same_run_fits_when_the_memory_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    space, actions = gym.spaces.Box(-1, 1, (4,), np.float32), gym.spaces.Discrete(2)
    estimate = replay_estimate({"capacity": 1_000_000}, space, actions, "uniform")
    assert estimate is not None and estimate.bytes == 88_000_000
    check_memory([estimate], available=100 * MiB)  # fits: no error
    with pytest.raises(ConfigError, match=r"^memory.uniform.capacity: needs about 83.9 MiB"):
        check_memory([estimate], available=80 * MiB)


def test_huge_hidden_layers_are_refused_before_any_allocation(capsys, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 8 << 30)
    start = time.perf_counter()
    line = one_line_error(capsys, run_args(tmp_path, "--set", "encoder.hidden=[100000000, 100000000]"))
    assert time.perf_counter() - start < 10, "torch must not have tried to allocate the layers"
    assert "encoder.vector.hidden: needs about" in line and "parameters x 4 B x 4" in line
    assert "only 8.0 GiB of memory is available; lower encoder.vector.hidden" in line
    line = one_line_error(capsys, run_args(tmp_path, "--set", "train.batch_size=1000000000"))
    assert "train.batch_size: needs about" in line and "lower train.batch_size or encoder.vector.hidden" in line
    assert not (tmp_path / "run").exists()


def test_stacked_frames_are_counted_once_and_whole_observations_twice() -> None:
    frames = gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    actions = gym.spaces.Discrete(9)
    stored_once = replay_estimate({"capacity": 1000, "stacked": True}, frames, actions)
    stored_whole = replay_estimate({"capacity": 1000, "stacked": True, "storage": "arrays"}, frames, actions)
    assert stored_once is not None and stored_whole is not None
    assert stored_once.bytes == 1000 * (84 * 84 + 8 + resources.TRANSITION_OVERHEAD_BYTES)
    assert stored_whole.bytes == 1000 * (2 * 4 * 84 * 84 + 8 + resources.TRANSITION_OVERHEAD_BYTES)
    mixed = gym.spaces.Dict({"pixels": frames, "ram": gym.spaces.Box(0, 255, (4, 128), np.uint8)})
    only_pixels = replay_estimate({"capacity": 10, "stacked": ["pixels"]}, mixed, actions)
    # Frame storage keeps every key once per step: the newest pixel frame and the whole (unstacked) RAM.
    assert only_pixels is not None and only_pixels.bytes == 10 * (84 * 84 + 4 * 128 + 8 + 48)
    assert replay_estimate({}, frames, actions) is None  # a memory without a capacity is not estimated


def test_network_estimate_counts_weights_target_and_adam() -> None:
    obs, actions = gym.spaces.Box(-1, 1, (4,), np.float32), gym.spaces.Discrete(2)
    found = network_estimates({"encoder.vector": {"hidden": [8, 8], "activation": "relu"}}, obs, actions, batch_size=32)
    weights = next(e for e in found if e.field == "encoder.vector.hidden")
    assert weights.bytes == (4 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2) * 4 * resources.PARAMETER_COPIES
    batch = next(e for e in found if e.field == "train.batch_size")
    assert batch.bytes == 2 * 32 * 16 * 4


def test_available_memory_reads_meminfo_and_a_cgroup_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       4000 kB\nMemFree:         100 kB\nMemAvailable:    2000 kB\n")
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    monkeypatch.setattr(resources, "MEMINFO", meminfo)
    monkeypatch.setattr(resources, "CGROUP", cgroup)
    assert resources.available_memory_bytes() == 2000 * 1024
    (cgroup / "memory.max").write_text("1000000\n")
    (cgroup / "memory.current").write_text("400000\n")
    assert resources.available_memory_bytes() == 600_000
    (cgroup / "memory.max").write_text("max\n")
    assert resources.available_memory_bytes() == 2000 * 1024


def test_without_meminfo_the_memory_check_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "MEMINFO", tmp_path / "absent")
    monkeypatch.setattr(resources, "CGROUP", tmp_path / "absent-too")
    assert resources.available_memory_bytes() is None
    check_memory([Estimate("memory.capacity", 1 << 60, "a lot")])  # nothing to compare with: no error


def test_more_envs_than_the_cpus_can_step_is_one_line(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "available_cpus", lambda: 1)
    start = time.perf_counter()
    line = one_line_error(capsys, run_args(tmp_path, "--envs", str(resources.MAX_ENVS_PER_CPU + 1)))
    assert time.perf_counter() - start < 10, "no env may be made before the check"
    assert f"train.envs: {resources.MAX_ENVS_PER_CPU + 1} environments on 1 CPU(s); at most 256" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("device, needle", [
    ("tpu", "unknown device 'tpu'; expected cpu, cuda, cuda:N or mps"),
    ("gpu0", "unknown device 'gpu0'"),
    ("cuda:99", "device 'cuda:99', but this machine has"),
])
def test_a_device_this_machine_lacks_is_one_line(capsys, tmp_path: Path, device: str, needle: str) -> None:
    line = one_line_error(capsys, run_args(tmp_path, "--set", f"learner.device={device}"))
    assert f"learner.ddqn.device: {needle}" in line, line
    assert not (tmp_path / "run").exists()


def test_cuda_without_cuda_names_the_torch_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match=r"^learner.ddqn.device: device 'cuda', but this machine has no CUDA device"):
        check_device("cuda", "learner.ddqn.device")


def test_a_cuda_index_beyond_the_devices_names_the_ones_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ConfigError, match=r"device 'cuda:7', but this machine has 1 CUDA device\(s\) \(cuda:0 to cuda:0\)"):
        check_device("cuda:7", "learner.ddqn.device")
    check_device("cuda:0", "learner.ddqn.device")
    check_device("cpu", "learner.ddqn.device")


def test_eval_is_not_refused_for_a_replay_it_never_fills(capsys, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from gaikit.cli import main

    run_dir = tmp_path / "run"
    assert main(["run", "CartPole-v1", "--steps", "30", "--set", "train.learning_starts=10", "--set",
                 "train.batch_size=8", "--set", "train.eval_every=0", "--set", "encoder.hidden=[8]",
                 "--set", "memory.capacity=1000000", "--run-dir", str(run_dir)]) == 0
    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 64 * MiB)  # a smaller machine
    assert main(["eval", str(run_dir), "--episodes", "1"]) == 0
    assert "1 greedy episodes" in capsys.readouterr().out
    line = one_line_error(capsys, ["run", "--resume", str(run_dir), "--steps", "40"])  # training would fill it
    assert "memory.uniform.capacity: needs about 83.9 MiB" in line
