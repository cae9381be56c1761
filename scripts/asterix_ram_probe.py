"""Find the Atari 2600 Asterix RAM map by experiment, and print the evidence.

Re-runnable (about two minutes on one core): every section plays seeded
``ALE/Asterix-v5`` games through ale-py directly, reads ``ale.getRAM()``,
perturbs bytes with ``ale.setRAM`` and checks what the screen (the RGB frame)
or the game (rewards, deaths) does. docs/asterix_ram.md explains the results.

    python scripts/asterix_ram_probe.py            # every section
    python scripts/asterix_ram_probe.py player     # one section (see SECTIONS)
"""

from __future__ import annotations

import argparse
import collections

import ale_py
import gymnasium as gym
import numpy as np

gym.register_envs(ale_py)

LANE_TOP, LANE_PITCH, LANE_ROWS = 25, 16, 13  # lane l spans screen rows 25 + 16 l .. + 12
LINE = (84, 92, 214)  # the blue lane separators
PLAYER = [(187, 187, 53), (170, 170, 170), (198, 89, 179)]  # Asterix's colours


def make(frameskip: int = 4) -> gym.Env:
    """A sticky-free Asterix env (so experiments are deterministic)."""
    return gym.make("ALE/Asterix-v5", repeat_action_probability=0.0, frameskip=frameskip)


def colour_mask(band: np.ndarray, colours: list[tuple[int, int, int]]) -> np.ndarray:
    """Pixels of ``band`` whose RGB is one of ``colours``."""
    return np.any([(band == np.array(c)).all(axis=2) for c in colours], axis=0)


