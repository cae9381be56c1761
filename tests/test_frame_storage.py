"""Frame storage: stacks rebuilt at sampling equal the observations that were added.

A synthetic vector env produces frame stacks whose frames carry unique ids, with
every kind of episode start an Atari env produces: zero padding (ale-py's
``AtariVectorEnv``), the first frame repeated, and the same stack going on
(a life-loss "terminal"). Every sampleable start is then checked against the
recorded step, including n-step returns and the final ``next_obs``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaikit.core.components import Transition
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.memories.frame_storage import FrameStorage
from gaikit.plugins.memories.nstep import n_step_batch

GAMMA = 0.9
ACTIONS = gym.spaces.Discrete(4)
RESETS = ("zeros", "first", "continue")


class StackedEnvs:
    """``num_envs`` envs whose observations are stacks of ``k`` frames ``[frame_id, env]``.

    With ``ram_stack`` the observation is a Dict: ``pixels`` (the frame stack),
    ``ram`` (a second stack of ``ram_stack`` frames) and ``score`` (unstacked).
    """

    def __init__(self, num_envs, k, rng, ram_stack=0):
        self.num_envs, self.k, self.rng, self.ram_stack = num_envs, k, rng, ram_stack
        self.next_id = 1
        self.pixels = np.zeros((num_envs, k, 2), np.int64)
        self.ram = np.zeros((num_envs, max(ram_stack, 1), 3), np.int64)
        for e in range(num_envs):
            self._reset(e, "zeros")

    def _frame(self, e):
        self.next_id += 1
        return np.array([self.next_id, e])

    def _reset(self, e, mode):
        if mode == "continue":
            return  # the same stack goes on (Atari life loss)
        frame = self._frame(e)
        self.pixels[e] = 0 if mode == "zeros" else frame
        self.pixels[e, -1] = frame
        self.ram[e] = 0 if mode == "zeros" else np.append(frame, 7)
        self.ram[e, -1] = np.append(frame, 7)

    def observation(self, pixels=None, ram=None):
        pixels = self.pixels if pixels is None else pixels
        if not self.ram_stack:
            return pixels.copy()
        ram = self.ram if ram is None else ram
        return {"pixels": pixels.copy(), "ram": ram.copy(), "score": pixels[:, -1, :1].astype(np.float32) * 0.5}

    def step(self, p_end):
        obs = self.observation()
        pixels, ram = np.roll(self.pixels, -1, axis=1), np.roll(self.ram, -1, axis=1)
        for e in range(self.num_envs):
            pixels[e, -1] = self._frame(e)
            ram[e, -1] = np.append(pixels[e, -1], 7)
        next_obs = self.observation(pixels, ram)
        ends = self.rng.random((self.num_envs, 2)) < p_end
        terminated, truncated = ends[:, 0], ends[:, 1] & ~ends[:, 0]
        self.pixels, self.ram = pixels, ram
        for e in np.flatnonzero(terminated | truncated):
            self._reset(e, RESETS[self.rng.integers(3)])
        return obs, next_obs, terminated, truncated


def pick(obs, i):
    """Row ``i`` of an observation batch."""
    return {k: v[i] for k, v in obs.items()} if isinstance(obs, dict) else obs[i]


def same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


def run(storage, envs, steps, p_end):
    """Feed ``steps`` steps; returns per-env step records and ``flat index -> (env, step)``."""
    records = [[] for _ in range(envs.num_envs)]
    where = {}
    for t in range(steps):
        obs, next_obs, term, trunc = envs.step(p_end)
        rewards = np.array([1.0 + t + 100 * e for e in range(envs.num_envs)], np.float32)
        storage.append(Transition(obs, np.full(envs.num_envs, t % 4), rewards, next_obs, term, trunc))
        for e in range(envs.num_envs):
            records[e].append((pick(obs, e), pick(next_obs, e), rewards[e], bool(term[e]), bool(trunc[e])))
            where[int((storage.head[e] - 1) % storage.rows) * envs.num_envs + e] = (e, len(records[e]) - 1)
    return records, where


def expected_window(records, e, t, n_step):
    """(return, discount, next_obs, complete) by brute force over env ``e``'s steps."""
    total = 0.0
    for j in range(n_step):
        if t + j >= len(records[e]):
            return None
        _, next_obs, reward, term, trunc = records[e][t + j]
        total += GAMMA**j * reward
        if term:
            return total, 0.0, next_obs
        if trunc or j == n_step - 1:
            return total, GAMMA ** (j + 1), next_obs


