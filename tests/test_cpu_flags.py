"""Denormal flushing for the training loop: on inside the block, the previous mode restored after."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gaikit.core.cpu_flags import denormals_flushed, flushing_denormals


def test_the_block_flushes_and_the_previous_mode_returns():
    assert not flushing_denormals()  # a fresh process keeps IEEE denormals
    with denormals_flushed(True):
        assert flushing_denormals()
        # numpy in the same thread follows the mode too: a denormal product becomes 0
        assert np.float32(1e-20) * np.float32(1e-20) == 0.0
        with denormals_flushed(False):
            assert not flushing_denormals()
        assert flushing_denormals()
    assert not flushing_denormals()
    assert np.float32(1e-20) * np.float32(1e-20) > 0.0


def test_the_mode_is_restored_when_the_block_raises():
    with pytest.raises(RuntimeError):
        with denormals_flushed(True):
            raise RuntimeError("boom")
    assert not flushing_denormals()
    assert torch.tensor([1e-39]).item() > 0.0
