"""A few-step lookahead over lanes and x for Asterix: which moves survive, which reach an item.

The objects' motion is known from the RAM (:mod:`gaikit.plugins.games.asterix_ram`):
each lane's object slides at the stage's speed, pop-ups stay frozen while their
timer runs, and an object that leaves one edge comes back at the other as a
newly drawn kind, which the lookahead treats as a lyre (it cannot know). The
player moves ``2 * speed`` pixels per frame sideways (within the walls) and
changes lane on the frames where the game reads up/down (address 7).

Sticky actions: the emulator repeats the previous input on each frame with
probability 1/4 until the new one takes over, so a lane change read on a
step's first frame fails one time in four. On such steps a vertical move
must also be safe if the player stays in the lane (``sticky_guard``).

Over a grid of (lane, x) positions and ``horizon`` steps of 4 frames, dynamic
programming gives, for each of the 9 actions taken now:

* ``collides``: the move touches a lyre during this step (frame by frame);
* ``safe_steps``: how many steps the player can surely stay alive after it
  (``horizon`` = as far as the lookahead sees);
* ``reward_now``: an item is caught during this step;
* ``reward_value``: ``gamma ** k`` for the soonest item catchable ``k`` steps
  ahead on a path that survives the whole horizon (0: none).

Everything is numpy over the whole grid (about a millisecond per call at
the default horizon).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gaikit.plugins.games.asterix_ram import (
    DIRECTION,
    HARMFUL,
    LANES,
    POPUP,
    REWARD,
    WRAP_LEFT,
    WRAP_PERIOD,
    WRAP_RIGHT,
    AsterixState,
    input_frames,
)

#: The minimal action set of ``ALE/Asterix-v5``, in action-id order.
ACTIONS: tuple[str, ...] = ("noop", "up", "right", "left", "down", "upright", "upleft", "downright", "downleft")
ACTION_DY = np.array([0, -1, 0, 0, 1, -1, -1, 1, 1])
ACTION_DX = np.array([0, 0, 1, -1, 0, 1, -1, 1, -1])
FRAMES_PER_STEP = 4
#: A lyre this close (|player x - object x| in pixels) in the player's lane kills (the game: 7).
HIT_DISTANCE = 8
#: An item this close is caught (conservative: the game's reach is 7).
CATCH_DISTANCE = 6
#: ``_SHIFT[k][l]``: lane ``l + k`` kept inside the field, for k = -2..2 (index k + 2).
_SHIFT = np.clip(np.arange(-2, 3)[:, None] + np.arange(8)[None, :], 0, 7)
#: The player may step left only from x >= LEFT_STOP and right only from x <= RIGHT_STOP.
LEFT_STOP, RIGHT_STOP = 25, 126


@dataclass(frozen=True)
class Lookahead:
    """Per-action results (arrays of length 9, in :data:`ACTIONS` order)."""

    collides: np.ndarray
    safe_steps: np.ndarray
    reward_now: np.ndarray
    reward_value: np.ndarray
    horizon: int


def player_grid(x: int, speed: int) -> np.ndarray:
    """Every x the player can reach from ``x`` (steps of ``2 * speed`` within the walls)."""
    step = 2 * speed
    lo = x - step * ((x - (LEFT_STOP - step)) // step)
    hi = x + step * (((RIGHT_STOP + step) - x) // step)
    return np.arange(lo, hi + 1, step)


def object_tracks(state: AsterixState, frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions ``(frames, 8)`` of each lane's object for frames 1..``frames``, and which are lyres / items."""
    f = np.arange(1, frames + 1)[:, None]
    moved = np.maximum(f - state.popup_frames[None, :], 0) * state.speed
    raw = state.object_x[None, :] + DIRECTION[None, :] * moved
    right = DIRECTION[None, :] > 0
    wrapped = np.where(right, raw >= WRAP_RIGHT, raw < WRAP_LEFT)
    pos = np.where(wrapped, np.where(right, raw - WRAP_PERIOD, raw + WRAP_PERIOD + 1), raw)
    kind = state.kind[None, :]
    harmful = wrapped | (kind == HARMFUL)
    reward = ~wrapped & (kind == REWARD)
    return pos, harmful, reward


@lru_cache(maxsize=64)
def _x_moves_cached(lo: int, hi: int, step: int) -> np.ndarray:
    grid = np.arange(lo, hi + 1, step)
    out = np.empty((3, FRAMES_PER_STEP, len(grid)), dtype=np.int64)
    for i, dx in enumerate((-1, 0, 1)):
        g = np.arange(len(grid))
        for j in range(FRAMES_PER_STEP):
            x = grid[g]
            allowed = (x >= LEFT_STOP) if dx < 0 else (x <= RIGHT_STOP) if dx > 0 else np.zeros(len(g), bool)
            g = np.clip(g + np.where(allowed, dx, 0), 0, len(grid) - 1)
            out[i, j] = g
    out.setflags(write=False)
    return out


