"""``gaikit eval RUN_DIR``: greedy episodes from a run's latest usable checkpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import gymnasium as gym
import typer

from gaikit.cli.app import app
from gaikit.core.checkpoint import write_text_atomic
from gaikit.core.components import Game
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.evaluation import EVAL_SEED_OFFSET, evaluate
from gaikit.core.video import play_episodes, record_video
from gaikit.trained_agent import load_trained
from gaikit.training import load_run_config


#: Most greedy episodes one ``gaikit eval`` plays (a typo of a few extra digits must not run for days).
MAX_EVAL_EPISODES = 1_000_000


def check_renderer(game: Game, seed: int) -> None:
    """Render one frame of ``game`` headless; a missing renderer (pygame for classic control) is one line.

    ``rgb_array`` rendering never opens a window, so SDL is told to use its
    dummy video driver (no display or ``XDG_RUNTIME_DIR`` needed, no warnings).
    """
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    env = None
    try:
        env = game.make_env(render_mode="rgb_array")
        env.reset(seed=seed)
        frame = env.render()
    except gym.error.DependencyNotInstalled as exc:
        raise GaikitError(f"--video: {game.name} cannot render: {str(exc).strip().splitlines()[0]}") from None
    finally:
        if env is not None:
            env.close()
    if frame is None:
        raise GaikitError(f"--video: {game.name} rendered no frame; its env must support render_mode='rgb_array'")


def _progress(done: int, total: int, episode_return: float) -> None:
    """One line per finished episode on stderr (stdout keeps the summary alone)."""
    typer.echo(f"  episode {done}/{total}: return {episode_return:,.1f}", err=True)


@app.command("eval")
def eval_command(
    run_dir: Path = typer.Argument(..., help="A run directory written by gaikit run."),
    episodes: Optional[int] = typer.Option(None, "--episodes", help="Greedy episodes to play (default: train.eval_episodes)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the evaluation env (default: the run's eval seed)."),
    video: bool = typer.Option(False, "--video", help="Also record one greedy episode to RUN_DIR/videos/eval-<checkpoint>.mp4."),
    json_out: Optional[Path] = typer.Option(
        None, "--json", help="Also write every episode's return and length, and the summary, to this JSON file."),
) -> int:
    """Play greedy episodes with the latest usable checkpoint; print mean, std, min and max."""
    config = load_run_config(run_dir)
    episodes = config.train.eval_episodes if episodes is None else episodes
    if not 1 <= episodes <= MAX_EVAL_EPISODES:
        raise ConfigError(f"--episodes {episodes}: must be between 1 and {MAX_EVAL_EPISODES:,}")
    if seed is not None and seed < 0:
        raise ConfigError(f"--seed {seed}: must be at least 0")
    if json_out is not None and not json_out.parent.is_dir():
        raise ConfigError(f"--json {json_out}: directory {json_out.parent} does not exist")
    seed = config.train.seed + EVAL_SEED_OFFSET if seed is None else seed
    built, checkpoint, state = load_trained(run_dir, config, seed=seed)
    try:
        if video:
            check_renderer(built.game, seed)  # before the evaluation, not after minutes of it
        result = evaluate(built.agent, built.envs, episodes, seed, step=int(state["step"]),
                          epsilon=config.train.eval_epsilon, on_episode=_progress)
    finally:
        built.envs.close()
    s = result.summary()
    policy = "greedy" if config.train.eval_epsilon == 0 else f"epsilon-{config.train.eval_epsilon:g} greedy"
    typer.echo(f"{built.game.name}: {checkpoint.name}, {s['episodes']} {policy} episodes (seed {seed})")
    typer.echo(f"mean {s['mean']:.2f}  std {s['std']:.2f}  min {s['min']:.2f}  max {s['max']:.2f}  "
               f"mean length {s['mean_length']:.1f}")
    if json_out is not None:
        record = {"run_dir": str(run_dir), "checkpoint": checkpoint.name, "step": int(state["step"]), "seed": seed,
                  "policy": policy, "summary": s, "returns": result.returns, "lengths": result.lengths}
        write_text_atomic(json_out, json.dumps(record, indent=2) + "\n")
        typer.echo(f"episodes: {json_out}")
    if video:
        playback = play_episodes(built.game, built.agent, episodes=1, seed=seed, step=int(state["step"]))
        path = record_video(playback.frames, run_dir / "videos" / f"eval-{checkpoint.name}.mp4")
        shown = f", return {playback.returns[0]:.2f}" if playback.returns else ""
        typer.echo(f"video: {path} ({len(playback.frames)} frames{shown})")
    return 0
