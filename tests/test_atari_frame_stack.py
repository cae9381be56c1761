"""Atari envs on gymnasium's public API: gaikit's own ``FrameStack`` and ``SyncVectorEnv`` in SAME_STEP mode.

``FrameStack`` is checked against gymnasium's ``FrameStackObservation`` with
zero padding (what it replaces) on real games that end; its state accessors
(used for exact resume) round-trip and reject frames of the wrong layout.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers import FrameStackObservation

from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.games import atari_envs
from gaikit.plugins.games.asterix import AsterixGame, AtariConfig
from gaikit.plugins.games.frame_stack import FrameStack


def assert_same(got: Any, want: Any, where: str) -> None:
    """Same type, keys (in order), dtypes, shapes and values."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for key in want:
            assert_same(got[key], want[key], f"{where}.{key}")
        return
    assert isinstance(got, np.ndarray) and got.dtype == want.dtype and got.shape == want.shape, where
    np.testing.assert_array_equal(got, want, err_msg=where)


def spec(form: str) -> atari_envs.AtariSpec:
    # A short frame limit so games end (truncation) as well as lives (life-loss terminals).
    return AsterixGame(AtariConfig(observation=form, max_frames=1200, terminal_on_life_loss=True)).spec()


@pytest.mark.parametrize("form", ["ram", "mixed"])
def test_frame_stack_returns_what_gymnasium_frame_stack_observation_returns(form, monkeypatch) -> None:
    ours = atari_envs.make_single_env(spec(form), training=True)
    with monkeypatch.context() as patch:
        patch.setattr(atari_envs, "FrameStack", lambda env, k: FrameStackObservation(env, k, padding_type="zero"))
        reference = atari_envs.make_single_env(spec(form), training=True)
    assert ours.observation_space == reference.observation_space
    assert_same(ours.reset(seed=3)[0], reference.reset(seed=3)[0], "reset")
    rng = np.random.default_rng(0)
    ends = 0
    for step in range(500 if form == "ram" else 250):
        action = int(rng.integers(0, 9))
        got, want = ours.step(action), reference.step(action)
        assert_same(got[0], want[0], f"step {step}")
        assert got[1:4] == want[1:4], step
        if got[2] or got[3]:
            ends += 1
            assert_same(ours.reset()[0], reference.reset()[0], f"reset after step {step}")
    assert ends >= 2
    ours.close()
    reference.close()


def test_ram_and_mixed_vector_envs_are_gymnasium_sync_vector_envs_in_same_step_mode() -> None:
    for form in ("ram", "mixed"):
        venv = atari_envs.make_vector_env(spec(form), 2, seed=0)
        assert type(venv) is SyncVectorEnv and venv.autoreset_mode is AutoresetMode.SAME_STEP
        venv.close()


def test_frame_stack_state_round_trips_and_rejects_other_layouts() -> None:
    space = gym.spaces.Dict({"a": gym.spaces.Box(0, 9, (2,), np.int64), "b": gym.spaces.Box(0, 1, (3,), np.float32)})

    class Counting(gym.Env):
        observation_space, action_space = space, gym.spaces.Discrete(2)

        def reset(self, *, seed=None, options=None):  # type: ignore[no-untyped-def]
            self.t = 1
            return self._obs(), {}

        def step(self, action):  # type: ignore[no-untyped-def]
            self.t += 1
            return self._obs(), 0.0, False, False, {}

        def _obs(self):  # type: ignore[no-untyped-def]
            return {"a": np.full(2, self.t, np.int64), "b": np.full(3, self.t / 10, np.float32)}

    env = FrameStack(Counting(), 3)
    obs, _ = env.reset()
    assert obs["a"][:, 0].tolist() == [0, 0, 1] and obs["b"].dtype == np.float32  # zero-padded, newest last
    env.step(0)
    saved = env.frames()
    after = env.step(0)[0]
    assert after["a"][:, 0].tolist() == [1, 2, 3]
    other = FrameStack(Counting(), 3)
    other.reset()
    other.set_frames(saved)
    other.unwrapped.t = 2
    assert_same(other.step(0)[0], after, "restored")
    with pytest.raises(GaikitError, match=r"frames\['a'\] have shape \(2, 2\) and dtype int64, expected \(3, 2\)"):
        other.set_frames({"a": saved["a"][:2], "b": saved["b"]})
    with pytest.raises(GaikitError, match="expected frames with keys"):
        other.set_frames(saved["a"])


def test_atari_env_state_keeps_the_stack_format_and_names_a_bad_one() -> None:
    game = AsterixGame(AtariConfig(observation="ram"))
    env = game.make_env(seed=0)
    env.reset(seed=0)
    for _ in range(5):
        obs, *_ = env.step(1)
    state = game.env_state(env)
    assert_same(state["frames"], obs, "frames")  # the checkpoint holds the stack as the agent saw it
    state["frames"] = state["frames"][:, :64]
    with pytest.raises(CheckpointError, match=r"frames have shape \(4, 64\)"):
        game.load_env_state(game.make_env(seed=1), state)
    env.close()
