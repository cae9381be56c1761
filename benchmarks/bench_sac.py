"""SAC training speed on HalfCheetahBulletEnv-v0: gaikit against Stable-Baselines3, in one run.

With ``--algo tqc``: gaikit's ``tqc`` learner against sb3-contrib's ``TQC``
(the same settings, plus their shared defaults: 2 critics of 25 quantiles,
the 2 largest target atoms of each dropped).

Both learners use rl-baselines3-zoo's settings for this env (lr 7.3e-4,
buffer 300k, batch 256, gamma 0.98, tau 0.02, train_freq 8, gradient_steps
8, ent_coef auto, actor and critics MLP [400, 300] on the raw observation;
with ``--sde`` also the zoo's gSDE: ``use_sde``, ``log_std_init`` -3, one
exploration matrix per rollout of 8 steps), act uniformly at random for the first ``--learning-starts`` steps, and
run with the same torch thread count, each as it ships (gaikit's runner
flushes denormal floats to zero while it trains, SB3 keeps IEEE denormals;
early in training, as here, there are none to flush). What is timed is the training loop
*after* learning starts: ``--steps`` env steps, each worth one gradient
step (env step, action, replay write, 8 updates every 8 steps).

gaikit runs through its own runner (``gaikit run`` without the CLI); SB3
through ``SAC.learn``, timed by a callback at the same two step counts. The
machine may be shared, so the two alternate for ``--rounds`` rounds (order
flipped each round) and the median of each is compared, per wall second and
per CPU second of the process (single-threaded work: CPU time is what the
code costs, whatever else runs on the machine).

A second measurement isolates the learners: both fill their replay buffers
with the same number of random steps, then alternate blocks of 16 gradient
steps (SB3's ``SAC.train`` against gaikit's ``Agent.learn``) and compare the
median CPU time per gradient step.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sac.py [--steps 3000] [--learning-starts 10000] [--rounds 3] \
        [--mode both] [--sde] [--algo sac|tqc]

Needs the optional ``bench`` extra (``pip install -e ".[bench]"``) for SB3 and sb3-contrib.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from sb3_state import load_gaikit_sac_into_sb3

from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.build import build_run
from gaikit.core.registry import get_registry
from gaikit.core.checkpoint import load_latest_checkpoint
from gaikit.core.components import Transition
from gaikit.core.cpu_flags import denormals_flushed
from gaikit.core.runner import Runner, true_next_obs

ENV_ID = "HalfCheetahBulletEnv-v0"
#: The zoo's gSDE settings for this env (SB3 redraws the matrix each rollout of train_freq = 8 steps).
LOG_STD_INIT = -3.0
SDE_SAMPLE_FREQ = 8


def exploration_overrides(sde: bool) -> list[str]:
    """gaikit's overrides for plain Gaussian exploration or the zoo's gSDE."""
    if not sde:
        return ["learner.use_sde=false"]
    return ["learner.use_sde=true", f"learner.log_std_init={LOG_STD_INIT}", f"selector.sde_sample_freq={SDE_SAMPLE_FREQ}"]


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _rates(steps: int, start: tuple[float, float], end: tuple[float, float]) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second of this process)."""
    return steps / (end[0] - start[0]), steps / (end[1] - start[1])


def checkpoint_learner_state(from_run: Path) -> dict:
    """The learner state of ``from_run``'s latest checkpoint."""
    _, state = load_latest_checkpoint(from_run)
    return state["agent"]["learner"]


def gaikit_speed(steps: int, learning_starts: int, threads: int, seed: int, sde: bool,
                 from_run: Path | None = None, algo: str = "sac") -> tuple[float, float]:
    """Env steps/s (wall, CPU) of gaikit's runner from step ``learning_starts`` to ``learning_starts + steps``.

    With ``from_run`` the learner starts from that run's latest checkpoint.
    """
    total = learning_starts + steps
    overrides = [
        f"train.learning_starts={learning_starts}", f"selector.random_steps={learning_starts}",
        "train.eval_every=0", "train.checkpoint_every=0", f"train.log_every={math.gcd(learning_starts, steps)}",
        f"train.threads={threads}", *exploration_overrides(sde),
    ]
    config = resolve_cli_config(get_registry(), "halfcheetah", config_file=None, choices={"learner": algo},
                                train_flags={"--steps": total, "--seed": seed}, overrides=overrides)
    built = build_run(config, get_registry())
    if from_run is not None:
        built.agent.learner.load_state_dict(checkpoint_learner_state(from_run))
    with tempfile.TemporaryDirectory() as tmp:
        runner = Runner(built.agent, built.game, config, Path(tmp) / "run", envs=built.envs,
                        progress=False, tensorboard=False)
        marks: dict[int, tuple[float, float]] = {}
        log_train = runner.metrics.log_train

        def timed_log_train(step: int, values: dict) -> dict:  # the runner logs at both window ends
            marks[step] = _clocks()
            return log_train(step, values)

        runner.metrics.log_train = timed_log_train  # type: ignore[method-assign]
        runner.run()
    return _rates(steps, marks[learning_starts], marks[total])


