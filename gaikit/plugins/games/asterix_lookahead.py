"""A few-step lookahead over lanes and x for Asterix: which moves survive, which reach an item.

The objects' motion is known from the RAM (:mod:`gaikit.plugins.games.asterix_ram`):
each lane's object slides at the stage's speed, pop-ups stay frozen while their
timer runs, and an object that leaves one edge comes back at the other as a
newly drawn kind, which the lookahead treats as a lyre (it cannot know). The
player moves ``2 * speed`` pixels per frame sideways (within the walls) and
changes lane on the frames where the game reads up/down (address 7).

Sticky actions: the emulator repeats the previous input on each frame with
probability 1/4 until the new one takes over, so a lane change read on a
step's first frame follows the *previous* input one time in four. The
dynamic programme therefore keeps the previous vertical input in its state,
and on such steps a move counts as safe only if the replayed lane change is
safe too (``sticky_guard``). For the step about to be played, the previous
input (read from how the player last moved) is replayed frame by frame.

Over a grid of (lane, x) positions and ``horizon`` steps of 4 frames, dynamic
programming gives, for each of the 9 actions taken now:

* ``collides``: the move touches a lyre during this step (frame by frame);
* ``safe_steps``: how many steps the player can surely stay alive after it
  (``horizon`` = as far as the lookahead sees; also over the likely sticky
  outcomes that do not touch a lyre);
* ``slip_risk``: the chance that sticky input makes this step touch a lyre;
* ``reward_now``: an item is caught during this step;
* ``reward_value``: ``gamma ** k`` for the soonest item catchable ``k`` steps
  ahead on a path that survives the whole horizon (0: none).

Everything is numpy over the whole grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gaikit.plugins.games.asterix_ram import (
    DIRECTION,
    HARMFUL,
    LANES,
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
#: ``_ACTION_OF[dy + 1, dx + 1]``: the action id of a (dy, dx) input.
_ACTION_OF = np.zeros((3, 3), dtype=np.int64)
_ACTION_OF[ACTION_DY + 1, ACTION_DX + 1] = np.arange(len(ACTION_DY))
#: The player may step left only from x >= LEFT_STOP and right only from x <= RIGHT_STOP.
LEFT_STOP, RIGHT_STOP = 25, 126


@dataclass(frozen=True)
class Lookahead:
    """Per-action results (arrays of length 9, in :data:`ACTIONS` order)."""

    collides: np.ndarray
    safe_steps: np.ndarray
    reward_now: np.ndarray
    reward_value: np.ndarray
    #: Chance that sticky input (the previous action replayed on the first frames) touches a lyre.
    slip_risk: np.ndarray
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


def _per_action(
    seen: np.ndarray, reads: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each action touches a table during each step, and the lane it ends in.

    ``seen`` is ``(3, T, 4, 8, G)``: for sideways move dx = -1, 0, +1, step,
    frame, lane and starting x, whether the player would touch it there;
    ``reads`` ``(T, 4)`` counts the lane changes read so far in each step
    (0, 1 or 2). Returns ``(T, 9, 8, G)`` and ``(T, 9, 8)``.
    """
    _, t, _, lanes, g = seen.shape
    segments = [reads == r for r in range(3) if r == 0 or (reads == r).any()]
    parts = [(seen & m[None, :, :, None, None]).any(axis=2) for m in segments]  # each (3, T, 8, G)
    hits = np.empty((t, len(ACTIONS), lanes, g), dtype=bool)
    for a, (dy, dx) in enumerate(zip(ACTION_DY, ACTION_DX)):
        h = parts[0][dx + 1]
        for r in range(1, len(parts)):
            h = h | parts[r][dx + 1][:, _SHIFT[r * dy + 2]]
        hits[:, a] = h
    ends = _SHIFT[np.clip(ACTION_DY[None, :, None] * reads[:, -1][:, None, None], -2, 2) + 2, np.arange(lanes)[None, None, :]]
    return hits, ends


