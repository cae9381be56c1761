"""The actor–learner parts that need no Ray: rate limiter, chunks, TD priorities, the ladder, a replay shard."""

from __future__ import annotations

import asyncio

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.components import Transition
from gaikit.core.config import ComponentConfig
from gaikit.distributed.chunks import INDEX_STRIDE, concat_batches, split_indices, stack_steps, unstack_steps
from gaikit.distributed.collector import collector_seed, td_priorities
from gaikit.distributed.rate_limiter import SampleToInsertRatio, error_buffer_for
from gaikit.distributed.replay import ChunkReport, ReplayShard, ShardSpec
from gaikit.plugins.selectors.actor_ladder import ladder_value
from gaikit.plugins.selectors.epsilon_greedy import EpsilonGreedyConfig, EpsilonGreedySelector
from gaikit.plugins.selectors.semi_random import SemiRandomConfig, SemiRandomSelector


# ---- rate limiter ---------------------------------------------------------------------------------
def test_rate_limiter_holds_the_ratio_when_both_sides_push_as_fast_as_allowed():
    limiter = SampleToInsertRatio(ratio=8.0, min_size=1000, error_buffer=error_buffer_for(
        8.0, 1000, insert_size=64, batch_size=32, tolerance=0.1))
    rng = np.random.default_rng(0)
    while limiter.inserts < 50_000:
        if rng.random() < 0.5 and limiter.can_insert(64):  # the two sides race in random order
            limiter.inserted(64)
        elif limiter.can_sample(32):
            limiter.sampled(32)
        elif limiter.can_insert(64):
            limiter.inserted(64)
        else:
            pytest.fail(f"deadlock: neither side may move at {limiter}")
    assert abs(limiter.realised_ratio() - 8.0) / 8.0 < 0.02


def test_rate_limiter_blocks_the_learner_before_min_size_and_the_actors_when_ahead():
    limiter = SampleToInsertRatio(ratio=2.0, min_size=100, error_buffer=50.0)
    assert limiter.can_insert(10_000) and not limiter.can_sample(1)
    limiter.inserted(100)
    assert limiter.can_sample(32)
    # actors ahead: inserting 40 more needs 80 of room above min_size * ratio, only 50 is allowed
    assert limiter.can_insert(25) and not limiter.can_insert(26)
    limiter.sampled(50)  # learner caught up past the lower bound
    assert not limiter.can_sample(1)
    assert limiter.can_insert(50)


def test_a_zero_ratio_means_no_limit_after_min_size():
    limiter = SampleToInsertRatio(ratio=0.0, min_size=10, error_buffer=0.0)
    assert not limiter.can_sample(1)
    limiter.inserted(10)
    limiter.sampled(10**9)
    assert limiter.can_sample(10**9) and limiter.can_insert(10**9)


def test_error_buffer_always_lets_a_chunk_and_a_batch_through():
    assert error_buffer_for(8.0, 0, insert_size=64, batch_size=32, tolerance=0.1) == 8.0 * 64 + 32
    assert error_buffer_for(8.0, 100_000, insert_size=64, batch_size=32, tolerance=0.1) == pytest.approx(80_000)


# ---- exploration ladder -----------------------------------------------------------------------------
def test_ape_x_ladder_matches_the_paper():
    assert ladder_value(0.4, 7.0, 0, 8) == pytest.approx(0.4)
    assert ladder_value(0.4, 7.0, 7, 8) == pytest.approx(0.4**8)
    assert ladder_value(0.4, 7.0, 3, 8) == pytest.approx(0.4 ** (1 + 7 * 3 / 7))
    assert ladder_value(0.4, 7.0, 0, 1) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        ladder_value(0.4, 7.0, 2, 2)


def test_selectors_take_their_actor_value_only_when_configured():
    space = gym.spaces.Discrete(3)
    plain = EpsilonGreedySelector(space, EpsilonGreedyConfig(start_epsilon=1.0, end_epsilon=0.1), seed=0)
    plain.set_actor(2, 3)
    assert plain.epsilon(0) == 1.0
    laddered = EpsilonGreedySelector(space, EpsilonGreedyConfig(actor_epsilon=0.4, actor_alpha=7.0), seed=0)
    laddered.set_actor(2, 3)
    assert laddered.epsilon(0) == pytest.approx(0.4**8) and laddered.epsilon(10**6) == pytest.approx(0.4**8)
    semi = SemiRandomSelector(space, SemiRandomConfig(randomness=2.0, actor_randomness=0.5, actor_alpha=3.0), seed=0)
    assert semi.randomness(0) == 2.0
    semi.set_actor(1, 2)
    assert semi.randomness(0) == pytest.approx(0.5**4)


