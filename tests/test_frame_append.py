"""The one-env fast path of ``FrameStorage.append`` leaves exactly the state the general path leaves."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from test_frame_storage import StackedEnvs

from gaikit.core.errors import GaikitError
from gaikit.plugins.memories import frame_storage
from gaikit.plugins.memories.frame_append import append_single_env
from gaikit.plugins.memories.frame_storage import FrameStorage

ACTIONS = gym.spaces.Discrete(4)


def general_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``FrameStorage.append`` in this test take the general (batched) path."""
    monkeypatch.setattr(frame_storage, "append_single_env", lambda *args: None)


def assert_same_state(fast: FrameStorage, general: FrameStorage) -> None:
    for name in ("valid", "rewards", "terminated", "truncated", "actions", "head", "episode_steps", "ended"):
        a, b = getattr(fast, name), getattr(general, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    for key in fast.frames:
        assert np.array_equal(fast.frames[key], general.frames[key]), key
    assert (fast.valid_count, fast.cuts) == (general.valid_count, general.cuts)


def restart(obs, bump):
    """An observation that does not continue the previous one (what a resume without env state gives)."""
    return {k: v + bump for k, v in obs.items()} if isinstance(obs, dict) else obs + bump


@pytest.mark.parametrize("n_step", [1, 3])
@pytest.mark.parametrize("ram_stack", [0, 2])
def test_fast_path_equals_general_path(n_step, ram_stack, monkeypatch) -> None:
    if ram_stack:
        space = gym.spaces.Dict({
            "pixels": gym.spaces.Box(0, 10**9, (4, 2), np.int64),
            "ram": gym.spaces.Box(0, 10**9, (ram_stack, 3), np.int64),
            "score": gym.spaces.Box(0, 10**9, (1,), np.float32),
        })
        stacked: bool | list[str] = ["pixels", "ram"]
    else:
        space, stacked = gym.spaces.Box(0, 10**9, (4, 2), np.int64), True
    rows = 60  # small: the ring wraps many times, through the declined (general) rows too
    fast = FrameStorage(space, ACTIONS, rows, 1, n_step=n_step, stacked=stacked)
    general = FrameStorage(space, ACTIONS, rows, 1, n_step=n_step, stacked=stacked)
    if ram_stack:  # a float key: the fast path declines (byte equality is not float equality)
        assert append_single_env(fast, {}, {}, [0], [0.0], [False], [False]) is None
    envs = StackedEnvs(1, 4, np.random.default_rng(n_step + ram_stack), ram_stack=ram_stack)
    rng = np.random.default_rng(7)
    taken = errors = 0
    for t in range(1500):
        obs, next_obs, term, trunc = envs.step(0.05)
        if t % 37 == 20:  # a cut; now and then with a next_obs that does not continue obs (an error)
            bump = int(rng.integers(10**6, 2 * 10**6))
            obs, next_obs = restart(obs, bump), restart(next_obs, bump + (t % 3 == 0))
        args = (obs, np.array([t % 4]), np.array([0.25 * t], np.float64), next_obs, term, trunc)
        try:
            got = fast.append(*args)
        except GaikitError as error:
            with monkeypatch.context() as patch:
                general_only(patch)
                with pytest.raises(GaikitError, match=str(error)[:40]):
                    general.append(*args)
            errors += 1
            continue
        with monkeypatch.context() as patch:
            general_only(patch)
            want = general.append(*args)
        for field in ("added", "dropped"):
            a, b = getattr(got, field), getattr(want, field)
            assert a.dtype == b.dtype and a.tolist() == b.tolist(), (t, field)
        assert_same_state(fast, general)
        taken += int(not ram_stack)
    assert fast.cuts > 5 and errors > 5
    if not ram_stack:
        assert taken > 1000


def test_fast_path_is_taken_for_uint8_frames(monkeypatch) -> None:
    """Atari RAM: uint8 stacks of 128 bytes, life-loss terminals that keep the stack going."""
    space = gym.spaces.Box(0, 255, (4, 128), np.uint8)
    fast = FrameStorage(space, ACTIONS, 200, 1, n_step=2, stacked=True)
    general = FrameStorage(space, ACTIONS, 200, 1, n_step=2, stacked=True)
    calls = []
    original = frame_storage.append_single_env
    monkeypatch.setattr(frame_storage, "append_single_env", lambda *a: calls.append(original(*a)) or calls[-1])
    rng = np.random.default_rng(0)
    obs = np.zeros((1, 4, 128), np.uint8)
    obs[0, -1] = rng.integers(0, 256, 128)
    for t in range(600):
        next_obs = np.concatenate([obs[:, 1:], rng.integers(0, 256, (1, 1, 128)).astype(np.uint8)], axis=1)
        term, trunc = np.array([t % 37 == 36]), np.array([t % 101 == 100])
        got = fast.append(obs, np.array([t % 4]), np.array([1.0]), next_obs, term, trunc)
        with monkeypatch.context() as patch:
            general_only(patch)
            want = general.append(obs, np.array([t % 4]), np.array([1.0]), next_obs, term, trunc)
        assert got.added.tolist() == want.added.tolist() and got.dropped.tolist() == want.dropped.tolist()
        obs = next_obs
        if trunc[0]:  # a new game: a zero-padded stack
            obs = np.zeros((1, 4, 128), np.uint8)
            obs[0, -1] = rng.integers(0, 256, 128)
    assert_same_state(fast, general)
    assert sum(change is not None for change in calls) > 500