def sb3_model(learning_starts: int, seed: int, sde: bool, algo: str = "sac"):  # noqa: ANN201  (an optional extra)
    """Stable-Baselines3's SAC (sb3-contrib's TQC for ``algo="tqc"``) with the zoo settings for
    HalfCheetahBulletEnv-v0 (gSDE if ``sde``)."""
    import gymnasium as gym
    import pybullet_envs_gymnasium  # noqa: F401  (registers the ids)
    from stable_baselines3 import SAC

    if algo == "tqc":
        from sb3_contrib import TQC as algorithm
    else:
        algorithm = SAC
    return algorithm(
        "MlpPolicy", gym.make(ENV_ID), learning_rate=7.3e-4, buffer_size=300_000, batch_size=256, gamma=0.98,
        tau=0.02, train_freq=8, gradient_steps=8, learning_starts=learning_starts, ent_coef="auto",
        policy_kwargs={"net_arch": [400, 300], **({"log_std_init": LOG_STD_INIT} if sde else {})},
        use_sde=sde, seed=seed, device="cpu", verbose=0,
    )


def sb3_speed(steps: int, learning_starts: int, threads: int, seed: int, sde: bool,
              from_run: Path | None = None, algo: str = "sac") -> tuple[float, float]:
    """Env steps/s (wall, CPU) of Stable-Baselines3's SAC over the same window (from ``from_run``'s state if given)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Clock(BaseCallback):
        """Records the clocks when the step counter reaches the window's ends."""

        def __init__(self) -> None:
            super().__init__()
            self.marks: dict[int, tuple[float, float]] = {}

        def _on_step(self) -> bool:
            if self.num_timesteps in (learning_starts, learning_starts + steps):
                self.marks[self.num_timesteps] = _clocks()
            return True

    torch.set_num_threads(threads)
    model = sb3_model(learning_starts, seed, sde, algo)
    if from_run is not None:
        config = resolve_cli_config(get_registry(), "halfcheetah", config_file=None, choices={"learner": algo},
                                    train_flags={"--seed": seed}, overrides=exploration_overrides(sde))
        learner = build_run(config, get_registry()).agent.learner
        learner.load_state_dict(checkpoint_learner_state(from_run))
        load_gaikit_sac_into_sb3(model, learner)
    clock = Clock()
    model.learn(learning_starts + steps, callback=clock)
    model.get_env().close()
    return _rates(steps, clock.marks[learning_starts], clock.marks[learning_starts + steps])


