"""Baselines for the realm player country: random, waiting, and the scripted strategy agent.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/realm_player_baselines.py --episodes 10 --seed 10000

Plays whole 10-year episodes of the single-country env (game defaults) with
the same env seeding as ``gaikit eval RUN_DIR --episodes N --seed S``, so the
numbers compare directly with a trained DDQN evaluated that way. ``scripted``
is the strategy agent playing the ``player_action`` decision of realm.yaml.
"""

from __future__ import annotations

import argparse

import numpy as np

from gaikit.core.components import Agent
from gaikit.core.evaluation import evaluate
from gaikit.plugins.games.realm.game import RealmConfig, RealmGame
from gaikit.strategies.agent import StrategyAgent


class ConstantAgent(Agent):
    """Always the same action (0 = wait)."""

    def __init__(self, action: int) -> None:
        self.action = action

    def act(self, obs, step, explore=True):
        """The constant action for every row."""
        return np.full(len(obs), self.action)


class RandomAgent(Agent):
    """Uniformly random actions, seeded."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.rng = n, np.random.default_rng(seed)

    def act(self, obs, step, explore=True):
        """A random action for every row."""
        return self.rng.integers(self.n, size=len(obs))


def main() -> None:
    """Evaluate the baselines and print mean ± std of the episode returns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=10_000)
    args = parser.parse_args()
    game = RealmGame(RealmConfig())
    agents = {
        "wait": ConstantAgent(0),
        "random": RandomAgent(10, args.seed),
        "scripted": StrategyAgent(game, game.strategies(), seed=args.seed, action_space=game.make_env().action_space),
    }
    for name, agent in agents.items():
        envs = game.make_vector_env(1, seed=args.seed)
        result = evaluate(agent, envs, args.episodes, args.seed)
        s = result.summary()
        print(f"{name:<9} mean {s['mean']:7.2f} ± {s['std']:5.2f}  min {s['min']:7.2f}  max {s['max']:7.2f} "
              f"over {s['episodes']} episodes (seed {args.seed})")
        envs.close()


if __name__ == "__main__":
    main()
