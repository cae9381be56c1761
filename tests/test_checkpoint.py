"""Checkpoint files: exact round trip of nested state, atomic layout, pruning, corruption handling."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from gaikit.core.checkpoint import (
    checkpoint_dirs,
    load_checkpoint,
    load_latest_checkpoint,
    save_checkpoint,
    set_aside_newer,
)
from gaikit.core.errors import CheckpointError
from gaikit.core.seeding import rng_state, seed_everything, set_rng_state


def tricky_state() -> dict:
    optimiser = torch.optim.Adam(torch.nn.Linear(3, 2).parameters())
    optimiser.zero_grad()
    torch.nn.Linear(3, 2)(torch.ones(1, 3)).sum().backward()
    return {
        "weights": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "view": torch.arange(10)[2:5],
        "optimiser": optimiser.state_dict(),  # int keys, lists of ints, nested dicts
        "array": np.arange(5, dtype=np.uint8),
        "scalar": np.float32(0.1),
        "int64": np.int64(2**40),
        "tuple": (1, "two", 3.0, None),
        "int_keys": {0: "a", 7: {"b": [1, 2]}},
        "marker_like": {"__gk_tensor__": "not a reference"},
        "bytes": b"\x00\xff",
        "big_int": 2**100,
        "nan": float("nan"),
        "generator": np.random.default_rng(3).bit_generator.state,
    }


def test_nested_state_round_trips_exactly(tmp_path):
    state = tricky_state()
    path = save_checkpoint(tmp_path, 10, state, keep=2)
    loaded = load_checkpoint(path)
    assert torch.equal(loaded["weights"], state["weights"]) and loaded["weights"].dtype == torch.float32
    assert torch.equal(loaded["view"], torch.tensor([2, 3, 4]))
    assert loaded["array"].dtype == np.uint8 and loaded["array"].tolist() == [0, 1, 2, 3, 4]
    assert type(loaded["scalar"]) is np.float32 and loaded["scalar"] == state["scalar"]
    assert type(loaded["int64"]) is np.int64 and loaded["int64"] == 2**40
    assert loaded["tuple"] == (1, "two", 3.0, None)
    assert loaded["int_keys"] == {0: "a", 7: {"b": [1, 2]}}
    assert loaded["marker_like"] == {"__gk_tensor__": "not a reference"}
    assert loaded["bytes"] == b"\x00\xff" and loaded["big_int"] == 2**100 and np.isnan(loaded["nan"])
    assert loaded["generator"] == state["generator"]
    optimiser = torch.optim.Adam(torch.nn.Linear(3, 2).parameters())
    optimiser.load_state_dict(loaded["optimiser"])  # the optimiser accepts what came back


def test_global_rng_state_round_trips(tmp_path):
    seed_everything(5)
    save_checkpoint(tmp_path, 1, {"rng": rng_state()}, keep=1)
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(99)
    set_rng_state(load_checkpoint(tmp_path / "checkpoints" / "step_1")["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_layout_pruning_and_skip(tmp_path):
    for step in (10, 20, 30):
        save_checkpoint(tmp_path, step, {"agent": {"memory": np.zeros(3), "learner": {"w": torch.ones(2)}}}, keep=2)
    root = tmp_path / "checkpoints"
    assert [s for s, _ in checkpoint_dirs(tmp_path)] == [30, 20]
    assert sorted(p.name for p in root.iterdir()) == ["step_20", "step_30"], "no temp directories left"
    assert sorted(p.name for p in (root / "step_30").iterdir()) == [
        "arrays.npz", "manifest.json", "state.json", "tensors.pt"]
    manifest = json.loads((root / "step_30" / "manifest.json").read_text())
    assert manifest["step"] == 30 and set(manifest["files"]) == {"arrays.npz", "state.json", "tensors.pt"}
    loaded = load_checkpoint(root / "step_30", skip=[("agent", "memory")])
    assert "memory" not in loaded["agent"] and torch.equal(loaded["agent"]["learner"]["w"], torch.ones(2))
    # Saving the same step again replaces it atomically.
    save_checkpoint(tmp_path, 30, {"agent": {"v": 2}}, keep=2)
    assert load_checkpoint(root / "step_30") == {"agent": {"v": 2}}


@pytest.mark.parametrize("damage", ["truncate_tensors", "flip_npz_byte", "drop_manifest", "bad_json", "drop_file"])
def test_damaged_newest_falls_back_with_a_warning(tmp_path, capsys, damage):
    save_checkpoint(tmp_path, 1, {"x": torch.ones(3), "y": np.ones(3)}, keep=3)
    newest = save_checkpoint(tmp_path, 2, {"x": torch.zeros(3), "y": np.zeros(3)}, keep=3)
    if damage == "truncate_tensors":
        data = (newest / "tensors.pt").read_bytes()
        (newest / "tensors.pt").write_bytes(data[:-10])
    elif damage == "flip_npz_byte":
        data = bytearray((newest / "arrays.npz").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (newest / "arrays.npz").write_bytes(bytes(data))
    elif damage == "drop_manifest":
        (newest / "manifest.json").unlink()
    elif damage == "bad_json":
        (newest / "state.json").write_text("{")
    else:
        (newest / "arrays.npz").unlink()
    path, state = load_latest_checkpoint(tmp_path)
    assert path.name == "step_1" and torch.equal(state["x"], torch.ones(3))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "step_2" in err and "using step_1 instead" in err


def test_no_usable_checkpoint_is_one_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint found"):
        load_latest_checkpoint(tmp_path)
    path = save_checkpoint(tmp_path, 5, {"x": 1}, keep=1)
    (path / "manifest.json").write_text("[]")
    with pytest.raises(CheckpointError, match=r"no usable checkpoint \(step_5: bad manifest"):
        load_latest_checkpoint(tmp_path)


def test_unsupported_values_are_refused_on_save(tmp_path):
    with pytest.raises(CheckpointError, match=r"type object at \.agent\.thing"):
        save_checkpoint(tmp_path, 1, {"agent": {"thing": object()}}, keep=1)
    with pytest.raises(CheckpointError, match="object array"):
        save_checkpoint(tmp_path, 1, {"a": np.array([None, 1], dtype=object)}, keep=1)


def test_set_aside_newer_keeps_them_for_inspection(tmp_path):
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, step, {"s": step}, keep=3)
    set_aside_newer(tmp_path, 1)
    assert [s for s, _ in checkpoint_dirs(tmp_path)] == [1]
    assert (tmp_path / "checkpoints" / "step_3.unusable").is_dir()
