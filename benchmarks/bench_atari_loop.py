"""Asterix DQN training-loop speed, gaikit against Stable-Baselines3, and Atari collection speed.

All in one process, one torch thread, the same settings on both sides
(each framework as it ships: gaikit's runner flushes denormal floats to zero
while it trains and restores the mode after, SB3 keeps IEEE denormals; the
timed window is the first few thousand updates, where denormals are still
few):

* training loop: DDQN on Asterix with 1 env, batch 32, one gradient step
  every 4 env steps, target update every 1,000 env steps, Adam 2.5e-4,
  Huber loss, grad-norm clip 10, epsilon fixed at 0.01, replay capacity
  100k. Networks: ``ram`` = MLP 128x128 on the stacked RAM (4 x 128 bytes),
  ``image`` = Nature CNN (512 features) on 4 x 84 x 84 frames. SB3's DQN gets
  the same layer sizes in its own implementation (``MlpPolicy`` with
  ``net_arch=[128, 128]``; ``CnnPolicy``'s NatureCNN) and gaikit's single-env
  preprocessing (gymnasium ``AtariPreprocessing`` + frame stack for pixels,
  the same emulator frames without screen work for RAM; life-loss terminals,
  clipped rewards); gaikit uses its own env path (ale-py's
  ``AtariVectorEnv`` for pixels). Only the learning phase is timed: from the
  first gradient step to the last, after ``--learning-starts`` random steps.
  gaikit is timed with uniform replay (SB3's kind) and with prioritized
  replay (Asterix's default). SB3's DQN is single (not double) Q-learning,
  so it does one network forward pass less per update than gaikit's DDQN.
* collection: ale-py's ``AtariVectorEnv`` stepped raw with random actions
  against gaikit's pixel vector env (the same emulator behind gaikit's
  full-game statistics and life-loss terminals), and against gaikit's
  collection path (vector env + final-observation fix-up + prioritized
  replay ``add`` + episode statistics), at 1 and 8 envs.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_atari_loop.py [--ram-steps 20000] [--image-steps 3000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from sb3_state import load_gaikit_ddqn_into_sb3

from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.build import build_run
from gaikit.core.checkpoint import load_latest_checkpoint
from gaikit.core.config import load_resolved_config
from gaikit.core.components import Transition
from gaikit.core.episodes import EpisodeTracker
from gaikit.core.registry import get_registry
from gaikit.core.runner import Runner, true_next_obs
from gaikit.plugins.games.atari_envs import make_single_env

CAPACITY = 100_000
TARGET_EVERY = 1_000  # env steps
NETWORK = {"ram": "MLP 128x128", "image": "Nature CNN"}


def gaikit_config(encoder: str, memory: str, steps: int, learning_starts: int, stack: int | None = None,
                  extra: tuple[str, ...] = ()) -> Any:
    """The Asterix defaults with the benchmark's shared settings (another frame stack, ``extra`` overrides if given)."""
    overrides = [
        "train.batch_size=32", "train.train_freq=4", "train.gradient_steps=1",
        f"train.learning_starts={learning_starts}", "train.eval_every=0", "train.checkpoint_every=0",
        f"train.log_every={steps}", "train.threads=1", f"memory.capacity={CAPACITY}",
        "learner.lr=2.5e-4", f"learner.target_update_period={TARGET_EVERY // 4}", "learner.max_grad_norm=10",
        "selector.start_epsilon=0.01", "selector.end_epsilon=0.01", "selector.decay_steps=0",
    ]
    if encoder == "ram":
        overrides.append("encoder.hidden=[128, 128]")
    if stack is not None:
        overrides.append(f"game.stack={stack}")
    overrides.extend(extra)
    return resolve_cli_config(get_registry(), "asterix", config_file=None,
                              choices={"encoder": encoder, "memory": memory, "learner": "ddqn"},
                              train_flags={"--steps": steps, "--envs": 1, "--seed": 0}, overrides=overrides)


def filled_agent(config: Any, fill: int) -> Any:
    """The run ``config`` builds (one env), its agent's memory filled with ``fill`` random Asterix steps."""
    built = build_run(config, get_registry(), num_envs=1)
    agent, envs = built.agent, built.envs
    rng = np.random.default_rng(0)
    obs, _ = envs.reset(seed=0)
    for _ in range(fill):
        actions = rng.integers(0, 9, size=1)
        nxt, rewards, terminated, truncated, infos = envs.step(actions)
        agent.observe(Transition(obs, actions, rewards, true_next_obs(nxt, infos), terminated, truncated, infos))
        obs = nxt
    envs.close()
    return built


