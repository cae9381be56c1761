"""The ``asterix`` game: observation forms, same-step pixels+RAM, full-game statistics, exact resume."""

from __future__ import annotations

import cv2
import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.errors import ConfigError
from gaikit.core.runner import true_next_obs
from gaikit.plugins.games.asterix import AsterixGame, AtariConfig
from gaikit.testing.game import GameContract

FORMS = ("pixels", "ram", "mixed")
SHAPES = {"pixels": {"pixels": (4, 84, 84)}, "ram": {"ram": (4, 128)}, "mixed": {"pixels": (4, 84, 84), "ram": (4, 128)}}


def game(**options) -> AsterixGame:
    return AsterixGame(AtariConfig(**options))


def parts(obs, form: str) -> dict[str, np.ndarray]:
    """An observation (one env or a batch) as ``{key: array}``."""
    return dict(obs) if form == "mixed" else {form: obs}


def play_until_game_over(venv, seed: int, max_steps: int = 5000):
    """Random actions in a 1-env vector env until its first game ends; the whole trace."""
    rng = np.random.default_rng(seed)
    venv.reset(seed=seed)
    trace = []
    for _ in range(max_steps):
        trace.append(venv.step(rng.integers(0, 9, size=1)))
        if _episode(trace[-1][4]) is not None:
            return trace
    raise AssertionError("no game ended")


def _episode(infos):
    """``(score, length)`` of env 0's game if it ended in this step's infos, else ``None``."""
    for container in (infos, infos.get("final_info", {})):
        if "episode" in container and container["_episode"][0]:
            return float(container["episode"]["r"][0]), int(container["episode"]["l"][0])
    return None


@pytest.mark.parametrize("form", FORMS)
class TestAsterixContract(GameContract):
    vector_steps = 400

    @pytest.fixture
    def make_game(self, form):
        return lambda: game(observation=form)


@pytest.mark.parametrize("form", FORMS)
def test_observation_shapes_and_dtypes(form) -> None:
    g = game(observation=form)
    venv = g.make_vector_env(2, seed=0)
    try:
        obs, _ = venv.reset(seed=0)
        for key, shape in SHAPES[form].items():
            array = parts(obs, form)[key]
            assert array.shape == (2, *shape) and array.dtype == np.uint8
        obs, *_ = venv.step(np.zeros(2, dtype=np.int64))
        assert all(parts(obs, form)[key].shape == (2, *shape) for key, shape in SHAPES[form].items())
        single = g.make_env(seed=0)
        assert single.observation_space == venv.single_observation_space
        single.close()
    finally:
        venv.close()


def test_reset_stacks_are_zero_padded_in_both_backends() -> None:
    for form in ("pixels", "mixed"):
        venv = game(observation=form, noop_max=0).make_vector_env(1, seed=0)
        obs, _ = venv.reset(seed=0)
        pixels = parts(obs, form)["pixels"][0]
        assert not pixels[:-1].any() and pixels[-1].any()
        venv.close()


def test_mixed_pixels_and_ram_come_from_the_same_emulator_step() -> None:
    """Replay the actions on a bare emulator: each observation's newest RAM and frame match it exactly."""
    env = game(observation="mixed", noop_max=0, repeat_action_probability=0.0).make_env(seed=0)
    raw = gym.make("ALE/Asterix-v5", frameskip=1, repeat_action_probability=0.0)
    raw.reset(seed=0)
    ale = raw.unwrapped.ale
    action_set = ale.getMinimalActionSet()
    obs, _ = env.reset(seed=0)
    assert np.array_equal(obs["ram"][-1], ale.getRAM())
    rng = np.random.default_rng(1)
    ram_changes = 0
    for _ in range(60):
        action = int(rng.integers(0, 9))
        previous_ram = ale.getRAM().copy()
        obs, *_ = env.step(action)
        screens = []
        for _ in range(4):
            ale.act(action_set[action])
            screens.append(ale.getScreenGrayscale())
        frame = cv2.resize(np.maximum(screens[-2], screens[-1]), (84, 84), interpolation=cv2.INTER_AREA)
        assert np.array_equal(obs["ram"][-1], ale.getRAM())
        assert np.array_equal(obs["pixels"][-1], frame)
        ram_changes += int(not np.array_equal(obs["ram"][-1], previous_ram))
    assert ram_changes > 50  # the RAM moves with every step, so a one-step lag could not pass
    env.close()
    raw.close()