# ---- collector pieces ---------------------------------------------------------------------------------
def test_td_priorities_are_one_step_absolute_td_errors():
    values = np.array([[[1.0, 2.0]], [[0.5, -1.0]]])  # (T=2, E=1, A=2)
    next_values = np.array([[[3.0, 0.0]], [[4.0, 5.0]]])
    actions = np.array([[0], [1]])
    rewards = np.array([[1.0], [2.0]])
    terminated = np.array([[False], [True]])
    got = td_priorities(values, actions, rewards, next_values, terminated, gamma=0.9)
    np.testing.assert_allclose(got, [[abs(1.0 + 0.9 * 3.0 - 1.0)], [abs(2.0 - (-1.0))]], rtol=1e-6)


def test_collector_seeds_differ_per_actor_and_per_start_step():
    seeds = {collector_seed(0, i, s) for i in range(4) for s in (0, 5000)}
    assert len(seeds) == 8


def _step(t: int, num_envs: int = 2, dict_obs: bool = False) -> Transition:
    obs = np.full((num_envs, 3), t, dtype=np.float32) + np.arange(num_envs, dtype=np.float32)[:, None] / 10
    next_obs = obs + 1
    if dict_obs:
        obs, next_obs = {"a": obs, "b": obs[:, :1].astype(np.uint8)}, {"a": next_obs, "b": next_obs[:, :1].astype(np.uint8)}
    return Transition(obs, np.array([t % 2, 1 - t % 2]), np.array([t, -t], dtype=np.float32), next_obs,
                      np.array([t == 3, False]), np.array([False, t == 2]), priorities=np.array([t, 2 * t], dtype=np.float32))


@pytest.mark.parametrize("dict_obs", [False, True])
def test_chunks_round_trip_every_field(dict_obs):
    steps = [_step(t, dict_obs=dict_obs) for t in range(4)]
    chunk = stack_steps(steps)
    assert chunk.rewards.shape == (4, 2)
    for before, after in zip(steps, unstack_steps(chunk)):
        for name in ("actions", "rewards", "terminated", "truncated", "priorities"):
            np.testing.assert_array_equal(getattr(before, name), getattr(after, name))
        for name in ("obs", "next_obs"):
            a, b = getattr(before, name), getattr(after, name)
            if dict_obs:
                assert a.keys() == b.keys()
                for key in a:
                    np.testing.assert_array_equal(a[key], b[key])
            else:
                np.testing.assert_array_equal(a, b)


def test_concatenated_batches_tag_indices_with_their_memory():
    from gaikit.core.components import Batch

    def batch(n: int, first: int) -> Batch:
        return Batch(np.zeros((n, 2)), np.zeros(n, dtype=np.int64), np.zeros(n, np.float32), np.zeros((n, 2)),
                     np.zeros(n, np.float32), np.arange(first, first + n, dtype=np.int64), np.ones(n, np.float32))

    merged = concat_batches([batch(2, 5), batch(3, 0)], [0, 4])
    assert merged.obs.shape == (5, 2)
    memory_ids, local = split_indices(merged.indices)
    np.testing.assert_array_equal(memory_ids, [0, 0, 4, 4, 4])
    np.testing.assert_array_equal(local, [5, 6, 0, 1, 2])
    assert merged.indices[2] == 4 * INDEX_STRIDE


# ---- a replay shard, driven by asyncio as Ray drives it ---------------------------------------------------
def _shard(memory: str = "prioritized", ratio: float = 4.0, min_size: int = 16) -> ReplayShard:
    space = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
    spec = ShardSpec(ComponentConfig(name=memory, options={"capacity": 1000}), space, gym.spaces.Discrete(2),
                     collectors=[0, 2], num_envs=2, gamma=0.9, n_step=1, seed=0, ratio=ratio, min_size=min_size,
                     error_buffer=error_buffer_for(ratio, min_size, insert_size=8, batch_size=8, tolerance=0.1),
                     batch_size=8)
    return ReplayShard(spec)


def _chunk(start: int, length: int = 4) -> Transition:
    return stack_steps([_step(t) for t in range(start, start + length)])


def test_shard_stores_each_collector_in_its_own_memory_and_samples_both():
    async def scenario() -> None:
        shard = _shard()
        assert await shard.insert(0, _chunk(0), ChunkReport(0, 8))
        assert await shard.insert(2, _chunk(100), ChunkReport(2, 8))
        assert [len(m) for m in shard.memories] == [8, 8]
        seen = set()
        for _ in range(4):
            [batch] = await shard.sample(8)
            ids, _ = split_indices(batch.indices)
            seen |= set(ids.tolist())
            await shard.update_priorities(batch.indices, np.full(8, 3.0))
        assert seen == {0, 1}
        reports = await shard.drain()
        assert [r.collector for r in reports] == [0, 2] and await shard.drain() == []

    asyncio.run(scenario())


