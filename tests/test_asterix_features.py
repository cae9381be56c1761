"""Asterix RAM features against the emulator: the map, the lookahead and the shipped strategy file.

States come from seeded ``ALE/Asterix-v5`` games without sticky actions, so
every run replays the same frames.
"""

from __future__ import annotations

import ale_py
import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.errors import ConfigError
from gaikit.plugins.games.asterix_features import ASTERIX_FEATURE_NAMES, asterix_features, ram_from
from gaikit.plugins.games.asterix_lookahead import ACTIONS, lookahead
from gaikit.plugins.games.asterix_ram import EMPTY, HARMFUL, POPUP, REWARD, decode, input_frames, object_kind

gym.register_envs(ale_py)

LYRE_RIGHT = 204  # sprite byte of a lyre facing right (docs/asterix_ram.md)


def _env(frameskip: int = 4) -> gym.Env:
    return gym.make("ALE/Asterix-v5", repeat_action_probability=0.0, frameskip=frameskip)


@pytest.fixture(scope="module")
def played():
    """RAMs and frames of a seeded random game (300 steps of 4 frames)."""
    env = _env()
    env.reset(seed=7)
    rng, rams, frames, action = np.random.default_rng(7), [], [], 0
    for t in range(300):
        if t % 6 == 0:
            action = int(rng.integers(9))
        frame, _, term, trunc, _ = env.step(action)
        rams.append(env.unwrapped.ale.getRAM().copy())
        frames.append(frame)
        if term or trunc:
            env.reset()
    env.close()
    return rams, frames


@pytest.fixture()
def game():
    """A fresh sticky-free env at the start of a game, a few steps in."""
    env = _env()
    env.reset(seed=3)
    for _ in range(5):
        env.step(0)
    yield env
    env.close()


def _place_player(ale, lane: int, x: int) -> None:
    ale.setRAM(39, lane)
    ale.setRAM(40, 125 - 16 * lane)
    ale.setRAM(41, x)


def test_player_lane_and_x_match_the_yellow_sprite(played) -> None:
    rams, frames = played
    checked = 0
    for ram, frame in zip(rams, frames):
        ys, xs = np.nonzero((frame[25:153] == np.array([187, 187, 53])).all(axis=2))
        state = decode(ram)
        if len(ys) == 0 or state.dying:
            continue
        assert state.lane == int(np.median(ys)) // 16
        assert xs.min() - state.x in (0, 1)
        checked += 1
    assert checked > 200


def test_object_x_matches_the_sprite_drawn_in_its_lane(played) -> None:
    rams, frames = played
    line, player = np.array([84, 92, 214]), np.array([187, 187, 53])
    checked = 0
    for ram, frame in zip(rams, frames):
        state = decode(ram)
        for lane in range(8):
            band = frame[25 + 16 * lane : 38 + 16 * lane]
            other = band.any(axis=2) & ~(band == line).all(axis=2) & ~(band == player).all(axis=2)
            cols = np.nonzero(other.any(axis=0))[0]
            if len(cols) and state.kind[lane] in (REWARD, HARMFUL) and lane != state.lane:
                assert cols.min() - state.object_x[lane] in (0, 1)
                checked += 1
    assert checked > 500


def test_object_kinds() -> None:
    sprites = np.array([0, 11, 12, 72, 108, 192, 204, 228])
    draws = np.array([1, 0, 0, 0, 2, 0, 3, 0])
    timers = np.array([1, 1, 200, 30, 1, 1, 1, 1])
    assert object_kind(sprites, draws, timers).tolist() == [EMPTY, EMPTY, POPUP, POPUP, REWARD, REWARD, HARMFUL, REWARD]


def test_the_draw_bit_decides_lyre_or_item_at_every_stage(played) -> None:
    rams, _ = played
    for ram in rams:
        sprite = ram[18 - np.arange(8)]
        kind = decode(ram).kind
        assert np.all(kind[np.isin(sprite, (204, 216))] == HARMFUL)
        assert np.all(kind[(sprite >= 108) & (sprite < 198) & (sprite % 12 == 0)] == REWARD)