def screen_objects(frame: np.ndarray) -> tuple[int, int, np.ndarray, list[tuple]]:
    """(player lane, player left x, each lane's object left x (-1: none), each lane's object colours)."""
    band = frame[LANE_TOP : LANE_TOP + 8 * LANE_PITCH]
    ys, xs = np.nonzero(colour_mask(band, PLAYER[:1]))
    lane, px = (int(np.median(ys)) // LANE_PITCH, int(xs.min())) if len(ys) else (-1, -1)
    other = band.any(axis=2) & ~colour_mask(band, [LINE] + PLAYER)
    xs_obj, sigs = np.full(8, -1), []
    for l in range(8):
        rows = slice(l * LANE_PITCH, l * LANE_PITCH + LANE_ROWS)
        cols = np.nonzero(other[rows].any(axis=0))[0]
        if len(cols):
            xs_obj[l] = cols.min()
        pix = band[rows][other[rows]]
        sigs.append(tuple(sorted(set(map(tuple, pix.tolist())))))
    return lane, px, xs_obj, sigs


def random_play(steps: int, seed: int) -> tuple[np.ndarray, list]:
    """RAM after each step of a seeded random game, and what the screen showed."""
    env = make()
    env.reset(seed=seed)
    rng, ale, rams, seen, action = np.random.default_rng(seed), env.unwrapped.ale, [], [], 0
    for t in range(steps):
        if t % 8 == 0:
            action = int(rng.integers(9))
        frame, _, term, trunc, _ = env.step(action)
        rams.append(ale.getRAM().copy())
        seen.append(screen_objects(frame))
        if term or trunc:
            env.reset()
    return np.array(rams, dtype=np.int64), seen


def best_bytes(ram: np.ndarray, target: np.ndarray, top: int = 3) -> list[tuple[int, float]]:
    """The RAM addresses whose value correlates best (|r|) with ``target``."""
    out = []
    for i in range(128):
        if ram[:, i].std() > 0 and target.std() > 0:
            out.append((i, abs(float(np.corrcoef(ram[:, i], target)[0, 1]))))
    return sorted(out, key=lambda t: -t[1])[:top]


def section_player(ram: np.ndarray, seen: list) -> None:
    """Player lane and x against the yellow sprite on screen."""
    lane = np.array([s[0] for s in seen])
    px = np.array([s[1] for s in seen])
    ok = lane >= 0
    print("player lane (screen) best-correlated bytes:", best_bytes(ram[ok], lane[ok]))
    print("player x (screen) best-correlated bytes:  ", best_bytes(ram[ok], px[ok]))
    print("lane == (125 - ram[40]) // 16:", float(np.mean(lane[ok] == (125 - ram[ok, 40]) // 16)))
    print("screen x - ram[41] values:", dict(collections.Counter((px[ok] - ram[ok, 41]).tolist())))


def section_objects(ram: np.ndarray, seen: list) -> None:
    """Each lane's object x against its sprite on screen; its sprite byte against its colours."""
    for l in range(8):
        x = np.array([s[2][l] for s in seen])
        ok = x >= 0
        offsets = dict(collections.Counter((x[ok] - ram[ok, 42 + l]).tolist()))
        print(f"lane {l}: best bytes {best_bytes(ram[ok], x[ok], 1)}, screen x - ram[{42 + l}] = {offsets}")
    table = collections.Counter()
    for r, s in zip(ram, seen):
        for l in range(8):
            table[(int(r[18 - l]), s[3][l])] += 1
    print("sprite byte ram[18 - lane] -> colours drawn in that lane (count):")
    for (value, colours), n in sorted(table.items()):
        if n >= 20:
            print(f"  {value:4d} {colours} x{n}")
    steps = ram[1:, 42:50] - ram[:-1, 42:50]
    moving = (np.abs(steps) > 0) & (np.abs(steps) < 20)
    for l in range(8):
        print(f"lane {l} moves {dict(collections.Counter(np.sign(steps[moving[:, l], l]).tolist()))} px/step sign")


def section_perturb() -> None:
    """setRAM on the player and object bytes moves the sprites drawn on screen."""
    env = make()
    env.reset(seed=3)
    ale = env.unwrapped.ale
    for _ in range(36):
        env.step(0)
    base = ale.cloneState()
    for x in (30, 60, 100):
        ale.restoreState(base)
        ale.setRAM(41, x)
        frame, *_ = env.step(0)
        print(f"setRAM(41, {x}) -> player drawn at x {screen_objects(frame)[1]}")
    for lane in (0, 5):
        ale.restoreState(base)
        ale.setRAM(39, lane)
        ale.setRAM(40, 125 - 16 * lane)
        frame, *_ = env.step(0)
        print(f"setRAM(39, {lane}), setRAM(40, {125 - 16 * lane}) -> player drawn in lane {screen_objects(frame)[0]}")
    ale.restoreState(base)
    ale.setRAM(44, 70)
    frame, *_ = env.step(0)
    print(f"setRAM(44, 70) -> lane 2 object drawn at x {screen_objects(frame)[2][2]} (moves 4 px per step)")


def section_contact() -> None:
    """Place the player next to an item / a lyre: which offsets score and which kill."""
    env = make()
    env.reset(seed=3)
    ale = env.unwrapped.ale

    def scan(lane: int) -> str:
        base, ram = ale.cloneState(), ale.getRAM()
        marks = []
        for off in range(-24, 25, 2):
            ale.restoreState(base)
            ale.setRAM(39, lane)
            ale.setRAM(40, 125 - 16 * lane)
            ale.setRAM(41, int(np.clip(int(ram[42 + lane]) + off, 0, 255)))
            _, reward, *_ = env.step(0)
            marks.append("D" if ale.getRAM()[71] > 0 else "R" if reward > 0 else ".")
        ale.restoreState(base)
        return f"lane {lane} sprite {ram[18 - lane]}: " + "".join(marks)

    for _ in range(8):
        env.step(0)
    print("player x = object x + offset, offsets -24..24 step 2 (R reward, D death):")
    print(" ", scan(0), "\n ", scan(1))
    for _ in range(28):
        env.step(0)
    print(" ", scan(0), "\n ", scan(1))


def section_score_lives() -> None:
    """Score bytes (BCD): setting them pays exactly their value; lives and the death timer."""
    env = make()
    env.reset(seed=3)
    ale = env.unwrapped.ale
    env.step(0)
    for digits in ((0x01, 0x23, 0x45), (0x00, 0x49, 0x00)):
        state = ale.cloneState()
        for addr, v in zip((94, 95, 96), digits):
            ale.setRAM(addr, v)
        _, reward, *_ = env.step(0)
        print(f"setRAM(94..96, {[hex(d) for d in digits]}) -> ALE reward {reward:.0f}")
        ale.restoreState(state)
    lives, timer = [], []
    for _ in range(400):
        env.step(0)
        lives.append(int(ale.getRAM()[83]))
        timer.append(int(ale.getRAM()[71]))
    start = int(np.argmax(np.array(timer) > 0))
    print(f"standing still: death timer ram[71] starts at step {start} ({timer[start:start + 4]}...), "
          f"lives ram[83] {sorted(set(lives), reverse=True)}, ale.lives() {ale.lives()}")


def section_stage() -> None:
    """Stage ram[54]: item sprite, points, speeds; ram[66] counts items in the stage."""
    env = make()
    for stage in (0, 1, 2, 3, 4, 5, 8, 16, 33):
        env.reset(seed=0)
        ale = env.unwrapped.ale
        for _ in range(10):
            env.step(0)
        ale.setRAM(54, stage)
        speeds, sprites, rewards, xs = collections.Counter(), collections.Counter(), collections.Counter(), []
        for t in range(300):
            before = ale.getRAM().copy()
            _, reward, *_ = env.step(3 if t % 40 < 20 else 2)
            after = ale.getRAM()
            for d in np.abs(after[42:50].astype(int) - before[42:50].astype(int)):
                if 0 < d < 20:
                    speeds[int(d)] += 1
            sprites.update(int(after[18 - l]) for l in range(8) if 100 <= after[18 - l] < 198)
            rewards[reward] += reward > 0
            xs.append(abs(int(after[41]) - int(before[41])))
        print(f"stage {stage:2d}: object px/step {speeds.most_common(1)}, player px/step "
              f"{collections.Counter(xs).most_common(2)}, item sprites {sorted(sprites)}, rewards {sorted(k for k in rewards if k)}")
    ram, _ = random_play(3000, 1)
    counted = np.diff(ram[:, 66])
    print("ram[66] changes per step:", dict(collections.Counter(counted.tolist())), "(+1 per item, 49 -> 0 with ram[54] + 1)")


def section_timing() -> None:
    """Up/down is read only on frames where ram[7] (before the frame) is a multiple of 4; the walls."""
    env = make(frameskip=1)
    env.reset(seed=0)
    ale, acts = env.unwrapped.ale, env.unwrapped._action_set
    rng, reads = np.random.default_rng(0), collections.Counter()
    for _ in range(3000):
        before = ale.getRAM().copy()
        lane = (125 - int(before[40])) // 16
        action = int(rng.choice([1, 4]))
        ale.act(acts[action])
        after = ale.getRAM()
        if before[71] == 0 and after[71] == 0 and ((action == 1 and lane > 0) or (action == 4 and lane < 7)):
            reads[(int(before[7]) % 4, bool(after[40] != before[40]))] += 1
    print("(ram[7] % 4 before the frame, lane changed) with up/down held:", dict(sorted(reads.items())))
    env.reset(seed=1)
    counter = [int(ale.getRAM()[7])]
    for _ in range(300):
        ale.act(acts[0])
        counter.append(int(ale.getRAM()[7]))
    print("ram[7] steps:", dict(collections.Counter(np.diff(counter).tolist())), "range", min(counter), max(counter))
    base = ale.cloneState()
    for stage in (0, 5):
        for start in (23, 24, 25, 26, 125, 126, 127, 128):
            ale.restoreState(base)
            ale.setRAM(54, stage)
            ale.setRAM(41, start)
            ale.act(acts[3 if start < 50 else 2])
            print(f"stage {stage}: x {start}, one frame toward the wall -> {ale.getRAM()[41]}")


SECTIONS = {
    "player": lambda data: section_player(*data()),
    "objects": lambda data: section_objects(*data()),
    "perturb": lambda data: section_perturb(),
    "contact": lambda data: section_contact(),
    "score": lambda data: section_score_lives(),
    "stage": lambda data: section_stage(),
    "timing": lambda data: section_timing(),
}


def main() -> None:
    """Run the chosen sections (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--steps", type=int, default=3000, help="steps of random play for player/objects")
    args = parser.parse_args()
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    cache: dict[str, tuple] = {}

    def data() -> tuple:
        if "play" not in cache:
            cache["play"] = random_play(args.steps, 0)
        return cache["play"]

    for name in args.sections or SECTIONS:
        print(f"== {name}")
        SECTIONS[name](data)


if __name__ == "__main__":
    main()