def _x_moves(grid: np.ndarray) -> np.ndarray:
    """Grid index ``(3, 4, G)`` after each frame of a step, for dx = -1, 0, +1 from each start."""
    step = int(grid[1] - grid[0]) if len(grid) > 1 else 1
    return _x_moves_cached(int(grid[0]), int(grid[-1]), step)


def _per_action(table: np.ndarray, moves: np.ndarray, reads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each action touches ``table`` during each step, and the lane it ends in.

    ``table`` is ``(T, 4, 8, G)`` per frame; ``moves`` ``(3, 4, G)`` from
    :func:`_x_moves`; ``reads`` ``(T, 4)`` counts the lane changes read so far
    in each step (0, 1 or 2). Returns ``(T, 9, 8, G)`` and ``(T, 9, 8)``.
    """
    t, frames, lanes, g = table.shape
    first = reads == 0  # frames before any lane change is read
    second = reads == 2  # frames after a second read (the counter's rare double read)
    hits = np.empty((t, len(ACTIONS), lanes, g), dtype=bool)
    parts = []
    for i in range(3):
        seen = table[:, np.arange(frames)[:, None], :, moves[i]]  # (4, G, T, 8)
        seen = seen.transpose(2, 0, 3, 1)  # (T, 4, 8, G)
        parts.append(
            (
                (seen & first[:, :, None, None]).any(axis=1),
                (seen & ~first[:, :, None, None] & ~second[:, :, None, None]).any(axis=1),
                (seen & second[:, :, None, None]).any(axis=1),
            )
        )
    for a, (dy, dx) in enumerate(zip(ACTION_DY, ACTION_DX)):
        p0, p1, p2 = parts[dx + 1]
        hits[:, a] = p0 | p1[:, _SHIFT[dy + 2]] | p2[:, _SHIFT[2 * dy + 2]]
    ends = _SHIFT[np.clip(ACTION_DY[None, :, None] * reads[:, -1][:, None, None], -2, 2) + 2, np.arange(lanes)[None, None, :]]
    return hits, ends


def lookahead(
    state: AsterixState, horizon: int = 8, gamma: float = 0.8, sticky_guard: bool = True
) -> Lookahead:
    """Survival and item reachability of each action over ``horizon`` steps (see the module docstring)."""
    frames = horizon * FRAMES_PER_STEP
    pos, harmful, reward = object_tracks(state, frames)
    grid = player_grid(state.x, state.speed)
    gap = np.abs(grid[None, None, :] - pos[:, :, None])  # (F, 8, G)
    shape = (horizon, FRAMES_PER_STEP, len(DIRECTION), len(grid))
    hit = (harmful[:, :, None] & (gap <= HIT_DISTANCE)).reshape(shape)
    catch = (reward[:, :, None] & (gap <= CATCH_DISTANCE)).reshape(shape)
    polls = input_frames(state.frame_counter, frames).reshape(horizon, FRAMES_PER_STEP)
    reads = np.cumsum(polls, axis=1)
    moves = _x_moves(grid)
    coll, end_lane = _per_action(hit, moves, reads)
    got, _ = _per_action(catch, moves, reads)
    ng = moves[ACTION_DX + 1, -1][:, None, :]  # (9, 1, G)
    vertical = ACTION_DY != 0
    same_x_still = np.array([int(np.flatnonzero((ACTION_DY == 0) & (ACTION_DX == dx))[0]) for dx in ACTION_DX])
    guarded = sticky_guard & polls[:, 0]  # steps whose first frame reads up/down

    alive = np.zeros((len(DIRECTION), len(grid)), dtype=np.int64)
    value = np.zeros((len(DIRECTION), len(grid)))
    results = None
    for s in range(horizon - 1, -1, -1):
        nl = end_lane[s][:, :, None]
        nxt_alive, nxt_value = alive[nl, ng], value[nl, ng]  # (9, 8, G)
        c, gain = coll[s], got[s]
        if guarded[s]:
            v, still = vertical[:, None, None], same_x_still  # the lane change may not happen
            c = np.where(v, c | coll[s][still], c)
            nxt_alive = np.where(v, np.minimum(nxt_alive, nxt_alive[still]), nxt_alive)
            gain = np.where(v, gain & got[s][still], gain)
        after = np.where(c, 0, 1 + nxt_alive)
        sure = ~c & (nxt_alive >= horizon - s - 1)
        val = np.where(sure, np.where(gain, 1.0, gamma * nxt_value), 0.0)
        if s == 0:
            results = (c, after, gain & ~c, val)
        alive, value = after.max(axis=0), val.max(axis=0)
    assert results is not None
    c, after, gain, val = results
    g0, l0 = int(np.searchsorted(grid, state.x)), state.lane
    return Lookahead(
        collides=c[:, l0, g0].astype(np.float64),
        safe_steps=after[:, l0, g0].astype(np.float64),
        reward_now=gain[:, l0, g0].astype(np.float64),
        reward_value=val[:, l0, g0].astype(np.float64),
        horizon=horizon,
    )