def test_shard_makes_the_learner_wait_for_inserts_and_stop_releases_everyone():
    async def scenario() -> None:
        shard = _shard(ratio=4.0, min_size=16)
        await shard.insert(0, _chunk(0), ChunkReport(0, 8))
        with pytest.raises(asyncio.TimeoutError):  # 8 < min_size 16: the learner waits
            await asyncio.wait_for(shard.sample(8), timeout=0.05)
        await shard.insert(2, _chunk(0), ChunkReport(2, 8))
        batches = 0
        while True:  # 16 inserts allow 4 * 16 +- buffer samples, then the learner waits again
            try:
                await asyncio.wait_for(shard.sample(8), timeout=0.05)
                batches += 1
            except asyncio.TimeoutError:
                break
        assert 1 <= batches <= (16 * 4 + shard.spec.error_buffer) // 8
        waiting = asyncio.ensure_future(shard.sample(8))
        await asyncio.sleep(0.01)
        await shard.stop()
        assert await waiting is None
        assert await shard.insert(0, _chunk(4), ChunkReport(0, 8)) is False

    asyncio.run(scenario())


def test_shard_serves_several_batches_per_call_within_the_ratio():
    async def scenario() -> None:
        shard = _shard(ratio=4.0, min_size=16)
        await shard.insert(0, _chunk(0), ChunkReport(0, 8))
        await shard.insert(2, _chunk(0), ChunkReport(2, 8))
        batches = await shard.sample(8, count=3)
        assert len(batches) == 3 and all(len(b.rewards) == 8 for b in batches)
        assert shard.limiter.samples == 24
        assert not np.array_equal(batches[0].indices, batches[1].indices)  # independent draws
        with pytest.raises(asyncio.TimeoutError):  # 3 more batches would exceed 16 * 4 + buffer
            while True:
                await asyncio.wait_for(shard.sample(8, count=3), timeout=0.05)
        assert shard.limiter.samples <= 16 * 4 + shard.spec.error_buffer

    asyncio.run(scenario())


def test_shard_state_round_trips_memories_and_counts():
    async def scenario() -> None:
        shard = _shard(memory="uniform")
        await shard.insert(0, _chunk(0), ChunkReport(0, 8))
        await shard.insert(2, _chunk(50), ChunkReport(2, 8))
        state, reports = await shard.snapshot()
        assert len(reports) == 2
        other = _shard(memory="uniform")
        await other.load_state_dict(state)
        assert other.limiter.inserts == 16 and [len(m) for m in other.memories] == [8, 8]
        [a], [b] = await shard.sample(8), await other.sample(8)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.obs, b.obs)

    asyncio.run(scenario())


def test_prioritized_memory_gives_each_start_the_priority_its_transition_carried():
    from gaikit.plugins.memories.prioritized import PrioritizedMemory, PrioritizedMemoryConfig

    space = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
    config = PrioritizedMemoryConfig(capacity=100, n_step=3, alpha=0.6, epsilon=0.01)
    memory = PrioritizedMemory(space, gym.spaces.Discrete(2), config, num_envs=2, gamma=0.9, seed=0)
    for t in range(5):
        step = _step(t)
        step.terminated[:] = False
        step.truncated[:] = False
        if t == 1:
            step.priorities = None  # no priority given: the largest seen so far
        memory.add(step)
    memory.state_dict()  # applies the queued tree updates
    # starts 0..2 of both envs have complete 3-step windows; start t, env e was written at flat t * 2 + e
    leaves = memory.tree.get(np.arange(6))
    expected = [(0 + 0.01) ** 0.6, (0 + 0.01) ** 0.6, None, None, (2 + 0.01) ** 0.6, (4 + 0.01) ** 0.6]
    for leaf, want in zip(leaves, expected):
        if want is not None:
            assert leaf == pytest.approx(want)
    # start 1 carried none: it got the largest priority seen when its window completed (the initial 1.0)
    assert leaves[2] == pytest.approx(1.0) and leaves[3] == pytest.approx(1.0)


def test_an_unreachable_ray_address_is_one_line_within_seconds(capsys, tmp_path):
    import time

    from gaikit.cli import main

    started = time.monotonic()
    code = main(["run", "CartPole-v1", "--actors", "1", "--ray-address", "127.0.0.1:1", "--run-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "127.0.0.1:1" in err and "ray start --head" in err
    assert time.monotonic() - started < 10
    assert not (tmp_path / "r").exists()


def test_ray_address_from_the_environment_is_joined_not_a_new_local_ray(capsys, tmp_path, monkeypatch):
    from gaikit.cli import main

    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    code = main(["run", "CartPole-v1", "--actors", "1", "--run-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and err.startswith("gaikit: error: RAY_ADDRESS 127.0.0.1:1: no Ray cluster answers there"), err


@pytest.mark.parametrize("address", ["no-port", "host:", ":6379", "host:port"])
def test_a_malformed_ray_address_names_the_expected_form(address):
    from gaikit.core.errors import ConfigError
    from gaikit.distributed.ray_cluster import check_reachable

    with pytest.raises(ConfigError, match="HOST:PORT"):
        check_reachable(address)