def update_speeds(
    learning_starts: int, threads: int, blocks: int, sde: bool, seed: int = 0, from_run: Path | None = None,
    algo: str = "sac",
) -> tuple[float, float]:
    """Median CPU milliseconds per gradient step: (gaikit, SB3), alternating blocks of 16.

    With ``from_run`` both learners start from that gaikit run's latest
    checkpoint (weights, target critic, Adam moments, temperature): the
    update speeds late in training.
    """
    from stable_baselines3.common.logger import configure

    torch.set_num_threads(threads)
    model = sb3_model(learning_starts, seed, sde, algo)
    model.learn(learning_starts)  # random actions only: fills the buffer, no update yet
    model.set_logger(configure(None, []))
    config = resolve_cli_config(get_registry(), "halfcheetah", config_file=None, choices={"learner": algo},
                                train_flags={"--seed": seed},
                                overrides=[f"train.threads={threads}", *exploration_overrides(sde)])
    built = build_run(config, get_registry())
    envs, agent = built.envs, built.agent
    obs, _ = envs.reset(seed=seed)
    for step in range(learning_starts):  # random actions: the gaussian selector's warm-up
        actions = agent.act(obs, step)
        next_obs, rewards, terminated, truncated, infos = envs.step(actions)
        agent.observe(Transition(obs, actions, rewards, true_next_obs(next_obs, infos), terminated, truncated, infos))
        obs = next_obs
    envs.close()
    if from_run is not None:
        agent.learner.load_state_dict(checkpoint_learner_state(from_run))
        load_gaikit_sac_into_sb3(model, agent.learner)
    times: dict[str, list[float]] = {"gaikit": [], "sb3": []}
    for _ in range(blocks):
        start = time.process_time()
        model.train(gradient_steps=16, batch_size=256)
        times["sb3"].append((time.process_time() - start) / 16)
        start = time.process_time()
        with denormals_flushed(config.train.flush_denormal):  # as gaikit's runner does
            for _ in range(16):
                agent.learn()
        times["gaikit"].append((time.process_time() - start) / 16)
    return statistics.median(times["gaikit"]) * 1e3, statistics.median(times["sb3"]) * 1e3


def main() -> None:
    """Alternate the two measurements, then print each round, the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="timed env steps after learning starts")
    parser.add_argument("--learning-starts", type=int, default=10_000, help="random-action steps before learning")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each framework, alternating")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both")
    parser.add_argument("--mode", choices=["loop", "update", "both"], default="both", help="what to measure")
    parser.add_argument("--blocks", type=int, default=20, help="alternating blocks of 16 updates (update mode)")
    parser.add_argument("--sde", action="store_true", help="both with the zoo's gSDE exploration")
    parser.add_argument("--from-run", type=Path,
                        help="both start from this gaikit run's checkpoint (--sde for a gSDE run, --algo to match)")
    parser.add_argument("--algo", choices=["sac", "tqc"], default="sac",
                        help="sac: gaikit sac vs SB3 SAC; tqc: gaikit tqc vs sb3-contrib TQC")
    args = parser.parse_args()
    peer = "sb3-contrib TQC" if args.algo == "tqc" else "Stable-Baselines3"
    if args.mode in ("update", "both"):
        g_ms, s_ms = update_speeds(args.learning_starts, args.threads, args.blocks, args.sde, from_run=args.from_run,
                                   algo=args.algo)
        print(f"update only: gaikit {g_ms:.2f} ms, {peer} {s_ms:.2f} ms CPU per gradient step "
              f"(median of {args.blocks} alternating blocks of 16), ratio {s_ms / g_ms:.2f}x "
              f"(load {os.getloadavg()[0]:.2f})", flush=True)
    if args.mode == "update":
        return

    print(f"{args.algo.upper()} on {ENV_ID}: {args.steps} env steps (= gradient steps) after {args.learning_starts} random steps, "
          f"torch {torch.__version__}, {args.threads} thread(s), gSDE {'on' if args.sde else 'off'}, "
          f"{f'from {args.from_run}, ' if args.from_run else ''}"
          f"load average at start {os.getloadavg()[0]:.2f}")
    wall: dict[str, list[float]] = {"gaikit": [], "sb3": []}
    cpu: dict[str, list[float]] = {"gaikit": [], "sb3": []}
    runs = {"gaikit": gaikit_speed, "sb3": sb3_speed}
    for r in range(args.rounds):
        order = ["gaikit", "sb3"] if r % 2 == 0 else ["sb3", "gaikit"]
        for name in order:
            w, c = runs[name](args.steps, args.learning_starts, args.threads, seed=r, sde=args.sde,
                              from_run=args.from_run, algo=args.algo)
            wall[name].append(w)
            cpu[name].append(c)
            print(f"  round {r + 1}: {name:6s} {w:7.1f} env steps per wall s, {c:7.1f} per CPU s"
                  f"   (load {os.getloadavg()[0]:.2f})", flush=True)
    for label, table in (("wall", wall), ("CPU", cpu)):
        g, s = statistics.median(table["gaikit"]), statistics.median(table["sb3"])
        print(f"median per {label} second: gaikit {g:.1f} steps/s, {peer} {s:.1f} steps/s, "
              f"ratio {g / s:.2f}x")


if __name__ == "__main__":
    main()