def _draw(game, lane: int, lyre: bool) -> None:
    """Make lane's object a lyre (bit 0 of address 29 + lane) or an item; the sprite follows next frame."""
    ale = game.unwrapped.ale
    ale.setRAM(29 + lane, int(lyre))
    ale.act(game.unwrapped._action_set[0])


def test_features_have_every_name_once_and_are_finite(played) -> None:
    rams, _ = played
    for ram in rams[::30]:
        features = asterix_features(ram)
        assert list(features) == list(ASTERIX_FEATURE_NAMES)
        assert all(np.isfinite(v) for v in features.values())


def test_moving_up_decreases_the_player_lane(game) -> None:
    ale = game.unwrapped.ale
    before = asterix_features(ale.getRAM())["player_lane"]
    game.step(ACTIONS.index("up"))
    after = asterix_features(ale.getRAM())["player_lane"]
    assert before == 3 and after == 2


def test_score_and_lives_from_ram(game) -> None:
    ale = game.unwrapped.ale
    for address, byte in zip((94, 95, 96), (0x01, 0x23, 0x45)):
        ale.setRAM(address, byte)
    features = asterix_features(ale.getRAM())
    assert features["score"] == 12345 and features["lives"] == 3


def test_a_lyre_placed_in_a_lane_is_danger_there_and_kills(game) -> None:
    ale = game.unwrapped.ale
    _place_player(ale, lane=2, x=60)
    _draw(game, lane=2, lyre=True)  # lane 2 moves right: the lyre comes from the left
    ale.setRAM(42 + 2, 52)
    assert ale.getRAM()[18 - 2] == LYRE_RIGHT
    features = asterix_features(ale.getRAM())
    assert features["lane2_harmful"] == 1 and features["lane2_danger"] > 0.5
    assert features["lane1_harmful"] == 0 and features["lane1_danger"] == 0
    assert features["noop_collides"] == 1 and features["noop_safe_steps"] == 0
    assert features["left_collides"] == 1, "walking into the lyre"
    state = ale.cloneState()
    for action in ACTIONS:
        ale.restoreState(state)
        game.step(ACTIONS.index(action))
        game.step(ACTIONS.index("noop"))  # the death timer starts a frame after the touch
        died = ale.getRAM()[71] > 0
        if action in ("noop", "left"):
            assert died, f"{action}: the lyre touches"
        if not features[f"{action}_collides"]:
            assert not died, f"{action} was called safe"
    assert not all(features[f"{a}_collides"] for a in ACTIONS), "some move escapes"


def test_an_item_placed_next_to_the_player_is_caught(game) -> None:
    ale = game.unwrapped.ale
    _place_player(ale, lane=4, x=70)
    _draw(game, lane=4, lyre=False)  # lane 4 moves right
    ale.setRAM(42 + 4, 62)
    features = asterix_features(ale.getRAM())
    assert features["lane4_reward"] == 1 and features["noop_reward_now"] == 1
    assert features["noop_reward_value"] == 1.0
    _, reward, *_ = game.step(ACTIONS.index("noop"))
    assert reward > 0


def test_predicted_safe_moves_never_kill(played) -> None:
    """Against the emulator, frame by frame: a move the lookahead calls safe does not touch a lyre."""
    env = _env(frameskip=1)
    env.reset(seed=7)
    ale, act = env.unwrapped.ale, env.unwrapped._action_set
    rng, checked, predicted_hits = np.random.default_rng(1), 0, 0
    for t in range(600):
        ram = ale.getRAM().copy()
        state = decode(ram)
        overlapping = abs(state.x - state.object_x[state.lane]) <= 7 and state.kind[state.lane] == HARMFUL
        if t % 4 == 0 and not state.dying and not overlapping:
            look = lookahead(state, sticky_guard=False)
            base = ale.cloneState()
            for a in range(len(ACTIONS)):
                ale.restoreState(base)
                for _ in range(4):
                    ale.act(act[a])
                ale.act(act[0])
                died = ale.getRAM()[71] > 0
                if look.collides[a] == 0:
                    assert not died, f"step {t}: {ACTIONS[a]} predicted safe but killed"
                predicted_hits += int(look.collides[a])
                checked += 1
            ale.restoreState(base)
        ale.act(act[int(rng.integers(9))])
        if ale.game_over():
            ale.reset_game()
    env.close()
    assert checked > 1000 and predicted_hits >= 5


