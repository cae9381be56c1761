"""Episode statistics for N environments stepped together.

Where the environments report Gymnasium-style statistics
(``RecordEpisodeStatistics``: ``info["episode"] = {"r", "l"}`` with the mask
``info["_episode"]``) those are used, because games such as Asterix report
the unclipped full-game score there while the agent sees clipped rewards
and shorter (per-life) episodes. Otherwise return and length are summed
from the rewards the runner sees, an episode ending at ``terminated or
truncated``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import gymnasium as gym
import numpy as np

#: Episodes in the running mean shown by the progress bar and logs.
RECENT = 100


@dataclass(frozen=True)
class EpisodeRecord:
    """One finished episode: the run step at which it ended, env index, return, length."""

    step: int
    env: int
    ret: float
    length: int


def reports_episode_statistics(envs: gym.vector.VectorEnv) -> bool:
    """Whether ``envs`` (or each of its sub-envs) is wrapped in ``RecordEpisodeStatistics``.

    Any other wrapper that reports the same way says so with a true class
    attribute ``records_episode_statistics`` (e.g. Atari's full-game statistics).
    """
    layer: Any = envs
    while layer is not None:
        if type(layer).__name__ == "RecordEpisodeStatistics" or getattr(layer, "records_episode_statistics", False):
            return True
        layer = getattr(layer, "env", None) if isinstance(layer, gym.vector.VectorWrapper) else None
    sub_envs = getattr(envs.unwrapped, "envs", None)
    if not sub_envs:
        return False
    env: Any = sub_envs[0]
    while isinstance(env, gym.Wrapper):
        if type(env).__name__ == "RecordEpisodeStatistics" or getattr(env, "records_episode_statistics", False):
            return True
        env = env.env
    return False


def reported_episodes(infos: Mapping[str, Any]) -> Iterator[tuple[int, float, int]]:
    """``(env, return, length)`` for every episode the env reported in ``infos``.

    Per-env statistics of a finished episode arrive in ``infos["final_info"]``
    (``SameStep`` autoreset); vector-level ones at the top level.
    """
    for container in (infos.get("final_info"), infos):
        if isinstance(container, Mapping) and "episode" in container:
            stats = container["episode"]
            mask = container.get("_episode")
            rows = np.flatnonzero(mask) if mask is not None else range(len(stats["r"]))
            for i in rows:
                yield int(i), float(stats["r"][i]), int(stats["l"][i])
            return


class EpisodeTracker:
    """Running returns and lengths per env, finished episodes and a recent mean.

    ``reported`` chooses the env's own statistics over computed ones; it turns
    on by itself the first time an env reports statistics.
    """

    def __init__(self, num_envs: int, reported: bool = False) -> None:
        self.num_envs = num_envs
        self.reported = reported
        self.returns = np.zeros(num_envs, dtype=np.float64)
        self.lengths = np.zeros(num_envs, dtype=np.int64)
        self.count = 0
        self.recent: deque[float] = deque(maxlen=RECENT)

    def update(
        self,
        step: int,
        rewards: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
        infos: Mapping[str, Any],
    ) -> list[EpisodeRecord]:
        """Account one vector step ending at run step ``step``; returns the episodes it finished."""
        self.returns += rewards
        self.lengths += 1
        reported = list(reported_episodes(infos)) if ("final_info" in infos or "episode" in infos) else []
        done = terminated | truncated
        if not reported and not done.any():
            return []
        finished: list[EpisodeRecord] = []
        if reported:
            self.reported = True
        if self.reported:
            finished = [EpisodeRecord(step, i, r, n) for i, r, n in reported]
        if done.any():
            rows = np.flatnonzero(done)
            if not self.reported:
                finished = [EpisodeRecord(step, int(i), float(self.returns[i]), int(self.lengths[i])) for i in rows]
            self.returns[rows] = 0.0
            self.lengths[rows] = 0
        for record in finished:
            self.recent.append(record.ret)
        self.count += len(finished)
        return finished

    def record(self, finished: list[EpisodeRecord]) -> None:
        """Count episodes finished elsewhere (by actor–learner collectors) in :attr:`count` and the recent mean."""
        for record in finished:
            self.recent.append(record.ret)
        self.count += len(finished)

    def reset_partial(self) -> None:
        """Forget episodes in progress (the envs were reset, e.g. on resume without env state)."""
        self.returns[:] = 0.0
        self.lengths[:] = 0

    def mean_recent(self) -> float:
        """Mean return of the last :data:`RECENT` episodes (``nan`` before the first)."""
        return float(np.mean(self.recent)) if self.recent else float("nan")

    def state_dict(self) -> dict[str, Any]:
        """Running sums, counts and the recent returns."""
        return {
            "reported": self.reported,
            "returns": self.returns.copy(),
            "lengths": self.lengths.copy(),
            "count": self.count,
            "recent": list(self.recent),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.reported = bool(state["reported"])
        self.returns = np.array(state["returns"], dtype=np.float64)
        self.lengths = np.array(state["lengths"], dtype=np.int64)
        self.count = int(state["count"])
        self.recent = deque((float(r) for r in state["recent"]), maxlen=RECENT)
