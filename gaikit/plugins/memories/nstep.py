"""n-step windows: from stored transitions to the learner's bootstrap targets.

For a start position ``(t, e)`` the window is steps ``t .. t+n-1`` of
environment ``e``, cut at the first step whose episode ended. With ``k`` the
number of steps in the window::

    reward   = sum_i gamma**i * r[t+i]          (i < k)
    discount = 0          if the episode terminated inside the window
               gamma**k   otherwise (full window, or cut by truncation:
                          a time limit still bootstraps)
    next_obs = next_obs[t+k-1]   (the final observation when the window was cut)

A window never crosses an episode boundary (it stops at the step that ended
the episode) and never mixes environments (it stays in column ``e``).
"""

from __future__ import annotations

import numpy as np

from gaikit.core.components import Batch
from gaikit.plugins.memories.frame_storage import FrameStorage
from gaikit.plugins.memories.replay_storage import ArrayStorage


def n_step_batch(
    storage: ArrayStorage | FrameStorage,
    rows: np.ndarray,
    envs: np.ndarray,
    *,
    n_step: int,
    gamma: float,
    weights: np.ndarray,
) -> Batch:
    """The :class:`Batch` for windows starting at ``(rows[i], envs[i])``, walked one step at a time.

    Every row ``rows[i] + j`` for ``j < n_step`` (modulo the ring) must hold
    data written after ``rows[i]``; memories guarantee this by only sampling
    starts that are at least ``n_step - 1`` rows older than the newest row.
    """
    size = rows.shape[0]
    returns = np.zeros(size, dtype=np.float64)
    discounts = np.zeros(size, dtype=np.float64)
    last_rows = rows.copy()
    running = np.ones(size, dtype=np.bool_)  # no episode end seen yet in the window
    for k in range(n_step):
        row_k = (rows + k) % storage.rows
        returns[running] += gamma**k * storage.rewards[row_k[running], envs[running]]
        last_rows[running] = row_k[running]
        terminated = running & storage.terminated[row_k, envs]
        truncated = running & ~terminated & storage.truncated[row_k, envs]
        discounts[terminated] = 0.0
        discounts[truncated] = gamma ** (k + 1)
        running &= ~(terminated | truncated)
    discounts[running] = gamma**n_step
    obs, next_obs = storage.read_pair(rows, last_rows, envs)
    return Batch(
        obs=obs,
        actions=storage.actions[rows, envs],
        rewards=returns.astype(np.float32),
        next_obs=next_obs,
        discounts=discounts.astype(np.float32),
        indices=(rows * storage.num_envs + envs).astype(np.int64),
        weights=np.asarray(weights, dtype=np.float32),
    )
