"""The ``ddqn`` learner's state: its format number, states written before it, and clear errors.

``data/ddqn_state_format1.pt`` was written by the learner as it was before
its state carried a format number (gaikit at commit 195d93c, whose RAM
networks took a hand-written update path and kept the first layer's weight
and Adam moments transposed in memory). It holds the learner's state after
three updates, the three batches that followed and what that learner
reported and held after each of them.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.core.errors import CheckpointError
from gaikit.plugins.encoders.ram import RamEncoder, RamEncoderConfig
from gaikit.plugins.learners.ddqn import DDQN, STATE_FORMAT, DDQNConfig

RAM = gym.spaces.Box(0, 255, (2, 16), np.uint8)
ACTIONS = gym.spaces.Discrete(3, start=1)
FORMAT_1 = Path(__file__).parent / "data" / "ddqn_state_format1.pt"


def ram_learner(hidden, seed=0, **config):
    cfg = RamEncoderConfig(hidden=list(hidden))
    return DDQN(RAM, ACTIONS, lambda: RamEncoder(RAM, cfg), DDQNConfig(**config), seed=seed)


def as_batch(tensors: dict) -> Batch:
    arrays = {key: value.numpy() for key, value in tensors.items()}
    return Batch(**arrays, indices=np.arange(len(arrays["actions"])))


def test_a_state_from_before_format_numbers_loads_and_continues_as_its_learner_did():
    saved = torch.load(FORMAT_1, weights_only=True)
    assert "format" not in saved["state"]
    assert not saved["state"]["optimizer"]["state"][0]["exp_avg"].is_contiguous()  # the old layout
    learner = ram_learner(saved["hidden"], seed=7, **saved["config"])
    learner.load_state_dict(saved["state"])
    assert learner.gradient_steps == 3
    after = saved["after"]
    for i, batch in enumerate(saved["batches"][3:]):
        result = learner.update(as_batch(batch))
        np.testing.assert_allclose(result.td_errors, after["td_errors"][i].numpy(), rtol=1e-5, atol=1e-6)
        assert result.metrics.keys() == after["metrics"][i].keys()
        for key, value in after["metrics"][i].items():
            assert result.metrics[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
    for network, expected in ((learner.online, after["online"]), (learner.target, after["target"])):
        for key, value in network.state_dict().items():
            torch.testing.assert_close(value, expected[key], rtol=1e-5, atol=1e-6, msg=key)


def test_state_carries_its_format_and_round_trips_through_torch_save(tmp_path):
    batches = [as_batch(b) for b in torch.load(FORMAT_1, weights_only=True)["batches"]]
    first = ram_learner([8, 6], lr=0.01, max_grad_norm=0.1, tau=0.3, target_update_period=2)
    for batch in batches[:3]:
        first.update(batch)
    state = first.state_dict()
    assert state["format"] == STATE_FORMAT == 2
    torch.save(state, tmp_path / "learner.pt")
    second = ram_learner([8, 6], seed=5, lr=0.01, max_grad_norm=0.1, tau=0.3, target_update_period=2)
    second.load_state_dict(torch.load(tmp_path / "learner.pt", weights_only=True))
    for batch in batches[3:]:  # crosses a target update; Adam's moments and step must match too
        a, b = first.update(batch), second.update(batch)
        assert a.metrics == b.metrics
        assert np.array_equal(a.td_errors, b.td_errors)
    for p, q in zip(first.target.parameters(), second.target.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("found", [3, 0, "2"])
def test_a_state_of_another_format_names_the_learner_and_both_versions(found):
    learner = ram_learner([8, 6])
    state = learner.state_dict()
    state["format"] = found
    with pytest.raises(CheckpointError, match=rf"learner 'ddqn': state format {found!r}, expected 2"):
        learner.load_state_dict(state)


def test_a_state_for_another_network_or_without_its_parts_is_a_checkpoint_error():
    state = ram_learner([8, 6]).state_dict()
    with pytest.raises(CheckpointError, match=r"learner 'ddqn': the state does not fit this network: .*size mismatch"):
        ram_learner([8, 5]).load_state_dict(state)
    del state["optimizer"]
    with pytest.raises(CheckpointError, match=r"learner 'ddqn': state lacks optimizer"):
        ram_learner([8, 6]).load_state_dict(state)
