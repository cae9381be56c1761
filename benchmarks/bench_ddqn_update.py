"""DDQN gradient step on Asterix, gaikit against Stable-Baselines3's DQN, in one process.

For each network (``ram``: MLP 128x128 on 4 x 128 RAM bytes; ``image``:
Nature CNN on 4 x 84 x 84 frames) both frameworks fill a uniform replay
memory with the same number of random Asterix steps, then alternate blocks of
gradient steps (batch 32, Adam 2.5e-4, Huber loss, grad-norm clip 10): SB3's
``DQN.train`` against gaikit's ``Agent.learn`` (sample, update, priorities).
Printed: median CPU milliseconds per gradient step of each and SB3 / gaikit.

SB3's DQN bootstraps from ``max_a Q_target(s', a)``; gaikit's ``ddqn`` is
Double DQN by default (one forward pass more: the online net picks ``a*``).
The ``ddqn, double: false`` row is the same algorithm as SB3's.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ddqn_update.py [--networks ram image] [--blocks 15]

Needs the optional ``bench`` extra (``pip install -e ".[bench]"``) for SB3.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
from typing import Any

import torch

from bench_atari_loop import CAPACITY, TARGET_EVERY, filled_agent, gaikit_config
from gaikit.core.cpu_flags import denormals_flushed
from gaikit.plugins.games.atari_envs import make_single_env

BATCH = 32
BLOCK = 16  # gradient steps per timed block


def gaikit_agent(network: str, fill: int, double: bool) -> tuple[Any, Any, bool]:
    """gaikit's DDQN agent for ``network`` with ``fill`` random Asterix transitions in uniform replay;
    returns (agent, built run, whether the runner would flush denormals)."""
    config = gaikit_config(network, "uniform", fill, fill, extra=(f"learner.double={str(double).lower()}",))
    built = filled_agent(config, fill)
    agent = built.agent
    return agent, built, config.train.flush_denormal


def sb3_model(network: str, fill: int, built: Any) -> Any:
    """SB3's DQN with the same layer sizes and settings, its buffer filled by ``fill`` random steps."""
    from stable_baselines3 import DQN
    from stable_baselines3.common.logger import configure
    from stable_baselines3.common.vec_env import DummyVecEnv

    spec = built.game.spec()
    env = DummyVecEnv([lambda: make_single_env(spec, training=True)])
    policy, kwargs = ("CnnPolicy", {"net_arch": []}) if network == "image" else ("MlpPolicy", {"net_arch": [128, 128]})
    model = DQN(
        policy, env, learning_rate=2.5e-4, buffer_size=CAPACITY, learning_starts=fill + 1, batch_size=BATCH,
        gamma=0.99, train_freq=4, gradient_steps=1, target_update_interval=TARGET_EVERY,
        exploration_initial_eps=1.0, exploration_final_eps=1.0, max_grad_norm=10, seed=0, device="cpu",
        verbose=0, policy_kwargs=kwargs,
    )
    with contextlib.redirect_stdout(io.StringIO()):
        model.learn(total_timesteps=fill)  # random actions only: fills the buffer, no update yet
    model.set_logger(configure(None, []))
    env.close()
    return model


def per_step_ms(fn: Any) -> float:
    """CPU milliseconds of this process per gradient step for one block."""
    start = time.process_time()
    fn()
    return (time.process_time() - start) / BLOCK * 1e3


def measure(network: str, fill: int, blocks: int) -> dict[str, float]:
    """Median ms per gradient step: gaikit double / gaikit single / SB3, alternating blocks."""
    double_agent, built, flush = gaikit_agent(network, fill, double=True)
    single_agent, _, _ = gaikit_agent(network, fill, double=False)
    model = sb3_model(network, fill, built)

    def gaikit_block(agent: Any) -> Any:
        def run() -> None:
            with denormals_flushed(flush):  # as gaikit's runner trains
                for _ in range(BLOCK):
                    agent.learn()
        return run

    runs = {
        "ddqn": gaikit_block(double_agent),
        "ddqn, double: false": gaikit_block(single_agent),
        "SB3 DQN": lambda: model.train(gradient_steps=BLOCK, batch_size=BATCH),
    }
    for run in runs.values():  # warm-up
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(blocks):
        for name, run in runs.items():
            times[name].append(per_step_ms(run))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    """Measure each network and print the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", choices=["ram", "image"], default=["ram", "image"])
    parser.add_argument("--blocks", type=int, default=15, help="alternating timed blocks of 16 gradient steps")
    parser.add_argument("--fill", type=int, default=2_000, help="random steps stored before timing")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread; batch {BATCH}; CPU ms per gradient step, median of {args.blocks} blocks")
    for network in args.networks:
        medians = measure(network, args.fill, args.blocks)
        sb3 = medians["SB3 DQN"]
        for name, ms in medians.items():
            ratio = "" if name == "SB3 DQN" else f"   SB3 / gaikit = {sb3 / ms:.2f}x"
            print(f"  {network:5s} {name:20s} {ms:7.3f} ms{ratio}")


if __name__ == "__main__":
    main()
