"""The ``ddqn`` learner's device and seeding: its tensors live where its config says, and
building it leaves every global torch generator as it was.

A CPU-only machine has one real device, so torch's *default* device stands in
for a second one here: under ``with torch.device("meta")`` a tensor made
without an explicit device lands on ``meta``, the way it lands on ``cuda``
in a program that called ``torch.set_default_device("cuda")``. A learner
configured for ``cpu`` must not follow it. The last test runs on a machine
with CUDA only.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from test_ddqn import make_learner
from test_ddqn_batch_dtypes import CONTRACT as BATCH

OBS = np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float32)


def test_predict_and_update_use_the_configured_device_not_torch_default_device():
    """A cpu learner used while torch's default device is another one computes exactly as without it."""
    expected_learner = make_learner(hidden=(4,), seed=3, lr=0.01)
    learner = make_learner(hidden=(4,), seed=3, lr=0.01)
    with torch.device("meta"):
        values = learner.predict(OBS).values
        results = [learner.update(BATCH) for _ in range(2)]
        after = learner.predict(OBS).values
    assert learner.device == torch.device("cpu")
    np.testing.assert_array_equal(values, expected_learner.predict(OBS).values)
    for result in results:
        expected = expected_learner.update(BATCH)
        np.testing.assert_array_equal(result.td_errors, expected.td_errors)
        assert result.metrics == expected.metrics
    np.testing.assert_array_equal(after, expected_learner.predict(OBS).values)


def test_networks_are_built_on_the_configured_device_whatever_torch_default_device():
    """Built while torch's default device is another one, the learner holds the same cpu networks."""
    expected = make_learner(hidden=(4,), seed=3, dueling=True, head_hidden=[5])
    with torch.device("meta"):
        learner = make_learner(hidden=(4,), seed=3, dueling=True, head_hidden=[5])
    for network, twin in ((learner.online, expected.online), (learner.target, expected.target)):
        for (name, p), q in zip(network.state_dict().items(), twin.state_dict().values()):
            assert p.device == torch.device("cpu"), name
            assert torch.equal(p, q), name


def test_building_a_learner_reseeds_no_accelerator_generator(monkeypatch):
    """Only the CPU generator seeds the networks (and it is restored); CUDA, MPS and XPU generators are left alone.

    ``torch.manual_seed`` would reseed them all, and ``fork_rng(devices=[])`` restores none of them.
    """
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    reseeded = []
    for module, name in ((torch.cuda, "manual_seed_all"), (torch.cuda, "manual_seed"),
                         (torch.mps, "manual_seed"), (torch.xpu, "manual_seed_all")):
        monkeypatch.setattr(module, name, lambda seed, _name=f"{module.__name__}.{name}": reseeded.append(_name))
    make_learner(hidden=(4,), seed=5)
    assert reseeded == []
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_cuda_learner_keeps_everything_on_cuda_and_matches_its_cpu_twin():
    """device=cuda: both networks on CUDA, the same numbers as on cpu, the global CUDA generator untouched."""
    torch.cuda.manual_seed_all(21)
    expected_draw = torch.rand(4, device="cuda")
    torch.cuda.manual_seed_all(21)
    on_cuda = make_learner(hidden=(4,), seed=3, lr=0.01, head_hidden=[5], device="cuda")
    assert torch.equal(torch.rand(4, device="cuda"), expected_draw)
    on_cpu = make_learner(hidden=(4,), seed=3, lr=0.01, head_hidden=[5], device="cpu")
    np.testing.assert_allclose(on_cuda.predict(OBS).values, on_cpu.predict(OBS).values, rtol=1e-5, atol=1e-6)
    for _ in range(3):
        a, b = on_cuda.update(BATCH), on_cpu.update(BATCH)
        np.testing.assert_allclose(a.td_errors, b.td_errors, rtol=1e-4, atol=1e-5)
        assert a.metrics == pytest.approx(b.metrics, rel=1e-4, abs=1e-5)
    for network in (on_cuda.online, on_cuda.target):
        assert all(p.device.type == "cuda" for p in network.parameters())
    np.testing.assert_allclose(on_cuda.predict(OBS).values, on_cpu.predict(OBS).values, rtol=1e-4, atol=1e-5)
