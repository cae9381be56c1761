"""The fast Atari env path (``SameStepSyncVectorEnv`` + ``FrameStack``) equals gymnasium's general one."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers import FrameStackObservation

from gaikit.plugins.games import atari_envs
from gaikit.plugins.games.asterix import AsterixGame, AtariConfig
from gaikit.plugins.games.atari_episodes import _sign


def assert_same(fast: Any, reference: Any, where: str = "") -> None:
    """Same structure, key order, types, dtypes, shapes and values (``nan`` equal to ``nan``).

    Episode wall times (``episode.t``) differ between two envs by nature: only their layout is compared.
    """
    assert type(fast) is type(reference), where
    if where.endswith("episode.t"):
        assert np.shape(fast) == np.shape(reference), where
    elif isinstance(reference, tuple):
        assert len(fast) == len(reference), where
        for i, (a, b) in enumerate(zip(fast, reference)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(reference, dict):
        assert list(fast) == list(reference), where
        for key in reference:
            assert_same(fast[key], reference[key], f"{where}.{key}")
    elif isinstance(reference, np.ndarray):
        assert fast.dtype == reference.dtype and fast.shape == reference.shape, where
        if reference.dtype == object:
            for i, (a, b) in enumerate(zip(fast, reference)):
                assert_same(a, b, f"{where}[{i}]")
        else:
            np.testing.assert_array_equal(fast, reference, err_msg=where)
    else:
        assert fast == reference or (fast != fast and reference != reference), where


def reference_envs(spec: atari_envs.AtariSpec, num_envs: int, monkeypatch: pytest.MonkeyPatch) -> SyncVectorEnv:
    """The same sub-envs behind gymnasium's own ``SyncVectorEnv`` and ``FrameStackObservation``."""
    with monkeypatch.context() as patch:
        patch.setattr(atari_envs, "FrameStack", FrameStackObservation)
        return SyncVectorEnv([partial(atari_envs.make_single_env, spec, None, True) for _ in range(num_envs)],
                             autoreset_mode=AutoresetMode.SAME_STEP)


@pytest.mark.parametrize(("form", "num_envs"), [("ram", 1), ("ram", 2), ("mixed", 1)])
def test_fast_vector_env_returns_what_sync_vector_env_returns(form, num_envs, monkeypatch) -> None:
    # A short frame limit so games end (truncation) as well as lives (life-loss terminals).
    spec = AsterixGame(AtariConfig(observation=form, max_frames=1200)).spec()
    fast = atari_envs.make_vector_env(spec, num_envs, seed=0)
    reference = reference_envs(spec, num_envs, monkeypatch)
    assert type(fast).__name__ == "SameStepSyncVectorEnv"
    assert_same(fast.reset(seed=3), reference.reset(seed=3), "reset")
    rng = np.random.default_rng(0)
    ended = 0
    for step in range(700 if form == "ram" else 350):
        actions = rng.integers(0, 9, size=num_envs)
        got, want = fast.step(actions), reference.step(actions.copy())
        assert_same(got, want, f"step {step}")
        ended += int("final_obs" in want[4])
    assert ended >= 2
    fast.close()
    reference.close()


def test_fast_vector_env_takes_the_general_path_for_other_actions(monkeypatch) -> None:
    spec = AsterixGame(AtariConfig(observation="ram")).spec()
    fast = atari_envs.make_vector_env(spec, 2, seed=0)
    reference = reference_envs(spec, 2, monkeypatch)
    fast.reset(seed=1)
    reference.reset(seed=1)
    for actions in ([1, 2], (3, 4)):
        assert_same(fast.step(actions), reference.step(actions))
    with pytest.raises(ValueError):
        fast.step(np.array([1, 2, 3]))


def test_sign_matches_numpy() -> None:
    for value in (3.0, 1e-300, 0.0, -0.0, -2.5, float("inf"), float("-inf"), float("nan")):
        expected = float(np.sign(value))
        assert_same(_sign(value), expected, repr(value))
        assert str(_sign(value)) == str(expected)
