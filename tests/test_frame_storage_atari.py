"""Frame storage on the real ``asterix`` envs: rebuilt stacks equal what the envs returned.

Covers both collectors (ale-py's ``AtariVectorEnv`` for pixels, gymnasium
wrappers for the mixed pixels + RAM Dict), zero-padded reset stacks, and
life-loss terminals after which the same stack goes on.
"""

from __future__ import annotations

import numpy as np
import pytest

from gaikit.core.components import Transition
from gaikit.core.runner import true_next_obs
from gaikit.plugins.games.asterix import AsterixGame, AtariConfig
from gaikit.plugins.memories.prioritized import PrioritizedMemoryConfig, make_prioritized_memory


def pick(obs, i):
    return {k: v[i].copy() for k, v in obs.items()} if isinstance(obs, dict) else obs[i].copy()


def same(a, b):
    if isinstance(a, dict):
        return all(np.array_equal(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


@pytest.mark.parametrize("form", ["pixels", "mixed"])
def test_rebuilt_atari_stacks_equal_the_env_observations(form):
    game = AsterixGame(AtariConfig(observation=form, noop_max=3, terminal_on_life_loss=True))
    envs = game.make_vector_env(2, seed=0)
    try:
        config = PrioritizedMemoryConfig(capacity=2 * 700, n_step=1, stacked=True)
        memory = make_prioritized_memory(
            envs.single_observation_space, envs.single_action_space, config, num_envs=2, gamma=0.99, seed=0
        )
        rng = np.random.default_rng(0)
        obs, _ = envs.reset(seed=0)
        recorded, ends = {}, 0
        for _ in range(450):
            actions = rng.integers(0, envs.single_action_space.n, 2)
            next_obs, rewards, terminated, truncated, infos = envs.step(actions)
            final = true_next_obs(next_obs, infos)
            memory.add(Transition(obs, actions, rewards, final, terminated, truncated))
            rows = (memory.storage.head - 1) % memory.storage.rows
            for e in range(2):
                recorded[int(rows[e]) * 2 + e] = (pick(obs, e), pick(final, e))
            ends += int((terminated | truncated).sum())
            obs = next_obs
    finally:
        envs.close()
    assert ends >= 2  # lives were lost: episode boundaries were crossed
    assert memory.storage.cuts == 0  # every continuing obs matched the stored stack
    storage = memory.storage
    flat = np.flatnonzero(storage.valid.reshape(-1))
    assert flat.shape[0] == 900  # every step is sampleable (n_step 1, no wrap)
    rows, env_ids = np.divmod(flat, 2)
    rebuilt_obs, rebuilt_next = storage.obs.read(rows, env_ids), storage.next_obs.read(rows, env_ids)
    for i, index in enumerate(flat):
        expected_obs, expected_next = recorded[int(index)]
        assert same(pick(rebuilt_obs, i), expected_obs)
        assert same(pick(rebuilt_next, i), expected_next)
    # rows used: one per step, plus a fresh stack for each reset and the first obs, plus final rows
    assert storage.head.sum() < 900 + (ends + 2) * 5
