"""The ``ddqn`` update casts a batch to its own dtypes: a hand-built batch trains like a memory's.

The :class:`~gaikit.core.components.Batch` contract (clause MEM-2) promises
``int64`` actions and ``float32`` rewards, discounts and weights, but a batch
built by hand (tools, notebooks, other tests) easily holds ``float64`` arrays
(``np.asarray`` of Python floats) or compact ``uint8`` actions. The learner
casts them, so such a batch gives exactly the update the contract's dtypes
give, and its TD errors stay ``float32``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from test_ddqn import batch_of, make_learner

# gamma 0.9 (3-step discount 0.729), IS weights below one, a terminal sample
CONTRACT = batch_of(
    obs=[[0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]],
    actions=[0, 1, 1],
    rewards=[1.0, -1.5, 0.25],
    next_obs=[[1.0, 0.0], [0.0, 0.0], [0.5, -0.5]],
    discounts=[0.729, 0.0, 0.81],
    weights=[0.5, 1.0, 0.25],
)


@pytest.mark.parametrize(
    "field, dtype",
    [("rewards", np.float64), ("discounts", np.float64), ("weights", np.float64), ("actions", np.uint8)],
)
def test_a_batch_in_other_dtypes_gives_the_same_update(field, dtype):
    """One field in another dtype: same TD errors (float32), metrics and new parameters as the contract batch."""
    expected_learner, learner = make_learner(hidden=(4,), seed=2), make_learner(hidden=(4,), seed=2)
    expected = expected_learner.update(CONTRACT)
    other = dataclasses.replace(CONTRACT, **{field: getattr(CONTRACT, field).astype(dtype)})
    assert getattr(other, field).dtype == dtype
    result = learner.update(other)
    assert result.td_errors.dtype == np.float32
    np.testing.assert_array_equal(result.td_errors, expected.td_errors)
    assert result.metrics == expected.metrics
    for p, q in zip(learner.online.parameters(), expected_learner.online.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
