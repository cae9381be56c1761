"""Named features of an Asterix state for strategy agents, computed from the 128 RAM bytes.

``asterix_features(ram)`` returns a flat ``{name: float}`` mapping whose keys
are exactly :data:`ASTERIX_FEATURE_NAMES`, in that order:

Global
    ``player_lane`` (0 top .. 7 bottom), ``player_x``, ``stage``, ``speed``
    (objects' pixels per frame), ``item_points``, ``lives``, ``score``,
    ``dying`` (1 during the death animation, when input is ignored),
    ``poll_frame`` (0..3: frame of the next step on which up/down is read),
    ``horizon`` (steps the lookahead sees).
Per lane ``i`` (0..7)
    ``lane{i}_harmful`` / ``lane{i}_reward`` (1 when its object is a lyre /
    an item), ``lane{i}_contact`` (steps until its object reaches the
    player's x, capped at 32), ``lane{i}_danger`` (1 / (1 + steps until a
    lyre in that lane reaches the player's x); 0 without a lyre coming).
Per action ``a`` (``noop up right left down upright upleft downright downleft``)
    ``{a}_collides`` (1: touches a lyre this step), ``{a}_slip_risk`` (chance
    that sticky input, replaying the previous action on the first frames,
    touches a lyre: 0, 1/16, 1/4 or more), ``{a}_safe_steps`` (0..horizon:
    steps the player surely survives after it), ``{a}_reward_now``
    (1: catches an item this step), ``{a}_reward_value`` (``0.8 ** k`` for the
    soonest item ``k`` steps away on a path that survives the horizon),
    ``{a}_lane_change`` (1 for a vertical move that changes lane),
    ``{a}_edge`` (1 when the move pushes against a wall and is a no-op there).

During the death animation every action reports safe and without reward.
Given the previous step's RAM too, the previous action is read from how the
player moved, which sharpens ``slip_risk``; without it only a lane change
read on the step's first frame is guarded.
The lookahead is :mod:`gaikit.plugins.games.asterix_lookahead`; the RAM map
is :mod:`gaikit.plugins.games.asterix_ram` and ``docs/asterix_ram.md``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from gaikit.core.errors import ConfigError
from gaikit.plugins.games.asterix_lookahead import ACTION_DX, ACTION_DY, ACTIONS, LEFT_STOP, RIGHT_STOP, lookahead
from gaikit.plugins.games.asterix_ram import (
    DIRECTION,
    HARMFUL,
    LANES,
    REWARD,
    WRAP_PERIOD,
    AsterixState,
    decode,
)

#: Steps the lookahead plans over (8 steps = 32 frames).
HORIZON = 8
#: Cap of the per-lane contact time, in steps.
CONTACT_CAP = 32.0

_GLOBAL = ("player_lane", "player_x", "stage", "speed", "item_points", "lives", "score", "dying", "poll_frame", "horizon")
_LANE = ("harmful", "reward", "contact", "danger")
_ACTION = ("collides", "slip_risk", "safe_steps", "reward_now", "reward_value", "lane_change", "edge")

#: Every feature name, in the order :func:`asterix_features` returns them.
ASTERIX_FEATURE_NAMES: tuple[str, ...] = (
    _GLOBAL
    + tuple(f"lane{i}_{name}" for i in range(LANES) for name in _LANE)
    + tuple(f"{a}_{name}" for a in ACTIONS for name in _ACTION)
)


def lane_contact_steps(state: AsterixState) -> np.ndarray:
    """Steps until each lane's object reaches the player's x (wrapping around), capped."""
    ahead = (state.x - state.object_x) * DIRECTION  # > 0: the object is coming
    ahead = np.where(ahead < -8, ahead + WRAP_PERIOD, ahead)
    steps = np.maximum(ahead - 8, 0) / (4.0 * state.speed) + state.popup_frames / 4.0
    return np.minimum(steps, CONTACT_CAP)


def previous_move(previous: AsterixState, state: AsterixState) -> tuple[int, int] | None:
    """The (dy, dx) input of the last step, read from how the player moved (``None``: unknown)."""
    if previous.dying or state.dying:
        return None
    dy = int(np.sign(state.lane - previous.lane))
    dx = int(np.sign(state.x - previous.x))
    return dy, dx


def asterix_features(ram: np.ndarray, previous_ram: np.ndarray | None = None, horizon: int = HORIZON) -> dict[str, float]:
    """Every feature of :data:`ASTERIX_FEATURE_NAMES` for one 128-byte Asterix RAM.

    ``previous_ram`` (the RAM one step earlier, optional; all zeros counts as
    absent) lets the lookahead model sticky input precisely.
    """
    state = decode(ram)
    previous = None
    if previous_ram is not None and np.any(previous_ram):
        previous = previous_move(decode(previous_ram), state)
    out: dict[str, float] = {
        "player_lane": float(state.lane),
        "player_x": float(state.x),
        "stage": float(state.stage),
        "speed": float(state.speed),
        "item_points": float(state.item_points),
        "lives": float(state.lives),
        "score": float(state.score),
        "dying": float(state.dying),
        "poll_frame": float(state.poll_frame),
        "horizon": float(horizon),
    }
    contact = lane_contact_steps(state)
    harmful = state.kind == HARMFUL
    for i in range(LANES):
        out[f"lane{i}_harmful"] = float(harmful[i])
        out[f"lane{i}_reward"] = float(state.kind[i] == REWARD)
        out[f"lane{i}_contact"] = float(contact[i])
        out[f"lane{i}_danger"] = float(1.0 / (1.0 + contact[i])) if harmful[i] else 0.0

    if state.dying:
        zeros = np.zeros(len(ACTIONS))
        collides, risk, safe, now, value = zeros, zeros, np.full(len(ACTIONS), float(horizon)), zeros, zeros
    else:
        look = lookahead(state, horizon=horizon, previous=previous)
        collides, risk, safe = look.collides, look.slip_risk, look.safe_steps
        now, value = look.reward_now, look.reward_value
    target = state.lane + ACTION_DY
    lane_change = (target >= 0) & (target < LANES) & (ACTION_DY != 0)
    at_left, at_right = state.x < LEFT_STOP, state.x > RIGHT_STOP
    blocked_x = ((ACTION_DX < 0) & at_left) | ((ACTION_DX > 0) & at_right)
    blocked_y = (ACTION_DY != 0) & ~lane_change
    edge = (blocked_x & ((ACTION_DY == 0) | blocked_y)) | (blocked_y & (ACTION_DX == 0))
    for k, a in enumerate(ACTIONS):
        out[f"{a}_collides"] = float(collides[k])
        out[f"{a}_slip_risk"] = float(risk[k])
        out[f"{a}_safe_steps"] = float(safe[k])
        out[f"{a}_reward_now"] = float(now[k])
        out[f"{a}_reward_value"] = float(value[k])
        out[f"{a}_lane_change"] = float(lane_change[k])
        out[f"{a}_edge"] = float(edge[k])
    return out


def ram_from(env: Any, obs: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """The current RAM and, when the observation stacks RAM, the previous step's.

    ``obs`` is one env's observation: a ``(stack, 128)`` RAM stack, a single
    ``(128,)`` RAM, or a ``{"pixels", "ram"}`` mapping. Pixels alone need
    ``env`` (an ALE env, wrapped or not) to read the RAM from.
    """
    ram = obs.get("ram") if isinstance(obs, Mapping) else obs
    if isinstance(ram, np.ndarray) and ram.shape[-1:] == (128,):
        if ram.ndim == 1:
            return ram, None
        return ram[-1], (ram[-2] if ram.shape[0] > 1 else None)
    ale = getattr(getattr(env, "unwrapped", None), "ale", None)
    if ale is not None:
        return np.asarray(ale.getRAM()), None
    raise ConfigError(
        "asterix: strategy agents read the console RAM; run with --set game.observation=ram (or mixed)"
    )
