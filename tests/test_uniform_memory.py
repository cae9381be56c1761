"""The ``uniform`` memory: n-step windows, discounts, multi-env rings, state round trip."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaikit.core.components import Transition
from gaikit.core.errors import GaikitError
from gaikit.plugins.memories.uniform import UniformMemoryConfig, make_uniform_memory

GAMMA = 0.9
OBS_SPACE = gym.spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float32)
ACTIONS = gym.spaces.Discrete(3)


def make_memory(capacity=100, n_step=1, num_envs=1, gamma=GAMMA, seed=0, obs_space=OBS_SPACE):
    config = UniformMemoryConfig(capacity=capacity, n_step=n_step)
    return make_uniform_memory(obs_space, ACTIONS, config, num_envs=num_envs, gamma=gamma, seed=seed)


def tag(env, t):
    """An observation that says which env and step it came from."""
    return np.array([env, t], dtype=np.float32)


def feed(memory, flags, num_envs=1, rewards=None):
    """Add ``len(flags)`` steps; ``flags[t][e]`` is ``""``, ``"term"`` or ``"trunc"``.

    obs of (e, t) is ``[e, t]``; next_obs is ``[e, t + 0.5]`` (a distinct "successor" marker);
    reward of (e, t) is ``rewards[t][e]`` or ``1 + t + 100 * e``.
    """
    for t, row in enumerate(flags):
        obs = np.stack([tag(e, t) for e in range(num_envs)])
        next_obs = obs + np.array([0.0, 0.5], dtype=np.float32)
        r = np.array([rewards[t][e] if rewards else 1 + t + 100 * e for e in range(num_envs)], dtype=np.float32)
        memory.add(Transition(
            obs=obs,
            actions=np.full(num_envs, t % 3),
            rewards=r,
            next_obs=next_obs,
            terminated=np.array([row[e] == "term" for e in range(num_envs)]),
            truncated=np.array([row[e] == "trunc" for e in range(num_envs)]),
        ))


def reference(flags, rewards, e, t, n_step, gamma):
    """(return, discount, index of the step whose next_obs bootstraps) by brute force."""
    total, k = 0.0, 0
    while True:
        total += gamma**k * rewards[t + k][e]
        if flags[t + k][e] == "term":
            return total, 0.0, t + k
        if flags[t + k][e] == "trunc":
            return total, gamma ** (k + 1), t + k
        k += 1
        if k == n_step:
            return total, gamma**n_step, t + k - 1


def check_batch(batch, flags, rewards, n_step, gamma):
    for i in range(len(batch.actions)):
        e, t = int(batch.obs[i][0]), int(batch.obs[i][1])
        expected_return, expected_discount, last = reference(flags, rewards, e, t, n_step, gamma)
        assert batch.actions[i] == t % 3
        assert batch.rewards[i] == pytest.approx(expected_return, rel=1e-6)
        assert batch.discounts[i] == pytest.approx(expected_discount, rel=1e-6)
        assert batch.next_obs[i].tolist() == [e, last + 0.5]


def test_one_step_discounts_terminal_zero_truncation_gamma():
    memory = make_memory(n_step=1)
    feed(memory, [[""], ["term"], [""], ["trunc"]])
    batch = memory.sample(400)
    by_t = {int(o[1]): (r, d) for o, r, d in zip(batch.obs, batch.rewards, batch.discounts)}
    assert sorted(by_t) == [0, 1, 2, 3]
    assert by_t[0][1] == pytest.approx(GAMMA)
    assert by_t[1][1] == 0.0  # terminated: no bootstrap
    assert by_t[3][1] == pytest.approx(GAMMA)  # truncated: still bootstraps
    assert np.all(batch.weights == 1.0)
    assert batch.rewards.dtype == np.float32 and batch.discounts.dtype == np.float32


def test_n_step_window_cut_by_termination_and_truncation():
    # episode A: steps 0-2, terminated at 2; episode B: steps 3-4, truncated at 4; episode C: 5-8.
    flags = [[""], [""], ["term"], [""], ["trunc"], [""], [""], [""], [""]]
    rewards = [[1.0], [2.0], [4.0], [8.0], [16.0], [1.0], [1.0], [1.0], [1.0]]
    memory = make_memory(n_step=3)
    feed(memory, flags, rewards=rewards)
    assert len(memory) == len(flags) - 2  # the newest n-1 steps wait for their windows
    batch = memory.sample(500)
    rows = {
        int(o[1]): (float(r), float(d), *n.tolist())
        for o, r, d, n in zip(batch.obs, batch.rewards, batch.discounts, batch.next_obs)
    }
    assert sorted(rows) == list(range(7))
    assert rows[0] == pytest.approx((1 + 0.9 * 2 + 0.81 * 4, 0.0, 0, 2.5))  # ends in termination
    assert rows[1] == pytest.approx((2 + 0.9 * 4, 0.0, 0, 2.5))
    assert rows[2] == pytest.approx((4.0, 0.0, 0, 2.5))
    # episode B is cut by truncation: bootstraps from the truncation obs with gamma**k
    assert rows[3] == pytest.approx((8 + 0.9 * 16, 0.81, 0, 4.5))
    assert rows[4] == pytest.approx((16.0, 0.9, 0, 4.5))
    # a full window in episode C never reaches back into B
    assert rows[5] == pytest.approx((1 + 0.9 + 0.81, 0.729, 0, 7.5))


def test_windows_stay_in_their_env_when_envs_interleave():
    flags = [["", "term"], ["", ""], ["term", ""], ["", ""], ["", ""]]
    rewards = [[1 + t + 100 * e for e in range(2)] for t in range(len(flags))]
    memory = make_memory(n_step=2, num_envs=2)
    feed(memory, flags, num_envs=2)
    batch = memory.sample(300)
    check_batch(batch, flags, rewards, 2, GAMMA)
    assert {int(e) for e in batch.obs[:, 0]} == {0, 1}
    assert np.array_equal(np.unique(batch.indices), np.arange(len(memory)))


def test_ring_overwrites_oldest_and_never_samples_broken_windows():
    flags = [[""]] * 12
    rewards = [[1.0 + t] for t in range(12)]
    memory = make_memory(capacity=5, n_step=2)
    feed(memory, flags)
    assert len(memory) == 4
    batch = memory.sample(400)
    assert sorted({int(o[1]) for o in batch.obs}) == [7, 8, 9, 10]  # 11 waits for step 12
    check_batch(batch, flags, rewards, 2, GAMMA)


@settings(max_examples=40, deadline=None)
@given(
    num_envs=st.integers(1, 3),
    n_step=st.integers(1, 4),
    rows=st.integers(4, 9),
    data=st.data(),
)
def test_sampled_windows_match_brute_force(num_envs, n_step, rows, data):
    steps = data.draw(st.integers(n_step, 20))
    step_flags = st.lists(st.sampled_from(["", "", "term", "trunc"]), min_size=num_envs, max_size=num_envs)
    flags = data.draw(st.lists(step_flags, min_size=steps, max_size=steps))
    rewards = [[1 + t + 100 * e for e in range(num_envs)] for t in range(steps)]
    memory = make_memory(capacity=rows * num_envs, n_step=n_step, num_envs=num_envs)
    feed(memory, flags, num_envs=num_envs)
    kept = min(steps, rows)
    assert len(memory) == max(0, kept - (n_step - 1)) * num_envs
    if len(memory) == 0:
        with pytest.raises(GaikitError, match="nothing to sample"):
            memory.sample(1)
        return
    batch = memory.sample(64)
    oldest = steps - kept
    assert all(oldest <= int(t) <= steps - n_step for t in batch.obs[:, 1])
    check_batch(batch, flags, rewards, n_step, GAMMA)


def test_state_dict_round_trip_resumes_exactly():
    memory = make_memory(capacity=8, n_step=2, num_envs=2, seed=3)
    feed(memory, [["", ""], ["term", ""], ["", "trunc"], ["", ""], ["", ""], ["", ""]], num_envs=2)
    memory.sample(5)  # advance the generator
    state = memory.state_dict()
    assert isinstance(state["storage"]["obs"]["obs"], np.ndarray)
    assert isinstance(state["rng"]["state"]["state"], int)  # JSON-able generator state

    restored = make_memory(capacity=8, n_step=2, num_envs=2, seed=99)
    restored.load_state_dict(state)
    assert len(restored) == len(memory)
    for mem in (memory, restored):
        feed(mem, [["", ""], ["term", ""]], num_envs=2)  # continues at the same cursor
    a, b = memory.sample(32), restored.sample(32)
    for field in ("actions", "rewards", "discounts", "indices", "weights", "obs", "next_obs"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_load_rejects_a_different_layout():
    state = make_memory(capacity=8, num_envs=2).state_dict()
    with pytest.raises(GaikitError, match="same capacity and --envs"):
        make_memory(capacity=8, num_envs=1).load_state_dict(state)


def test_same_seed_same_samples_different_seed_differs():
    def sample(seed):
        memory = make_memory(seed=seed)
        feed(memory, [[""]] * 50)
        return memory.sample(20).indices

    assert np.array_equal(sample(1), sample(1))
    assert not np.array_equal(sample(1), sample(2))


def test_dict_observations_store_every_key():
    space = gym.spaces.Dict(
        {"pixels": gym.spaces.Box(0, 255, (2, 2), np.uint8), "ram": gym.spaces.Box(0, 255, (3,), np.uint8)}
    )
    memory = make_memory(n_step=2, num_envs=2, obs_space=space)
    for t in range(4):
        obs = {"pixels": np.full((2, 2, 2), t, np.uint8), "ram": np.array([[t, 0, 0], [t, 1, 1]], np.uint8)}
        nxt = {"pixels": obs["pixels"] + 10, "ram": obs["ram"] + np.array([[10, 0, 0]], np.uint8)}
        memory.add(Transition(obs, np.array([0, 1]), np.ones(2), nxt, np.array([t == 1, False]), np.zeros(2, bool)))
    batch = memory.sample(50)
    assert set(batch.obs) == {"pixels", "ram"} and batch.obs["pixels"].dtype == np.uint8
    for i in range(50):
        t, env = int(batch.obs["ram"][i][0]), int(batch.obs["ram"][i][1])
        assert batch.obs["pixels"][i].tolist() == [[t, t], [t, t]]
        last = t if (t == 1 and env == 0) else t + 1  # env 0 terminated at t=1
        assert batch.next_obs["ram"][i].tolist() == [last + 10, env, env]
        assert batch.next_obs["pixels"][i][0][0] == last + 10
    state = memory.state_dict()
    assert set(state["storage"]["obs"]) == {"pixels", "ram"}
    with pytest.raises(GaikitError, match="observation keys"):
        memory.add(Transition({"pixels": obs["pixels"]}, np.array([0, 1]), np.ones(2), nxt, np.zeros(2, bool), np.zeros(2, bool)))


def test_capacity_below_n_step_and_wrong_row_counts_are_clear_errors():
    with pytest.raises(GaikitError, match="fewer than n_step=3"):
        make_memory(capacity=4, n_step=3, num_envs=2)
    memory = make_memory(num_envs=2)
    with pytest.raises(GaikitError, match="rewards must have 2 rows"):
        memory.add(Transition(np.zeros((2, 2)), np.zeros(2), np.zeros(3), np.zeros((2, 2)), np.zeros(2, bool), np.zeros(2, bool)))
