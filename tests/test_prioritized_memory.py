"""The ``prioritized`` memory: proportional sampling, IS weights, priority updates, n-step, resume."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.components import Transition
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.core.registry import get_registry
from gaikit.plugins.memories.prioritized import PrioritizedMemoryConfig, make_prioritized_memory

GAMMA = 0.9
OBS = gym.spaces.Box(-np.inf, np.inf, (2,), np.float32)
ACTIONS = gym.spaces.Discrete(3)
STORAGES = ("arrays", "frames")


def make_memory(num_envs=1, seed=0, obs_space=OBS, **options):
    config = PrioritizedMemoryConfig(**{"capacity": 100, **options})
    return make_prioritized_memory(obs_space, ACTIONS, config, num_envs=num_envs, gamma=GAMMA, seed=seed)


def feed(memory, flags, num_envs=1, start=0):
    """Steps of a continuous stream: obs of (e, t) is ``[e, t]``; next_obs is ``[e, t + 1]``,
    or the final ``[e, t + 0.5]`` when the episode ended (the next obs is then a reset)."""
    for t, row in enumerate(flags, start=start):
        term = np.array([row[e] == "term" for e in range(num_envs)])
        trunc = np.array([row[e] == "trunc" for e in range(num_envs)])
        obs = np.array([[e, t] for e in range(num_envs)], np.float32)
        next_obs = obs + np.where((term | trunc)[:, None], [0.0, 0.5], [0.0, 1.0]).astype(np.float32)
        rewards = np.array([1 + t + 100 * e for e in range(num_envs)], np.float32)
        memory.add(Transition(obs, np.full(num_envs, t % 3), rewards, next_obs, term, trunc))


def leaf_priorities(memory):
    memory._flush()
    return np.asarray(memory.tree.leaves[: memory.storage.rows * memory.num_envs])


@pytest.mark.parametrize("storage", STORAGES)
def test_n_step_windows_match_uniform_semantics(storage):
    flags = [[""], [""], ["term"], [""], ["trunc"], [""], [""], [""], [""]]
    memory = make_memory(n_step=3, storage=storage)
    feed(memory, flags)
    batch = memory.sample(400)
    got = {int(o[1]): (float(r), float(d), float(n[1])) for o, r, d, n in zip(batch.obs, batch.rewards, batch.discounts, batch.next_obs)}
    assert got[0] == pytest.approx((1 + 0.9 * 2 + 0.81 * 3, 0.0, 2.5))  # ends in termination
    assert got[2] == pytest.approx((3.0, 0.0, 2.5))
    assert got[3] == pytest.approx((4 + 0.9 * 5, 0.81, 4.5))  # cut by truncation: still bootstraps
    assert got[5] == pytest.approx((6 + 0.9 * 7 + 0.81 * 8, 0.729, 8.0))  # a full window
    assert sorted(got) == list(range(7))  # the newest n-1 steps wait for their windows


@pytest.mark.parametrize("batch_size, batches", [(1, 5000), (64, 200)])
def test_sampling_frequencies_are_proportional_to_priority_to_the_alpha(batch_size, batches):
    """Batch size 1 is plain proportional sampling, so the chi-square statistic over 20 starts
    follows a chi-square law with 19 degrees of freedom: P(> 43.8) = 0.001. Larger batches are
    stratified (one draw per segment): the same expected frequencies with less variance."""
    memory = make_memory(capacity=64, alpha=0.7, storage="frames")
    feed(memory, [[""]] * 20)
    assert len(memory) == 20
    td = np.random.default_rng(1).uniform(0.0, 4.0, 20)
    starts = np.unique(memory.sample(256).indices)
    assert starts.shape[0] == 20
    memory.update_priorities(starts, td)
    counts = np.zeros(20)
    for _ in range(batches):
        counts += np.bincount(np.searchsorted(starts, memory.sample(batch_size).indices), minlength=20)
    draws = batch_size * batches

    def chi2(weights):
        expected = draws * weights / weights.sum()
        return float(((counts - expected) ** 2 / expected).sum())

    assert chi2((td + 1e-6) ** 0.7) < 43.8
    assert chi2(td + 1e-6) > 43.8  # alpha = 1 instead of 0.7 is rejected at the same level


def test_importance_weights_match_the_formula_and_beta_anneals_linearly():
    memory = make_memory(capacity=64, alpha=0.5, beta=0.4, beta_steps=40, num_envs=2)
    feed(memory, [["", ""]] * 10, num_envs=2)  # 20 env steps stored: half way
    assert memory.beta == pytest.approx(0.4 + 0.6 * 20 / 40)
    starts = np.unique(memory.sample(512).indices)
    memory.update_priorities(starts, np.linspace(0.1, 3.0, starts.shape[0]))
    batch = memory.sample(32)
    p = leaf_priorities(memory)
    probabilities = p / p.sum()
    n = len(memory)
    raw = (n * probabilities[batch.indices]) ** -memory.beta
    max_weight = (n * probabilities[p > 0].min()) ** -memory.beta
    np.testing.assert_allclose(batch.weights, raw / max_weight, rtol=1e-5)
    assert batch.weights.max() <= 1.0
    feed(memory, [["", ""]] * 20, num_envs=2, start=10)
    assert memory.beta == 1.0  # reached 1 and stays there


def test_priority_updates_take_effect_and_new_starts_get_the_max_priority():
    memory = make_memory(capacity=64, alpha=1.0, epsilon=0.01)
    feed(memory, [[""]] * 11)
    starts = np.unique(memory.sample(256).indices)
    low = np.full(starts.shape[0], 0.0)
    low[3] = 50.0
    memory.update_priorities(starts, low)
    batch = memory.sample(100)
    assert np.mean(batch.indices == starts[3]) > 0.9  # 50.01 against 9 x 0.01
    # a repeated index keeps its last value
    memory.update_priorities(np.array([starts[3], starts[3]]), np.array([50.0, 0.0]))
    assert leaf_priorities(memory)[starts[3]] == pytest.approx(0.01)
    feed(memory, [[""]], start=11)  # completes one more start: it gets the max priority seen (50.01)
    p = leaf_priorities(memory)
    assert p.max() == pytest.approx(50.01) and np.count_nonzero(p == p.max()) == 1


@pytest.mark.parametrize("storage", STORAGES)
def test_tree_and_storage_agree_through_wraps_episodes_and_stale_updates(storage):
    memory = make_memory(capacity=2 * 30, n_step=2, num_envs=2, storage=storage, seed=4)
    rng = np.random.default_rng(0)
    for t in range(150):
        flags = [rng.choice(["", "", "", "", "term", "trunc"]) for _ in range(2)]
        feed(memory, [flags], num_envs=2, start=t)
        if t % 5 == 0 and len(memory):
            batch = memory.sample(16)
            feed(memory, [["", ""]] * 3, num_envs=2, start=1000 + t)  # starts may be overwritten meanwhile
            memory.update_priorities(batch.indices, rng.uniform(0, 3, 16))
        p = leaf_priorities(memory)
        flat = np.arange(p.shape[0])
        assert np.array_equal(p > 0, memory.storage.is_sampleable(flat))
        assert np.count_nonzero(p) == len(memory)


def test_state_dict_round_trip_gives_identical_samples():
    space = gym.spaces.Dict({"pixels": gym.spaces.Box(0, 255, (4, 3, 3), np.uint8), "ram": gym.spaces.Box(0, 255, (4, 5), np.uint8)})
    rng = np.random.default_rng(0)

    def steps(memory, count, seed):
        local = np.random.default_rng(seed)
        pixels, ram = local.integers(0, 255, (2, 4, 3, 3), dtype=np.uint8), local.integers(0, 255, (2, 4, 5), dtype=np.uint8)
        for _ in range(count):
            new_p, new_r = local.integers(0, 255, (2, 1, 3, 3), dtype=np.uint8), local.integers(0, 255, (2, 1, 5), dtype=np.uint8)
            nxt_p, nxt_r = np.concatenate([pixels[:, 1:], new_p], 1), np.concatenate([ram[:, 1:], new_r], 1)
            done = local.random(2) < 0.1
            memory.add(Transition({"pixels": pixels, "ram": ram}, local.integers(0, 3, 2), local.random(2), {"pixels": nxt_p, "ram": nxt_r}, done, np.zeros(2, bool)))
            pixels, ram = nxt_p.copy(), nxt_r.copy()
            pixels[done], ram[done] = 0, 0  # zero-padded reset stacks
            pixels[done, -1], ram[done, -1] = new_p[done, 0] // 2, new_r[done, 0] // 2

    memory = make_memory(capacity=120, n_step=3, num_envs=2, seed=7, obs_space=space, stacked=True)
    steps(memory, 50, seed=1)
    batch = memory.sample(16)
    memory.update_priorities(batch.indices, rng.uniform(0, 2, 16))
    state = memory.state_dict()
    restored = make_memory(capacity=120, n_step=3, num_envs=2, seed=99, obs_space=space, stacked=True)
    restored.load_state_dict(state)
    for mem in (memory, restored):
        steps(mem, 20, seed=2)  # the same further steps wrap the ring
    a, b = memory.sample(32), restored.sample(32)
    for field in ("actions", "rewards", "discounts", "indices", "weights"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    for key in ("pixels", "ram"):
        assert np.array_equal(a.obs[key], b.obs[key]) and np.array_equal(a.next_obs[key], b.next_obs[key])
    with pytest.raises(CheckpointError, match="alpha"):
        make_memory(capacity=120, n_step=3, num_envs=2, obs_space=space, stacked=True, alpha=0.5).load_state_dict(state)


def test_same_seed_same_samples():
    def draw(seed):
        memory = make_memory(seed=seed)
        feed(memory, [[""]] * 40)
        return memory.sample(20).indices

    assert np.array_equal(draw(3), draw(3)) and not np.array_equal(draw(3), draw(4))


def test_registered_and_clear_errors():
    spec = get_registry().get("memories", "prioritized")
    assert spec.config is PrioritizedMemoryConfig
    memory = make_memory()
    with pytest.raises(GaikitError, match="nothing to sample"):
        memory.sample(4)
    feed(memory, [[""]] * 3)
    with pytest.raises(GaikitError, match="must be finite"):
        memory.update_priorities(np.array([0]), np.array([np.nan]))
    with pytest.raises(GaikitError, match="out of range"):
        memory.update_priorities(np.array([10_000]), np.array([1.0]))
    with pytest.raises(GaikitError, match="cannot rebuild frame stacks"):
        make_memory(stacked=True, storage="arrays", obs_space=gym.spaces.Box(0, 1, (4, 2)))
