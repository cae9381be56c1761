"""Selector ``semi-random``: Victoria 3 style semi-random choice over action values.

Each action gets a positive base score ``X``; its draw falls in
``[X/(1+R), X*(1+R)]`` (``uniform`` or ``log-uniform``, see
:mod:`gaikit.core.scoring`) and the highest draw is played.

**From Q-values to scores** (``values: q``, the default)::

    X_a = exp((Q_a - max_b Q_b) / temperature)

The best action scores 1, the others ``(0, 1]``. Score ratios depend only on
Q differences, so adding a constant to all Q-values changes nothing, and
``temperature`` (in Q units) sets how much a difference matters. Two ranges
overlap exactly when ``X_a * (1+R) > X_best / (1+R)``, so an action can be
played only if::

    max Q - Q_a < 2 * temperature * ln(1 + R)

Actions further behind are never explored, like 10 against 100 at R = 1,
unlike epsilon-greedy, which explores every action equally. Scores that
underflow to 0 are non-positive and never win against the best action.

``values: scores`` takes the values as base scores directly (for agents
whose values already are utility scores); the non-positive rule applies.

R may follow a linear schedule: ``randomness`` at step 0 to
``final_randomness`` at ``schedule_steps`` (then constant). In actor–learner
runs ``actor_randomness`` (in (0, 1)) gives each collector a fixed R from
Ape-X's ladder, ``actor_randomness ** (1 + actor_alpha * i / (N - 1))`` for
actor ``i`` of ``N`` (:mod:`.actor_ladder`).
``explore=False`` is a plain argmax.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import ActionSelector, Preferences, StateDict
from gaikit.core.hookspecs import Register
from gaikit.core.scoring import Choice, choose
from gaikit.plugins.selectors.actor_ladder import ladder_value
from gaikit.plugins.selectors.greedy import discrete_action_space, greedy_actions


class SemiRandomConfig(BaseModel):
    """Options of the ``semi-random`` selector."""

    model_config = ConfigDict(extra="forbid")

    randomness: float = Field(0.5, ge=0.0, description="R at step 0: draws fall in [X/(1+R), X*(1+R)].")
    final_randomness: Optional[float] = Field(
        None, ge=0.0, description="R after schedule_steps (linear in between); unset: R stays constant."
    )
    schedule_steps: int = Field(0, ge=0, description="Env steps (summed over envs) of the linear R schedule.")
    distribution: Literal["uniform", "log-uniform"] = Field(
        "uniform", description="Draw distribution over the range."
    )
    values: Literal["q", "scores"] = Field(
        "q", description="q: X = exp((Q - max Q) / temperature); scores: the values are the base scores."
    )
    temperature: float = Field(1.0, gt=0.0, description="Q difference per factor e of score (values: q).")
    actor_randomness: Optional[float] = Field(
        None, gt=0.0, lt=1.0,
        description="With --actors: per-actor R base; actor i of N uses actor_randomness ** (1 + actor_alpha * i / "
        "(N - 1)) instead of the schedule. Unset: every actor follows the schedule.",
    )
    actor_alpha: float = Field(7.0, ge=0.0, description="Spread of the per-actor R ladder.")


def q_to_scores(values: np.ndarray, temperature: float) -> np.ndarray:
    """``exp((Q - max Q) / temperature)`` per row; NaN Q-values score 0 (never chosen)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.where(np.isfinite(values), values, -np.inf)
    top = finite.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        scores = np.exp((finite - top) / temperature)
    return np.nan_to_num(scores, nan=0.0, posinf=1.0)


class SemiRandomSelector(ActionSelector):
    """Semi-random exploration over Q-values or scores, with an optional R schedule."""

    def __init__(self, action_space: gym.spaces.Discrete, config: SemiRandomConfig, seed: int) -> None:
        self.action_space = action_space
        self.config = config
        self.rng = np.random.default_rng(seed)
        self._last: tuple[np.ndarray, Choice] | None = None
        #: This copy's fixed R as one actor of several (``None``: the schedule).
        self.actor_randomness: float | None = None

    def set_actor(self, index: int, count: int) -> None:
        """As actor ``index`` of ``count``, use the ladder's R when ``actor_randomness`` is set."""
        c = self.config
        if c.actor_randomness is not None:
            self.actor_randomness = ladder_value(c.actor_randomness, c.actor_alpha, index, count)

    def randomness(self, step: int) -> float:
        """R at ``step`` (an actor's fixed ladder value, the schedule, or the constant)."""
        if self.actor_randomness is not None:
            return self.actor_randomness
        c = self.config
        if c.final_randomness is None:
            return c.randomness
        if c.schedule_steps <= 0:
            return c.final_randomness
        fraction = min(max(step, 0) / c.schedule_steps, 1.0)
        return c.randomness + fraction * (c.final_randomness - c.randomness)

    def scores(self, prefs: Preferences) -> np.ndarray:
        """Base scores for a batch of preferences (see the module docstring)."""
        greedy_actions(prefs, self.action_space, "semi-random")  # shape and kind checks
        values = np.asarray(prefs.values, dtype=np.float64)
        return q_to_scores(values, self.config.temperature) if self.config.values == "q" else values

    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """Semi-random actions (``explore=False``: argmax of the values)."""
        if not explore:
            self._last = None
            return greedy_actions(prefs, self.action_space, "semi-random")
        base = self.scores(prefs)
        choice = choose(base, self.randomness(step), self.rng, distribution=self.config.distribution)
        self._last = (np.asarray(prefs.values, dtype=np.float64), choice)
        winners = np.where(choice.winners < 0, np.argmax(base, axis=1), choice.winners)
        return winners.astype(np.int64) + int(self.action_space.start)

    def explain(self) -> dict[str, Any] | None:
        """For each row of the last exploring call: values, base scores, ranges, draws, winner."""
        if self._last is None:
            return None
        values, choice = self._last
        rows = []
        for i in range(values.shape[0]):
            row = choice.explain(i)
            for option, value in zip(row["options"], values[i]):
                option["value"] = float(value)
            rows.append(row)
        c = self.config
        return {"selector": "semi-random", "values": c.values, "temperature": c.temperature, "rows": rows}

    def state_dict(self) -> StateDict:
        """The generator state (the schedule is a function of ``step``)."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.rng.bit_generator.state = state["rng"]


def make_semi_random(action_space: gym.Space, config: SemiRandomConfig, *, seed: int) -> SemiRandomSelector:
    """Factory for the ``semi-random`` selector (discrete action spaces only)."""
    return SemiRandomSelector(discrete_action_space(action_space, "semi-random"), config, seed)


def register(register_fn: Register) -> None:
    """Register the ``semi-random`` selector."""
    register_fn(
        "semi-random",
        make_semi_random,
        config=SemiRandomConfig,
        description="Victoria 3 semi-random choice: draws in [X/(1+R), X*(1+R)], X from Q-values or scores.",
    )
