"""SAC training speed on HalfCheetahBulletEnv-v0: gaikit against Stable-Baselines3, in one run.

Both learners use rl-baselines3-zoo's settings for this env (lr 7.3e-4,
buffer 300k, batch 256, gamma 0.98, tau 0.02, train_freq 8, gradient_steps
8, ent_coef auto, actor and critics MLP [400, 300] on the raw observation, no
gSDE), act uniformly at random for the first ``--learning-starts`` steps, and
run with the same torch thread count. What is timed is the training loop
*after* learning starts: ``--steps`` env steps, each worth one gradient
step (env step, action, replay write, 8 updates every 8 steps).

gaikit runs through its own runner (``gaikit run`` without the CLI); SB3
through ``SAC.learn``, timed by a callback at the same two step counts. The
machine may be shared, so the two alternate for ``--rounds`` rounds (order
flipped each round) and the median of each is compared.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sac.py [--steps 3000] [--learning-starts 10000] [--rounds 3]

Needs the optional ``bench`` extra (``pip install -e ".[bench]"``) for SB3.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from gaikit.cli.agents import AGENT_BUILDERS
from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.build import build_run
from gaikit.core.registry import get_registry
from gaikit.core.runner import Runner

ENV_ID = "HalfCheetahBulletEnv-v0"


def gaikit_speed(steps: int, learning_starts: int, threads: int, seed: int) -> float:
    """Env steps/s of gaikit's runner between step ``learning_starts`` and ``learning_starts + steps``."""
    total = learning_starts + steps
    overrides = [
        f"train.learning_starts={learning_starts}", f"selector.random_steps={learning_starts}",
        "train.eval_every=0", "train.checkpoint_every=0", f"train.log_every={math.gcd(learning_starts, steps)}",
        f"train.threads={threads}",
    ]
    config = resolve_cli_config(get_registry(), "halfcheetah", config_file=None, choices={},
                                train_flags={"--steps": total, "--seed": seed}, overrides=overrides)
    built = build_run(config, get_registry(), AGENT_BUILDERS)
    with tempfile.TemporaryDirectory() as tmp:
        runner = Runner(built.agent, built.game, config, Path(tmp) / "run", envs=built.envs,
                        progress=False, tensorboard=False)
        runner.run()
        rows = [json.loads(line) for line in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
    times = {row["step"]: row["time"] for row in rows if row["kind"] == "train"}
    return steps / (times[total] - times[learning_starts])


def sb3_speed(steps: int, learning_starts: int, threads: int, seed: int) -> float:
    """Env steps/s of Stable-Baselines3's SAC over the same window."""
    import gymnasium as gym
    import pybullet_envs_gymnasium  # noqa: F401  (registers the ids)
    from stable_baselines3 import SAC
    from stable_baselines3.common.callbacks import BaseCallback

    class Clock(BaseCallback):
        """Records wall time when the step counter reaches the window's ends."""

        def __init__(self) -> None:
            super().__init__()
            self.marks: dict[int, float] = {}

        def _on_step(self) -> bool:
            if self.num_timesteps in (learning_starts, learning_starts + steps):
                self.marks[self.num_timesteps] = time.perf_counter()
            return True

    torch.set_num_threads(threads)
    env = gym.make(ENV_ID)
    model = SAC(
        "MlpPolicy", env, learning_rate=7.3e-4, buffer_size=300_000, batch_size=256, gamma=0.98, tau=0.02,
        train_freq=8, gradient_steps=8, learning_starts=learning_starts, ent_coef="auto",
        policy_kwargs={"net_arch": [400, 300]}, seed=seed, device="cpu", verbose=0,
    )
    clock = Clock()
    model.learn(learning_starts + steps, callback=clock)
    env.close()
    return steps / (clock.marks[learning_starts + steps] - clock.marks[learning_starts])


def main() -> None:
    """Alternate the two measurements, then print each round, the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="timed env steps after learning starts")
    parser.add_argument("--learning-starts", type=int, default=10_000, help="random-action steps before learning")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each framework, alternating")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both")
    args = parser.parse_args()

    print(f"SAC on {ENV_ID}: {args.steps} env steps (= gradient steps) after {args.learning_starts} random steps, "
          f"torch {torch.__version__}, {args.threads} thread(s), load average at start {os.getloadavg()[0]:.2f}")
    results: dict[str, list[float]] = {"gaikit": [], "sb3": []}
    runs = {"gaikit": gaikit_speed, "sb3": sb3_speed}
    for r in range(args.rounds):
        order = ["gaikit", "sb3"] if r % 2 == 0 else ["sb3", "gaikit"]
        for name in order:
            speed = runs[name](args.steps, args.learning_starts, args.threads, seed=r)
            results[name].append(speed)
            print(f"  round {r + 1}: {name:6s} {speed:7.1f} env steps/s   (load {os.getloadavg()[0]:.2f})", flush=True)
    g, s = statistics.median(results["gaikit"]), statistics.median(results["sb3"])
    print(f"median: gaikit {g:.1f} steps/s, Stable-Baselines3 {s:.1f} steps/s, ratio {g / s:.2f}x")


if __name__ == "__main__":
    main()