def check_every_sampleable_start(storage, records, where, n_step):
    flat = np.flatnonzero(storage.valid.reshape(-1))
    assert flat.shape[0] == storage.sampleable()
    if flat.shape[0] == 0:
        return flat
    rows, envs = np.divmod(flat, storage.num_envs)
    batch = n_step_batch(storage, rows, envs, n_step=n_step, gamma=GAMMA, weights=np.ones(flat.shape[0]))
    for i, index in enumerate(flat):
        e, t = where[int(index)]
        expected = expected_window(records, e, t, n_step)
        assert expected is not None, "a start whose n-step window is incomplete was sampleable"
        assert same(pick(batch.obs, i), records[e][t][0])
        assert batch.actions[i] == t % 4
        assert batch.rewards[i] == pytest.approx(expected[0], rel=1e-6)
        assert batch.discounts[i] == pytest.approx(expected[1], rel=1e-6)
        assert same(pick(batch.next_obs, i), expected[2])
    return flat


@settings(max_examples=60, deadline=None)
@given(
    num_envs=st.integers(1, 3),
    k=st.integers(1, 4),
    n_step=st.integers(1, 3),
    extra_rows=st.integers(0, 25),
    steps=st.integers(1, 70),
    p_end=st.sampled_from([0.0, 0.1, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_rebuilt_stacks_and_windows_match_what_was_added(num_envs, k, n_step, extra_rows, steps, p_end, seed):
    envs = StackedEnvs(num_envs, k, np.random.default_rng(seed))
    space = gym.spaces.Box(0, 10**9, (k, 2), np.int64)
    storage = FrameStorage(space, ACTIONS, n_step + 3 * k + 1 + extra_rows, num_envs, n_step=n_step, stacked=True)
    records, where = run(storage, envs, steps, p_end)
    check_every_sampleable_start(storage, records, where, n_step)


def test_without_wrapping_every_complete_window_is_sampleable():
    envs = StackedEnvs(3, 4, np.random.default_rng(5))
    storage = FrameStorage(gym.spaces.Box(0, 10**9, (4, 2), np.int64), ACTIONS, 500, 3, n_step=3, stacked=True)
    records, where = run(storage, envs, 120, 0.08)
    flat = check_every_sampleable_start(storage, records, where, 3)
    complete = {(e, t) for e in range(3) for t in range(120) if expected_window(records, e, t, 3) is not None}
    assert {where[int(i)] for i in flat} == complete
    assert sum(r[3] or r[4] for rec in records for r in rec) > 10  # many episode boundaries were crossed
    assert storage.cuts == 0  # a consistent stream is never cut


def test_dict_with_two_stack_sizes_and_an_unstacked_key():
    envs = StackedEnvs(2, 4, np.random.default_rng(1), ram_stack=2)
    space = gym.spaces.Dict({
        "pixels": gym.spaces.Box(0, 10**9, (4, 2), np.int64),
        "ram": gym.spaces.Box(0, 10**9, (2, 3), np.int64),
        "score": gym.spaces.Box(0, np.inf, (1,), np.float32),
    })
    storage = FrameStorage(space, ACTIONS, 60, 2, n_step=2, stacked=["pixels", "ram"])
    records, where = run(storage, envs, 200, 0.1)  # wraps the 60-row ring several times
    assert check_every_sampleable_start(storage, records, where, 2).shape[0] > 20


def test_life_loss_continuation_costs_no_extra_rows_and_resets_cost_k_plus_one():
    space = gym.spaces.Box(0, 10**9, (3, 2), np.int64)
    storage = FrameStorage(space, ACTIONS, 50, 1, n_step=1, stacked=True)
    envs = StackedEnvs(1, 3, np.random.default_rng(0))
    step = lambda term: (lambda o, n, *_: storage.append(Transition(o, [0], [1.0], n, [term], [False])))(*envs.step(0.0))
    step(False)
    assert storage.head[0] == 3  # first obs: 3 fresh rows, then the next frame
    step(True)
    envs._reset(0, "continue")
    step(False)
    assert storage.head[0] == 5  # the continued stack reused the final row
    step(True)
    envs._reset(0, "zeros")
    step(False)
    assert storage.head[0] == 6 + 3 + 1  # a reset: its whole stack (3 rows), then the next frame


def test_a_discontinuous_obs_cuts_the_trajectory_as_a_truncation():
    space = gym.spaces.Box(0, 10**9, (2, 2), np.int64)
    storage = FrameStorage(space, ACTIONS, 40, 1, n_step=3, stacked=True)
    envs = StackedEnvs(1, 2, np.random.default_rng(0))
    records, where = run(storage, envs, 4, 0.0)
    assert storage.sampleable() == 2  # steps 0 and 1 have full 3-step windows
    envs._reset(0, "zeros")  # e.g. environments restarted on resume, no terminal reported
    more, more_where = run(storage, envs, 1, 0.0)
    assert storage.cuts == 1 and storage.sampleable() == 4
    rows, envs_ = np.divmod(np.flatnonzero(storage.valid.reshape(-1)), 1)
    batch = n_step_batch(storage, rows, envs_, n_step=3, gamma=GAMMA, weights=np.ones(4))
    by_step = {where[int(r)][1]: i for i, r in enumerate(rows) if int(r) in where}
    last = by_step[3]  # the step before the cut bootstraps from its own exact next_obs
    assert batch.discounts[last] == pytest.approx(GAMMA)
    assert np.array_equal(batch.next_obs[last], records[0][3][1])
    assert batch.discounts[by_step[2]] == pytest.approx(GAMMA**2)


def test_stacked_option_that_does_not_match_the_data_is_a_clear_error():
    space = gym.spaces.Box(0, 255, (3, 4), np.uint8)  # e.g. 3 colour channels, not a stack
    storage = FrameStorage(space, ACTIONS, 40, 1, n_step=1, stacked=True)
    obs = np.random.default_rng(0).integers(0, 255, (1, 3, 4), dtype=np.uint8)
    with pytest.raises(GaikitError, match="does not shift obs by one frame"):
        storage.append(Transition(obs, [0], [0.0], obs[:, ::-1], [False], [False]))
    with pytest.raises(GaikitError, match="unknown observation key 'pixel'"):
        FrameStorage(gym.spaces.Dict({"pixels": space}), ACTIONS, 40, 1, n_step=1, stacked=["pixel"])
    with pytest.raises(GaikitError, match="at least 13 rows per env"):
        FrameStorage(space, ACTIONS, 12, 1, n_step=3, stacked=True)
    with pytest.raises(GaikitError, match=r"obs has shape \(2, 3, 4\), expected \(1, 3, 4\)"):
        storage.append(Transition(np.zeros((2, 3, 4), np.uint8), [0], [0.0], obs, [False], [False]))


def test_state_round_trip_continues_identically():
    space = gym.spaces.Box(0, 10**9, (4, 2), np.int64)
    a = FrameStorage(space, ACTIONS, 45, 2, n_step=2, stacked=True)
    envs = StackedEnvs(2, 4, np.random.default_rng(3))
    run(a, envs, 30, 0.15)
    b = FrameStorage(space, ACTIONS, 45, 2, n_step=2, stacked=True)
    b.load_state_dict(a.state_dict())
    for _ in range(40):  # both continue from the same stream, through a wrap of the ring
        obs, next_obs, term, trunc = envs.step(0.15)
        changes = [s.append(Transition(obs, [1, 2], [0.5, 0.5], next_obs, term, trunc)) for s in (a, b)]
        assert all(np.array_equal(getattr(changes[0], f), getattr(changes[1], f)) for f in ("added", "dropped"))
    for name in ("valid", "rewards", "terminated", "truncated", "actions", "head", "episode_steps"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.frames[None], b.frames[None])
    with pytest.raises(CheckpointError, match="same capacity"):
        FrameStorage(space, ACTIONS, 46, 2, n_step=2, stacked=True).load_state_dict(a.state_dict())


def test_uniform_memory_gets_the_same_frame_storage():
    from gaikit.plugins.memories.uniform import UniformMemoryConfig, make_uniform_memory

    space = gym.spaces.Box(0, 10**9, (4, 2), np.int64)
    config = UniformMemoryConfig(capacity=2 * 80, n_step=2, stacked=True)
    memory = make_uniform_memory(space, ACTIONS, config, num_envs=2, gamma=GAMMA, seed=0)
    assert isinstance(memory.storage, FrameStorage)
    envs = StackedEnvs(2, 4, np.random.default_rng(2))
    records, where = run(memory.storage, envs, 150, 0.1)  # wraps the ring
    check_every_sampleable_start(memory.storage, records, where, 2)
    batch = memory.sample(500)
    valid = set(np.flatnonzero(memory.storage.valid.reshape(-1)).tolist())
    assert set(batch.indices.tolist()) <= valid and len(set(batch.indices.tolist())) > 0.8 * len(valid)
    assert np.all(batch.weights == 1.0)
