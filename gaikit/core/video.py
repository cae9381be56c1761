"""Videos of an agent playing: greedy episodes rendered to frames, written as MP4.

Agents act on batches (one row per environment), so playback uses the game's
*single* env, ``Game.make_env(render_mode="rgb_array")``, whose observations
match one row of the training vector env (the :class:`~gaikit.core.components.Game`
contract), and adds the batch axis itself. This works for every game, including
those whose vector env cannot render (e.g. ALE's ``AtariVectorEnv``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from gaikit.core.actions import ActionAdapter
from gaikit.core.components import Agent, Game, Observation
from gaikit.core.errors import GaikitError


@dataclass
class Playback:
    """Frames and episode statistics of :func:`play_episodes`."""

    frames: list[np.ndarray] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)


def _batched(obs: Observation) -> Observation:
    if isinstance(obs, Mapping):
        return {key: np.asarray(value)[None] for key, value in obs.items()}
    return np.asarray(obs)[None]


def _frame(env: object) -> np.ndarray:
    frame = env.render()  # type: ignore[attr-defined]
    if frame is None:
        raise GaikitError("the game's env rendered no frame; it must support render_mode='rgb_array'")
    return np.asarray(frame)


def play_episodes(
    game: Game,
    agent: Agent,
    *,
    episodes: int = 1,
    seed: int = 0,
    step: int = 0,
    max_frames: int = 10_000,
) -> Playback:
    """Play ``episodes`` greedy episodes (``explore=False``) and keep every rendered frame.

    ``step`` is handed to :meth:`Agent.act` (for schedules). Recording stops
    early once ``max_frames`` frames are kept; an episode cut short that way
    is not counted in ``returns``.
    """
    env = game.make_env(render_mode="rgb_array")  # seeded by the first reset, as evaluation envs are
    adapt = ActionAdapter(env.action_space, 1)
    out = Playback()
    try:
        obs, _ = env.reset(seed=seed)
        out.frames.append(_frame(env))
        for _ in range(episodes):
            ret, length, done = 0.0, 0, False
            while not done and len(out.frames) < max_frames:
                action = adapt(agent.act(_batched(obs), step, explore=False))[0]
                obs, reward, terminated, truncated, _ = env.step(action)
                out.frames.append(_frame(env))
                ret += float(reward)
                length += 1
                done = bool(terminated or truncated)
            if not done:
                break
            out.returns.append(ret)
            out.lengths.append(length)
            obs, _ = env.reset()
    finally:
        env.close()
    return out


def record_video(frames: Sequence[np.ndarray], path: Path | str, fps: int = 30) -> Path:
    """Write RGB ``uint8`` frames ``(height, width, 3)`` to an H.264 MP4 at ``path``.

    Odd frame sizes are padded by one edge pixel (the ``yuv420p`` format web
    players expect needs even sizes). Returns the path written.
    """
    import imageio_ffmpeg  # lazily: only video needs ffmpeg

    if len(frames) == 0:
        raise GaikitError(f"no frames to write to {path}")
    first = np.asarray(frames[0])
    if first.ndim != 3 or first.shape[2] not in (3, 4):
        raise GaikitError(f"video frames must be (height, width, 3) RGB arrays, got shape {first.shape}")
    height, width = first.shape[0] + first.shape[0] % 2, first.shape[1] + first.shape[1] % 2
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (width, height),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        ffmpeg_log_level="error",
    )
    writer.send(None)  # start the ffmpeg process
    try:
        for frame in frames:
            rgb = np.asarray(frame, dtype=np.uint8)[:, :, :3]
            if rgb.shape[:2] != first.shape[:2]:
                raise GaikitError(f"video frames changed size from {first.shape[:2]} to {rgb.shape[:2]}")
            pad = ((0, height - rgb.shape[0]), (0, width - rgb.shape[1]), (0, 0))
            writer.send(np.ascontiguousarray(np.pad(rgb, pad, mode="edge")))
    finally:
        writer.close()
    return path
