"""The ``ddqn`` Q head with several hidden layers: ``Linear -> ReLU`` per width, then the output layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from test_ddqn import make_learner

OBS = np.array([[0.5, -1.0], [2.0, 0.0], [-1.5, 1.0]], dtype=np.float32)


def layer_kinds(head: nn.Sequential) -> list:
    return [tuple(m.weight.shape) if isinstance(m, nn.Linear) else type(m).__name__ for m in head]


@pytest.mark.parametrize("dueling", [False, True])
def test_every_hidden_width_of_the_head_is_a_layer(dueling):
    """head_hidden [5, 3] on 4 encoder features: 4 -> 5 -> 3 -> out, ReLU after each hidden layer."""
    learner = make_learner(hidden=(4,), head_hidden=[5, 3], dueling=dueling, seed=1)
    net = learner.online
    heads = (net.value, net.advantage) if dueling else (net.head,)
    outs = (1, 2) if dueling else (2,)
    for head, out in zip(heads, outs):
        assert layer_kinds(head) == [(5, 4), "ReLU", (3, 5), "ReLU", (out, 3)]
    # Q-values are the head applied layer by layer to the encoder's features
    with torch.no_grad():
        features = net.encoder(torch.as_tensor(OBS))
        q = heads[0](features)
        if dueling:
            advantage = heads[1](features)
            q = q + advantage - advantage.mean(dim=1, keepdim=True)
    values = learner.predict(OBS).values
    assert values.shape == (3, 2)
    np.testing.assert_allclose(values, q.numpy(), rtol=1e-6, atol=1e-7)