def time_gaikit(encoder: str, memory: str, steps: int, learning_starts: int,
                late: LateState | None = None) -> tuple[float, Any]:
    """Env steps/s of gaikit's runner during its learning phase; returns (speed, built run)."""
    config = gaikit_config(encoder, memory, learning_starts + steps, learning_starts, late.stack if late else None)
    built = build_run(config, get_registry())
    if late is not None:
        built.agent.learner.load_state_dict(late.learner_state)
    marks: list[float] = []
    learn = built.agent.learn

    def timed_learn() -> dict[str, float]:
        result = learn()
        marks.append(time.perf_counter())
        return result

    built.agent.learn = timed_learn  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        Runner(built.agent, built.game, config, Path(tmp) / "run", envs=built.envs,
               progress=False, tensorboard=False).run()
    return (len(marks) - 1) * 4 / (marks[-1] - marks[0]), built


def time_sb3(encoder: str, steps: int, learning_starts: int, built: Any, late: LateState | None = None) -> float:
    """Env steps/s of SB3's DQN during its learning phase: its own networks, gaikit's env preprocessing.

    ``ram``: ``MlpPolicy`` with ``net_arch=[128, 128]`` (flatten, 128, 128, Q);
    ``image``: ``CnnPolicy`` (SB3's NatureCNN, 512 features, then Q). The same
    layer sizes as gaikit's networks, in SB3's own implementation.
    """
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.vec_env import DummyVecEnv

    class Clock(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.start = self.end = 0.0
            self.start_step = 0

        def _on_step(self) -> bool:
            if self.num_timesteps == learning_starts + 8:
                self.start, self.start_step = time.perf_counter(), self.num_timesteps
            self.end = time.perf_counter()
            return True

    spec = built.game.spec()
    env = DummyVecEnv([lambda: make_single_env(spec, training=True)])
    policy, kwargs = ("CnnPolicy", {"net_arch": []}) if encoder == "image" else ("MlpPolicy", {"net_arch": [128, 128]})
    model = DQN(
        policy, env, learning_rate=2.5e-4, buffer_size=CAPACITY,
        learning_starts=learning_starts, batch_size=32, gamma=0.99, train_freq=4, gradient_steps=1,
        target_update_interval=TARGET_EVERY, exploration_initial_eps=0.01, exploration_final_eps=0.01,
        max_grad_norm=10, seed=0, device="cpu", verbose=0, policy_kwargs=kwargs,
    )
    if late is not None:  # the same late-training weights and Adam moments as gaikit's learner
        load_gaikit_ddqn_into_sb3(model, built.agent.learner)
    clock = Clock()
    model.learn(total_timesteps=learning_starts + steps, callback=clock)
    env.close()
    return (model.num_timesteps - clock.start_step) / (clock.end - clock.start)


@dataclass
class LateState:
    """A trained run's learner state and frame stack, for ``--from-run``."""

    learner_state: dict[str, Any]
    stack: int

    @classmethod
    def load(cls, run_dir: Path) -> LateState:
        """The latest checkpoint's learner state of ``run_dir`` and its game's frame stack."""
        config = load_resolved_config(run_dir / "config.yaml")
        _, state = load_latest_checkpoint(run_dir)
        return cls(state["agent"]["learner"], int(config.game.options["stack"]))


def raw_vector_speed(num_envs: int, steps: int) -> float:
    """ale-py's AtariVectorEnv with gaikit's settings, random actions, no wrappers."""
    from ale_py.vector_env import AtariVectorEnv

    envs = AtariVectorEnv("asterix", num_envs, autoreset_mode="SameStep", repeat_action_probability=0.25,
                          noop_max=30, episodic_life=False, reward_clipping=False, use_fire_reset=False)
    return _step_speed(envs, num_envs, steps)


def gaikit_vector_speed(num_envs: int, steps: int) -> float:
    """gaikit's pixel vector env (full-game statistics, life-loss terminals, clipping)."""
    built = build_run(gaikit_config("image", "prioritized", steps, steps), get_registry(),
                      num_envs=num_envs)
    return _step_speed(built.envs, num_envs, steps)


def gaikit_collection_speed(num_envs: int, steps: int) -> float:
    """Vector env + final-obs fix-up + prioritized ``add`` + episode statistics; random actions."""
    built = build_run(gaikit_config("image", "prioritized", steps, steps), get_registry(),
                      num_envs=num_envs)
    envs, memory = built.envs, built.agent.memory
    tracker = EpisodeTracker(num_envs, reported=True)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 9, size=(steps // num_envs, num_envs))
    obs, _ = envs.reset(seed=0)
    start = time.perf_counter()
    for i, a in enumerate(actions):
        nxt, rewards, terminated, truncated, infos = envs.step(a)
        t = Transition(obs, a, rewards, true_next_obs(nxt, infos), terminated, truncated, infos)
        memory.add(t)
        tracker.update(i * num_envs, rewards, terminated, truncated, infos)
        obs = nxt
    seconds = time.perf_counter() - start
    envs.close()
    return len(actions) * num_envs / seconds


def _step_speed(envs: gym.vector.VectorEnv, num_envs: int, steps: int) -> float:
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 9, size=(steps // num_envs, num_envs))
    envs.reset(seed=0)
    start = time.perf_counter()
    for a in actions:
        envs.step(a)
    seconds = time.perf_counter() - start
    envs.close()
    return len(actions) * num_envs / seconds


def best_of(rounds: int, measures: dict[str, Any]) -> dict[str, float]:
    """Run every measurement ``rounds`` times, interleaved; keep each one's best (least disturbed) speed."""
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, measure in measures.items():
            best[name] = max(best.get(name, 0.0), measure())
    return best


def main() -> None:
    """Measure and print every speed and ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ram-steps", type=int, default=10_000, help="timed env steps, RAM networks")
    parser.add_argument("--image-steps", type=int, default=2_000, help="timed env steps, CNNs")
    parser.add_argument("--learning-starts", type=int, default=1_000, help="untimed random steps first")
    parser.add_argument("--collect-steps", type=int, default=10_000, help="env steps per collection measurement")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved repetitions; the best of each is kept")
    parser.add_argument("--skip", choices=["training", "collection"], help="leave one half out")
    parser.add_argument("--encoders", nargs="+", choices=["ram", "image"], default=["ram", "image"],
                        help="training-loop measurements to run")
    parser.add_argument("--from-run", type=Path,
                        help="with one of --encoders: both start from this gaikit run's checkpoint (weights, Adam "
                             "moments); the run's encoder must be that one")
    args = parser.parse_args()
    late = LateState.load(args.from_run) if args.from_run else None
    if late is not None and len(args.encoders) != 1:
        parser.error("--from-run needs --encoders ram or --encoders image (the run's encoder)")
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread; Asterix; best of {args.rounds} interleaved rounds")
    if args.skip != "training":
        for encoder in args.encoders:
            steps = args.ram_steps if encoder == "ram" else args.image_steps
            built = build_run(gaikit_config(encoder, "uniform", steps, args.learning_starts, late.stack if late else None),
                              get_registry(), num_envs=1)
            built.envs.close()
            if late is not None:
                built.agent.learner.load_state_dict(late.learner_state)
                print(f"from {args.from_run}: its weights and Adam moments, frame stack {late.stack}")
            speeds = best_of(args.rounds, {
                "sb3": lambda: time_sb3(encoder, steps, args.learning_starts, built, late),
                "uniform": lambda: time_gaikit(encoder, "uniform", steps, args.learning_starts, late)[0],
                "per": lambda: time_gaikit(encoder, "prioritized", steps, args.learning_starts, late)[0],
            })
            sb3 = speeds["sb3"]
            print(f"{encoder} ({NETWORK[encoder]}), 1 env, batch 32, train every 4 steps, {steps:,} timed steps")
            print(f"  SB3 DQN, uniform replay         {sb3:8,.0f} steps/s")
            for key, label in (("uniform", "uniform replay    "), ("per", "prioritized replay")):
                print(f"  gaikit DDQN, {label} {speeds[key]:8,.0f} steps/s   {speeds[key] / sb3:.2f} x SB3")
    if args.skip != "collection":
        for num_envs in (1, 8):
            speeds = best_of(args.rounds, {
                "raw": lambda: raw_vector_speed(num_envs, args.collect_steps),
                "env": lambda: gaikit_vector_speed(num_envs, args.collect_steps),
                "collect": lambda: gaikit_collection_speed(num_envs, args.collect_steps),
            })
            raw = speeds["raw"]
            print(f"collection, {num_envs} env(s), pixels, {args.collect_steps:,} steps, random actions")
            print(f"  raw AtariVectorEnv              {raw:8,.0f} steps/s")
            print(f"  gaikit vector env               {speeds['env']:8,.0f} steps/s   {speeds['env'] / raw:.2f} x raw")
            print(f"  gaikit env + PER add + stats    {speeds['collect']:8,.0f} steps/s   "
                  f"{speeds['collect'] / raw:.2f} x raw")


if __name__ == "__main__":
    main()