def test_up_down_is_read_when_the_counter_is_a_multiple_of_four() -> None:
    env = _env(frameskip=1)
    env.reset(seed=0)
    ale, act = env.unwrapped.ale, env.unwrapped._action_set
    for _ in range(200):
        before = ale.getRAM().copy()
        ale.act(act[ACTIONS.index("down" if (125 - before[40]) // 16 < 4 else "up")])
        changed = ale.getRAM()[40] != before[40]
        if before[71] == 0 and ale.getRAM()[71] == 0:
            assert changed == bool(input_frames(int(before[7]), 1)[0])
    env.close()


def test_during_the_death_animation_every_move_is_safe(game) -> None:
    ram = game.unwrapped.ale.getRAM().copy()
    ram[71] = 100
    features = asterix_features(ram)
    assert features["dying"] == 1
    assert all(features[f"{a}_collides"] == 0 and features[f"{a}_safe_steps"] == 8 for a in ACTIONS)


def test_the_previous_step_sharpens_sticky_risk(game) -> None:
    ale = game.unwrapped.ale
    previous = ale.getRAM().copy()
    game.step(ACTIONS.index("down"))
    ram = ale.getRAM().copy()
    with_history = asterix_features(ram, previous)
    assert set(with_history) == set(ASTERIX_FEATURE_NAMES)
    assert all(0 <= with_history[f"{a}_slip_risk"] <= 1 for a in ACTIONS)
    assert with_history["down_slip_risk"] == 0, "repeating the previous input cannot slip"


def test_ram_from_observations() -> None:
    stack = np.arange(4 * 128, dtype=np.uint8).reshape(4, 128)
    ram, previous = ram_from(None, stack)
    assert (ram == stack[-1]).all() and (previous == stack[-2]).all()
    ram, previous = ram_from(None, {"pixels": np.zeros((4, 84, 84), np.uint8), "ram": stack})
    assert (ram == stack[-1]).all()
    assert ram_from(None, stack[0])[1] is None
    with pytest.raises(ConfigError, match="game.observation=ram"):
        ram_from(None, np.zeros((4, 84, 84), np.uint8))


def test_shipped_strategy_plays_asterix_through_the_engine() -> None:
    from gaikit.plugins.games.asterix import AsterixGame, AtariConfig
    from gaikit.plugins.strategy_files import DATA_DIR
    from gaikit.strategies.agent import StrategyAgent
    from gaikit.strategies.loader import load_strategies

    game = AsterixGame(AtariConfig(observation="ram", noop_max=0))
    strategies = load_strategies(DATA_DIR / "asterix.yaml", [], game_features=game.feature_names())
    env = game.make_env(seed=0)
    agent = StrategyAgent(game, strategies, seed=0, action_space=env.action_space)
    obs, _ = env.reset(seed=0)
    total = 0.0
    for step in range(150):
        action = int(agent.act(obs[None], step, explore=False)[0])
        obs, reward, term, trunc, _ = env.step(action)
        total += float(reward)
        assert not term
    assert total >= 500, "the heuristic catches items from the first seconds"
    explained = agent.explain()["decisions"][0]
    assert explained["winner"] in ACTIONS
    env.close()


def test_items_past_stage_23_are_still_items(game) -> None:
    """From stage 24 item sprites run past the table (228, ...); the draw bit still calls them items."""
    ale = game.unwrapped.ale
    ale.setRAM(54, 24)
    ale.act(game.unwrapped._action_set[0])
    ram = ale.getRAM()
    sprite, kind = ram[18 - np.arange(8)], decode(ram).kind
    drawn = (ram[29 + np.arange(8)] & 1) == 0
    assert np.any(sprite[drawn] >= 198), "item sprites beyond the lyre's range"
    assert np.all(kind[drawn & (sprite != 11)] == REWARD)
