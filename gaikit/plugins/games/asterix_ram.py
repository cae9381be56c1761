"""The Atari 2600 Asterix RAM map, and a decoder from the 128 RAM bytes to a game state.

Every address here was found by experiment (``scripts/asterix_ram_probe.py``
prints the evidence; ``docs/asterix_ram.md`` explains it). Lanes are numbered
0 (top) to 7 (bottom); x is the sprite's left edge in screen pixels.

=========  ===============================================================
address    meaning
=========  ===============================================================
7          frame counter, 2..128 then back to 2 (+1 every frame); the
           joystick's up/down is read on frames where its value before the
           frame is a multiple of 4 (so the phase slips once per 127 frames)
40         player y: ``125 - 16 * lane``
41         player x (17..134: it steps left only from x >= 25, right
           only from x <= 126, by twice the objects' speed per frame)
42 + l     x of the object in lane l (5..143), lanes 0, 2, 4, 6 move right,
           lanes 1, 3, 5, 7 move left; each lane holds one object
18 - l     sprite of lane l's object, redrawn every frame: 11 empty, < 100
           points pop-up (harmless), 108 + 12 k an item, 204/216 a lyre
29 + l     lane l's object draw: bit 0 set = a lyre (kills), clear = an
           item (reward); the sprite byte follows it on the next frame
26 - l     pop-up timer of lane l: frames the points stay frozen in place
54         stage (item kind and speed); +1 after 50 items
66         items collected in the current stage (0..49)
71         death animation timer (0: alive)
83         lives
94..96     score, 6 BCD digits (ALE's reward is its change)
=========  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LANES = 8
#: Addresses (see the module docstring).
FRAME_COUNTER = 7
PLAYER_Y = 40
PLAYER_X = 41
OBJECT_X = 42
OBJECT_SPRITE = 18
OBJECT_DRAW = 29
POPUP_TIMER = 26
STAGE = 54
STAGE_ITEMS = 66
DEATH_TIMER = 71
LIVES = 83
SCORE = (94, 95, 96)

#: Lane ``l``'s object moves by ``DIRECTION[l] * speed`` pixels per frame.
DIRECTION = np.where(np.arange(LANES) % 2 == 0, 1, -1)
#: An object moving right past ``WRAP_RIGHT`` reappears ``WRAP_PERIOD`` pixels to the left, and
#: one moving left below ``WRAP_LEFT`` reappears ``WRAP_PERIOD + 1`` pixels to the right,
#: as a newly drawn kind (unknown in advance).
WRAP_RIGHT, WRAP_LEFT, WRAP_PERIOD = 143, 5, 138

#: Object kinds.
EMPTY, REWARD, HARMFUL, POPUP = 0, 1, 2, 3

#: Objects' speed in pixels per frame by stage (measured by setting address 54);
#: the player moves twice as fast. Stages past the table keep its last value.
SPEED_BY_STAGE = np.array([1] * 4 + [2] * 12 + [3] * 9 + [1] * 3 + [2] * 2 + [3] * 3 + [4] * 17)
#: Points per item by stage: 50, 100, 200, 300, 400, then 500.
POINTS_BY_STAGE = np.array([50, 100, 200, 300, 400, 500])


def input_frames(counter: int, frames: int) -> np.ndarray:
    """Booleans ``(frames,)``: whether up/down is read on each of the next frames.

    ``counter`` is address 7 now; it counts up by one per frame and goes from
    128 back to 2, and a frame reads up/down when the value before it is a
    multiple of 4.
    """
    before = int(counter) + np.arange(frames)
    before = np.where(before > 128, (before - 129) % 127 + 2, before)
    return before % 4 == 0


def object_kind(sprite: np.ndarray, draw: np.ndarray, popup_timer: np.ndarray) -> np.ndarray:
    """Kind of each lane's object: EMPTY, REWARD, HARMFUL or POPUP.

    ``sprite`` (addresses 18 - l) says empty (11); a running ``popup_timer``
    (26 - l) says points pop-up; otherwise bit 0 of ``draw`` (29 + l) says
    lyre. The sprite's value range cannot tell items from lyres from stage
    24 on, where the item pointers run past the table.
    """
    s = np.asarray(sprite, dtype=np.int64)
    lyre = (np.asarray(draw, dtype=np.int64) & 1) == 1
    kind = np.where(lyre, HARMFUL, REWARD)
    kind = np.where(np.asarray(popup_timer) > 1, POPUP, kind)
    return np.where((s == 11) | (s == 0), EMPTY, kind)


def bcd(byte: int) -> int:
    """Value of one packed BCD byte (0x42 -> 42)."""
    return (int(byte) >> 4) * 10 + (int(byte) & 0x0F)


@dataclass(frozen=True)
class AsterixState:
    """What the RAM says about one moment of Asterix."""

    lane: int
    x: int
    object_x: np.ndarray
    sprite: np.ndarray
    kind: np.ndarray
    popup_frames: np.ndarray
    stage: int
    stage_items: int
    speed: int
    lives: int
    score: int
    dying: bool
    #: Address 7, the frame counter that times when up/down is read.
    frame_counter: int

    @property
    def poll_frame(self) -> int:
        """Index (0..3) of the first frame of the next 4-frame step on which up/down is read."""
        return int(np.argmax(input_frames(self.frame_counter, 4)))

    @property
    def item_points(self) -> int:
        """Points an item is worth at this stage."""
        return int(POINTS_BY_STAGE[min(self.stage, len(POINTS_BY_STAGE) - 1)])


def decode(ram: np.ndarray) -> AsterixState:
    """Decode the 128 RAM bytes of ``ALE/Asterix`` into an :class:`AsterixState`."""
    r = np.asarray(ram, dtype=np.int64).reshape(-1)
    if r.shape[0] != 128:
        raise ValueError(f"expected 128 RAM bytes, got {r.shape[0]}")
    lanes = np.arange(LANES)
    sprite = r[OBJECT_SPRITE - lanes]
    timer = r[POPUP_TIMER - lanes]
    kind = object_kind(sprite, r[OBJECT_DRAW + lanes], timer)
    popup_frames = np.where(kind == POPUP, timer, 0)
    stage = int(r[STAGE])
    return AsterixState(
        lane=int(np.clip((125 - r[PLAYER_Y]) // 16, 0, LANES - 1)),
        x=int(r[PLAYER_X]),
        object_x=r[OBJECT_X + lanes],
        sprite=sprite,
        kind=kind,
        popup_frames=popup_frames,
        stage=stage,
        stage_items=int(r[STAGE_ITEMS]),
        speed=int(SPEED_BY_STAGE[min(stage, len(SPEED_BY_STAGE) - 1)]),
        lives=int(r[LIVES]),
        score=bcd(r[SCORE[0]]) * 10_000 + bcd(r[SCORE[1]]) * 100 + bcd(r[SCORE[2]]),
        dying=bool(r[DEATH_TIMER] > 0),
        frame_counter=int(r[FRAME_COUNTER]),
    )