def test_ram_form_plays_the_same_frames_as_the_pixel_forms() -> None:
    """The lean RAM path (no screen work) and AtariPreprocessing agree frame for frame, sticky actions and no-ops on."""
    ram = game(observation="ram").make_vector_env(2, seed=0)
    mixed = game(observation="mixed").make_vector_env(2, seed=0)
    rng = np.random.default_rng(3)
    ram_obs, _ = ram.reset(seed=11)
    mixed_obs, _ = mixed.reset(seed=11)
    assert np.array_equal(ram_obs, mixed_obs["ram"])
    for _ in range(250):
        actions = rng.integers(0, 9, size=2)
        a, b = ram.step(actions), mixed.step(actions)
        assert np.array_equal(a[0], b[0]["ram"])
        for i in (1, 2, 3):
            assert np.array_equal(a[i], b[i])
    ram.close()
    mixed.close()


@pytest.mark.parametrize("form", ["pixels", "ram"])
def test_episode_statistics_are_full_games_with_unclipped_scores(form) -> None:
    """Life-loss terminals and clipped rewards for learning; the reported episode is the whole game's score."""
    shaped = game(observation=form, terminal_on_life_loss=True, clip_rewards=True).make_vector_env(1, seed=0)
    plain = game(observation=form, terminal_on_life_loss=False, clip_rewards=False).make_vector_env(1, seed=0)
    shaped_trace = play_until_game_over(shaped, seed=4)
    plain_trace = play_until_game_over(plain, seed=4)
    assert len(shaped_trace) == len(plain_trace)
    raw_score = sum(float(step[1][0]) for step in plain_trace)
    assert raw_score > 0
    assert _episode(shaped_trace[-1][4]) == (raw_score, len(plain_trace))
    assert _episode(plain_trace[-1][4]) == (raw_score, len(plain_trace))
    clipped = {float(step[1][0]) for step in shaped_trace}
    assert clipped <= {0.0, 1.0} and 1.0 in clipped
    lives_lost = sum(bool(step[2][0]) for step in shaped_trace)
    assert lives_lost == 3  # Asterix has three lives: two life-loss terminals, then game over
    assert sum(bool(step[2][0]) for step in plain_trace) == 1
    assert all(_episode(step[4]) is None for step in shaped_trace[:-1])
    shaped.close()
    plain.close()


@pytest.mark.parametrize("form", ["pixels", "mixed"])
def test_life_loss_keeps_playing_the_same_game(form) -> None:
    venv = game(observation=form, terminal_on_life_loss=True).make_vector_env(1, seed=0)
    rng = np.random.default_rng(2)
    venv.reset(seed=2)
    for _ in range(2000):
        obs, _, terminated, _, infos = venv.step(rng.integers(0, 9, size=1))
        if terminated[0] and _episode(infos) is None:
            break
    else:
        raise AssertionError("no life was lost")
    final = parts(true_next_obs(obs, infos), form)
    returned = parts(obs, form)
    for key in final:
        assert np.array_equal(final[key], returned[key])  # the true successor is what the step returned
    next_obs, *_ = venv.step(np.zeros(1, dtype=np.int64))
    nxt = parts(next_obs, form)
    for key in nxt:
        assert np.array_equal(nxt[key][0, :-1], returned[key][0, 1:])  # the stack goes on, no reset
    venv.close()


def test_sub_env_state_restores_exactly_with_sticky_actions() -> None:
    g = game(observation="ram", repeat_action_probability=0.25)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 9, size=(140, 2))
    first = g.make_vector_env(2, seed=0)
    first.reset(seed=1)
    for a in actions[:40]:
        first.step(a)
    states = [g.env_state(env) for env in first.unwrapped.envs]
    expected = [first.step(a) for a in actions[40:]]
    second = g.make_vector_env(2, seed=0)
    second.reset(seed=77)
    for env, state in zip(second.unwrapped.envs, states):
        g.load_env_state(env, state)
    replayed = [second.step(a) for a in actions[40:]]
    for want, got in zip(expected, replayed):
        for i in range(4):
            assert np.array_equal(want[i], got[i])
        assert _episode(want[4]) == _episode(got[4])
    first.close()
    second.close()


def test_pixel_vector_envs_report_no_env_state() -> None:
    g = game(observation="pixels")
    venv = g.make_vector_env(1, seed=0)
    assert g.env_state(venv) is None
    venv.close()


def test_observation_auto_follows_the_encoder_keys() -> None:
    g = game()
    assert g.observation_form == "pixels"  # nothing declared: pixels
    g.select_observation(("ram",))
    assert g.observation_form == "ram"
    g.select_observation(("ram", "pixels"))
    assert g.observation_form == "mixed"
    g.select_observation(None)
    assert g.observation_form == "mixed"


def test_explicit_observation_that_cannot_feed_the_encoder_is_an_error() -> None:
    with pytest.raises(ConfigError, match="game.observation"):
        game(observation="ram").select_observation(("pixels",))
    with pytest.raises(ConfigError, match="observation keys"):
        game().select_observation(("audio",))


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(Exception, match="frame_skipp"):
        AtariConfig.model_validate({"frame_skipp": 4})
