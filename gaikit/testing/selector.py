"""The action-selector contract: valid actions, greedy mode, seeds and resume.

Subclass :class:`SelectorContract` and provide ``action_space`` and
``make_selector`` fixtures; ``make_selector(action_space, *, seed) ->
ActionSelector``. Preferences are random: Q-values for ``Discrete`` spaces,
Gaussian ``mean``/``log_std`` for ``Box`` spaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gaikit.testing.clauses import check, guarded
from gaikit.testing.data import preferences
from gaikit.testing.statecheck import checkpoint_problem, difference, snapshot


class SelectorContract:
    """Contract tests for an action selector (see the module docstring for fixtures)."""

    #: Rows (parallel environments) per call.
    batch_size = 6
    #: Schedule positions probed: the start, early, late and far past any schedule's end.
    steps = (0, 10, 10_000, 10_000_000)

    def build(self, make_selector: Any, action_space: Any, seed: int = 0) -> Any:
        """A fresh selector; a failure violates SEL-0."""
        return guarded("SEL-0", "make_selector(action_space, seed=...)", make_selector, action_space, seed=seed)

    def select(self, selector: Any, prefs: Any, step: int, explore: bool, clause: str) -> np.ndarray:
        """``selector.select`` as an array; an exception violates ``clause``."""
        return np.asarray(guarded(clause, f"select(step={step}, explore={explore})", selector.select, prefs, step, explore))

    def sequence(self, selector: Any, action_space: Any, clause: str, seed: int = 0, calls: int = 5) -> list[np.ndarray]:
        """Actions of ``calls`` consecutive exploring calls on seeded preferences."""
        return [
            self.select(selector, preferences(action_space, self.batch_size, seed + k), k, True, clause)
            for k in range(calls)
        ]

    def test_sel_1_batch_shape(self, make_selector: Any, action_space: Any) -> None:
        """SEL-1: ``(batch,)`` for Discrete, ``(batch, *shape)`` for Box."""
        selector = self.build(make_selector, action_space)
        expected = (self.batch_size,) + tuple(action_space.shape or ())
        for explore in (True, False):
            actions = self.select(selector, preferences(action_space, self.batch_size, 1), 0, explore, "SEL-1")
            check(actions.shape == expected, "SEL-1", f"explore={explore}: shape {actions.shape}, expected {expected}")
        if isinstance(action_space, spaces.Discrete):
            check(actions.dtype.kind in "iu", "SEL-1", f"Discrete actions have dtype {actions.dtype}, expected integers")

    def test_sel_2_actions_valid(self, make_selector: Any, action_space: Any) -> None:
        """SEL-2: every row is in the action space, at every schedule position, exploring or not."""
        selector = self.build(make_selector, action_space)
        for k, step in enumerate(self.steps):
            for explore in (True, False):
                actions = self.select(selector, preferences(action_space, self.batch_size, 20 + k), step, explore, "SEL-2")
                for row, action in enumerate(actions):
                    valid = _in_space(action_space, action)
                    check(valid, "SEL-2", f"step {step}, explore={explore}, row {row}: {action.tolist()} not in {action_space}")

    def test_sel_3_greedy(self, make_selector: Any, action_space: Any) -> None:
        """SEL-3: ``explore=False`` is deterministic; for Discrete it is the argmax of the values."""
        selector = self.build(make_selector, action_space)
        prefs = preferences(action_space, self.batch_size, 3)
        for step in self.steps:
            first = self.select(selector, prefs, step, False, "SEL-3")
            second = self.select(selector, prefs, step, False, "SEL-3")
            check(np.array_equal(first, second), "SEL-3", f"step {step}: greedy actions changed between calls")
            if isinstance(action_space, spaces.Discrete):
                assert prefs.values is not None  # preferences() fills values for a Discrete space
                best = np.argmax(prefs.values, axis=1) + int(action_space.start)
                check(np.array_equal(first, best), "SEL-3", f"step {step}: greedy actions {first}, argmax {best}")

    def test_sel_4_seeded_determinism(self, make_selector: Any, action_space: Any) -> None:
        """SEL-4: two selectors with the same seed choose the same exploring actions."""
        first = self.sequence(self.build(make_selector, action_space, seed=4), action_space, "SEL-4")
        second = self.sequence(self.build(make_selector, action_space, seed=4), action_space, "SEL-4")
        found = difference(first, second, "actions")
        check(found is None, "SEL-4", f"same seed, different actions: {found}")

    def test_sel_5_state_dict_round_trip(self, make_selector: Any, action_space: Any) -> None:
        """SEL-5: a selector loaded from a snapshot continues exactly like the original."""
        source = self.build(make_selector, action_space, seed=5)
        self.sequence(source, action_space, "SEL-5", seed=0, calls=3)
        state = snapshot(guarded("SEL-5", "state_dict", source.state_dict))
        target = self.build(make_selector, action_space, seed=55)
        guarded("SEL-5", "load_state_dict", target.load_state_dict, state)
        found = difference(
            self.sequence(source, action_space, "SEL-5", seed=10),
            self.sequence(target, action_space, "SEL-5", seed=10),
            "actions",
        )
        check(found is None, "SEL-5", f"after loading, the action sequences differ (RNG state not saved?): {found}")

    def test_sel_6_state_dict_is_checkpoint_safe(self, make_selector: Any, action_space: Any) -> None:
        """SEL-6: the state survives a checkpoint round trip (gaikit.core.checkpoint) unchanged."""
        selector = self.build(make_selector, action_space)
        self.sequence(selector, action_space, "SEL-6", calls=2)
        problem = checkpoint_problem(guarded("SEL-6", "state_dict", selector.state_dict))
        check(problem is None, "SEL-6", str(problem))

    def test_sel_7_explain(self, make_selector: Any, action_space: Any) -> None:
        """SEL-7: ``explain()`` after a selection is a dict or ``None``."""
        selector = self.build(make_selector, action_space)
        self.sequence(selector, action_space, "SEL-7", calls=1)
        explained = guarded("SEL-7", "explain()", selector.explain)
        check(explained is None or isinstance(explained, dict), "SEL-7", f"explain() returned {type(explained).__name__}")

    def test_sel_8_per_actor(self, make_selector: Any, action_space: Any) -> None:
        """SEL-8: as each of 4 actor–learner collectors (``set_actor``), the selector still chooses valid actions."""
        count = 4
        for index in range(count):
            selector = self.build(make_selector, action_space, seed=8)
            guarded("SEL-8", f"set_actor({index}, {count})", selector.set_actor, index, count)
            for k, step in enumerate(self.steps):
                actions = self.select(selector, preferences(action_space, self.batch_size, 80 + k), step, True, "SEL-8")
                for row, action in enumerate(actions):
                    check(_in_space(action_space, action), "SEL-8",
                          f"actor {index} of {count}, step {step}, row {row}: {action.tolist()} not in {action_space}")


def _in_space(space: spaces.Space, action: np.ndarray) -> bool:
    if isinstance(space, spaces.Discrete):
        return bool(np.ndim(action) == 0 and space.start <= int(action) < space.start + space.n)
    if isinstance(space, spaces.Box):
        action = np.asarray(action, dtype=np.float64)
        return bool(
            action.shape == space.shape
            and np.isfinite(action).all()
            and (action >= space.low - 1e-6).all()
            and (action <= space.high + 1e-6).all()
        )
    return bool(space.contains(action))