def _first_step(
    state: AsterixState, plan: list[tuple[int, int]], polls: np.ndarray, tracks: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[bool, bool, int, int]:
    """Play one step frame by frame from the current state; ``plan`` is the (dy, dx) applied on each frame.

    ``polls`` says on which of the 4 frames up/down is read.

    Returns (touched a lyre, caught an item, lane after, x after).
    """
    pos, harmful, reward = tracks
    lane, x, step = state.lane, state.x, 2 * state.speed
    hit = got = False
    for j, (dy, dx) in enumerate(plan):
        if (dx < 0 and x >= LEFT_STOP) or (dx > 0 and x <= RIGHT_STOP):
            x += dx * step
        if polls[j]:
            lane = min(max(lane + dy, 0), LANES - 1)
        near = abs(x - pos[j, lane])
        hit |= bool(harmful[j, lane]) and near <= HIT_DISTANCE
        got |= bool(reward[j, lane]) and near <= CATCH_DISTANCE
    return hit, got, lane, x


def _variants(
    action: int, polls: np.ndarray, previous: tuple[int, int] | None, sticky_guard: bool
) -> list[tuple[float, list[tuple[int, int]]]]:
    """Ways the emulator's sticky input may play ``action`` this step: (probability, per-frame plan).

    Each frame keeps the previous input with probability 1/4 until the new one
    takes over. Plans with probability under 1/20 are dropped, except a
    sticky lane change on the step's second frame (1/16), which is kept.
    """
    intended = (int(ACTION_DY[action]), int(ACTION_DX[action]))
    out: list[tuple[float, list[tuple[int, int]]]] = []
    if previous is None:
        if sticky_guard and polls[0] and intended[0] != 0:
            out.append((0.25, [(0, intended[1])] + [intended] * 3))
        return out
    if previous == intended:
        return out
    out.append((0.25, [previous] + [intended] * 3))
    if polls[1] and not polls[0] and previous[0] != intended[0]:
        out.append((1 / 16, [previous] * 2 + [intended] * 2))
    return out


def lookahead(
    state: AsterixState,
    horizon: int = 8,
    gamma: float = 0.8,
    previous: tuple[int, int] | None = None,
    sticky_guard: bool = True,
) -> Lookahead:
    """Survival and item reachability of each action over ``horizon`` steps (see the module docstring).

    ``previous`` is the (dy, dx) input of the last step, if known; sticky
    actions may replay it on this step's first frames. Unknown, only a lane
    change read on the first frame is guarded (``sticky_guard``).
    """
    frames = horizon * FRAMES_PER_STEP
    tracks = object_tracks(state, frames)
    pos, harmful, reward = tracks
    grid = player_grid(state.x, state.speed)
    moves = _x_moves(grid)
    shape = (1, horizon, FRAMES_PER_STEP, len(DIRECTION), 1)
    player = grid[moves][:, None, :, None, :]  # (3, 1, 4, 1, G): x after each frame, per dx and start
    gap = np.abs(player - pos.reshape(shape))  # (3, T, 4, 8, G)
    polls = input_frames(state.frame_counter, frames).reshape(horizon, FRAMES_PER_STEP)
    reads = np.cumsum(polls, axis=1)
    coll, end_lane = _per_action(harmful.reshape(shape) & (gap <= HIT_DISTANCE), reads)
    got, _ = _per_action(reward.reshape(shape) & (gap <= CATCH_DISTANCE), reads)
    ng = moves[ACTION_DX + 1, -1][:, None, :]  # (9, 1, G)
    next_dy = (ACTION_DY + 1)[:, None, None]  # the next step's "previous input" is this action
    guarded = sticky_guard & polls[:, 0]  # steps whose first frame reads up/down

    # State (previous dy + 1, lane, x index): on a guarded step the previous
    # input may be replayed on the first frame, so the lane change is its.
    alive = np.zeros((3, len(DIRECTION), len(grid)), dtype=np.int64)
    value = np.zeros((3, len(DIRECTION), len(grid)))
    pdy = np.arange(-1, 2)[:, None, None, None]  # (3, 1, 1, 1)
    differs = ACTION_DY[None, :, None, None] != pdy  # (3, 9, 1, 1)
    slip = _ACTION_OF[:, ACTION_DX + 1]  # (3, 9): the move a replayed previous input makes
    for s in range(horizon - 1, 0, -1):
        nl = end_lane[s][:, :, None]
        nxt_alive, nxt_value = alive[next_dy, nl, ng], value[next_dy, nl, ng]  # (9, 8, G)
        c, gain = coll[s], got[s]
        if guarded[s]:
            slip_alive = alive[next_dy[None], end_lane[s][slip][..., None], ng[None]]  # (3, 9, 8, G)
            c = c[None] | (differs & coll[s][slip])
            nxt_alive = np.where(differs, np.minimum(nxt_alive[None], slip_alive), nxt_alive[None])
            gain = gain[None] & ~(differs & ~got[s][slip])
            nxt_value = nxt_value[None]
        after = np.where(c, 0, 1 + nxt_alive)
        sure = ~c & (nxt_alive >= horizon - s - 1)
        val = np.where(sure, np.where(gain, 1.0, gamma * nxt_value), 0.0)
        alive = np.broadcast_to(after.max(axis=-3), alive.shape)
        value = np.broadcast_to(val.max(axis=-3), value.shape)

    n = len(ACTIONS)
    collides, risk = np.zeros(n), np.zeros(n)
    safe, now, worth = np.zeros(n), np.zeros(n), np.zeros(n)
    for a in range(n):
        plan = [(int(ACTION_DY[a]), int(ACTION_DX[a]))] * FRAMES_PER_STEP
        hit, caught, lane, x = _first_step(state, plan, polls[0], tracks)
        if hit:
            collides[a] = 1.0
            continue
        g, dy = int(np.searchsorted(grid, x)), int(ACTION_DY[a]) + 1
        after_steps = 1 + int(alive[dy, lane, g])
        for p, variant in _variants(a, polls[0], previous, sticky_guard):
            v_hit, _, v_lane, v_x = _first_step(state, variant, polls[0], tracks)
            risk[a] += p if v_hit else 0.0
            if p >= 0.25 and not v_hit:
                after_steps = min(after_steps, 1 + int(alive[dy, v_lane, int(np.searchsorted(grid, v_x))]))
        safe[a] = after_steps
        now[a] = float(caught)
        if after_steps >= horizon:
            worth[a] = 1.0 if caught else gamma * float(value[dy, lane, g])
    return Lookahead(collides, safe, now, worth, np.minimum(risk, 1.0), horizon)
