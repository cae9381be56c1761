"""A small agent kind and a small world that honour their contracts, and variants each broken in one way.

Registered by tests/test_contract_agents_worlds.py in a fixture (``SamplesPlugin``)
and unregistered after. The good ones:

* ``CoinAgent`` (agent kind ``coin``) plays seeded coin flips over a ``Discrete``
  action space; it "learns" by counting what it observed.
* ``CoinWorld`` (world ``coin``) flips a seeded coin for two actors every week
  from 1900-01-01 and explains each actor's last flip up to a date.

Each variant breaks exactly one promise, named by the clause it violates.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gaikit.core.components import Agent, Transition
from gaikit.core.errors import ConfigError
from gaikit.core.hookspecs import hookimpl
from gaikit.core.world import World

# -- agent kinds --------------------------------------------------------------


class CoinAgent(Agent):
    """Seeded random actions when exploring, action 0 when not; learns once it has seen 8 steps."""

    def __init__(self, action_space: gym.Space, seed: int) -> None:
        if not isinstance(action_space, gym.spaces.Discrete):
            raise TypeError("the coin agent plays Discrete action spaces only")
        self.n = int(action_space.n)
        self.rng = np.random.default_rng(seed)
        self.seen = 0
        self.last: np.ndarray | None = None

    def act(self, obs: Any, step: int, explore: bool = True) -> np.ndarray:
        rows = len(obs)
        actions = self.rng.integers(0, self.n, size=rows) if explore else np.zeros(rows, np.int64)
        self.last = actions
        return actions

    def observe(self, transition: Transition) -> None:
        self.seen += len(transition.rewards)

    def can_learn(self) -> bool:
        return self.seen >= 8

    def learn(self) -> dict[str, float]:
        return {"seen": float(self.seen)}

    def explain(self) -> dict[str, Any] | None:
        return None if self.last is None else {"actions": self.last}

    def describe(self) -> dict[str, Any]:
        return {"agent": "coin", "actions": self.n}

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state, "seen": self.seen}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.seen = state["seen"]


class OutOfRangeAgent(CoinAgent):
    """AGENT-1: explores one past the last action."""

    def act(self, obs: Any, step: int, explore: bool = True) -> np.ndarray:
        actions = super().act(obs, step, explore)
        return np.full_like(actions, self.n) if explore else actions


class FloatActionsAgent(CoinAgent):
    """AGENT-1: discrete actions as floats."""

    def act(self, obs: Any, step: int, explore: bool = True) -> np.ndarray:
        return super().act(obs, step, explore).astype(np.float32)


class OneRowAgent(CoinAgent):
    """AGENT-1: one action for the whole batch."""

    def act(self, obs: Any, step: int, explore: bool = True) -> np.ndarray:
        return super().act(obs, step, explore)[:1]


class EndlessAgent(CoinAgent):
    """AGENT-2: cannot take in a step where an episode ends."""

    def observe(self, transition: Transition) -> None:
        if np.logical_or(transition.terminated, transition.truncated).any():
            raise RuntimeError("episodes never end, do they?")
        super().observe(transition)


class NaNLearningAgent(CoinAgent):
    """AGENT-3: reports a NaN loss."""

    def learn(self) -> dict[str, float]:
        return {"loss": float("nan")}


class UnseededAgent(CoinAgent):
    """AGENT-4: ignores the seed it is given."""

    def __init__(self, action_space: gym.Space, seed: int) -> None:
        super().__init__(action_space, seed)
        self.rng = np.random.default_rng()


class ForgetfulAgent(CoinAgent):
    """AGENT-5: its state_dict leaves the random generator out."""

    def state_dict(self) -> dict[str, Any]:
        return {"seen": self.seen}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seen = state["seen"]


class PicklingAgent(CoinAgent):
    """AGENT-6: its state holds the generator object itself."""

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng, "seen": self.seen}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng = state["rng"]
        self.seen = state["seen"]


class OpaqueExplainAgent(CoinAgent):
    """AGENT-7: explains with an object JSON cannot write."""

    def explain(self) -> dict[str, Any] | None:
        return {"rng": self.rng}


def agent_factory(cls: type[CoinAgent]) -> Callable[[Any], Agent]:
    """``factory(context) -> Agent`` building ``cls`` for the run's action space and seed."""

    def factory(context: Any) -> Agent:
        return cls(context.action_space, context.seed)

    return factory


AGENT_KINDS: dict[str, Callable[[Any], Any]] = {
    "coin": agent_factory(CoinAgent),
    "coin-not-an-agent": lambda context: "not an agent",
    "coin-out-of-range": agent_factory(OutOfRangeAgent),
    "coin-float-actions": agent_factory(FloatActionsAgent),
    "coin-one-row": agent_factory(OneRowAgent),
    "coin-endless": agent_factory(EndlessAgent),
    "coin-nan-learning": agent_factory(NaNLearningAgent),
    "coin-unseeded": agent_factory(UnseededAgent),
    "coin-forgetful": agent_factory(ForgetfulAgent),
    "coin-pickling": agent_factory(PicklingAgent),
    "coin-opaque-explain": agent_factory(OpaqueExplainAgent),
}

# -- worlds -------------------------------------------------------------------

START = datetime.date(1900, 1, 1)


class CoinConfig(BaseModel):
    """Options of the coin world."""

    model_config = ConfigDict(extra="forbid")

    years: int = Field(3, ge=1, description="Years of weekly flips.")


class CoinWorld(World):
    """Two actors flip a seeded coin every week; ``explain_decisions`` gives an actor's last flip up to a date."""

    name = "coin"
    actors = ("heads", "tails")

    def __init__(self, config: CoinConfig) -> None:
        self.config = config

    def rng(self, seed: int) -> random.Random:
        return random.Random(seed)

    def history(self, seed: int) -> list[dict[str, Any]]:
        rng = self.rng(seed)
        return [
            {"time": (START + datetime.timedelta(weeks=week)).isoformat(), "agent": actor, "decision": "flip",
             "value": rng.random()}
            for week in range(self.config.years * 52)
            for actor in self.actors
        ]

    def run(self, config: Any, run_dir: Path, echo: Callable[[str], None]) -> int:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.write_config(config, run_dir)
        lines = [f"{r['time']} {r['agent']} {r['value']:.4f}" for r in self.history(config.train.seed)]
        (run_dir / "history.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        echo(f"{len(lines)} flips written to {run_dir / 'history.txt'}")
        return 0

    def write_config(self, config: Any, run_dir: Path) -> None:
        (run_dir / "config.yaml").write_text(config.to_yaml(), encoding="utf-8")

    def actor(self, name: str) -> str:
        for i, actor in enumerate(self.actors):
            if name in (actor, str(i)):
                return actor
        raise ConfigError(f"unknown actor {name!r}; actors: {', '.join(self.actors)}")

    def day(self, date: str) -> str:
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            raise ConfigError(f"date {date!r}: expected an ISO date such as 1900-03-01") from None
        end = START + datetime.timedelta(weeks=self.config.years * 52)
        if not START <= day <= end:
            raise ConfigError(f"date {date}: outside the simulated time {START} .. {end}")
        return day.isoformat()

    def explain_decisions(self, config: Any, actor: str, date: str) -> list[dict[str, Any]]:
        who, day = self.actor(actor), self.day(date)
        mine = [r for r in self.history(config.train.seed) if r["agent"] == who and r["time"] <= day]
        return mine[-1:]


class NoConfigFileWorld(CoinWorld):
    """WORLD-1: its run directory lacks config.yaml."""

    def write_config(self, config: Any, run_dir: Path) -> None:
        pass


class FailingWorld(CoinWorld):
    """WORLD-1: the run reports failure."""

    def run(self, config: Any, run_dir: Path, echo: Callable[[str], None]) -> int:
        super().run(config, run_dir, echo)
        return 1


class UnseededWorld(CoinWorld):
    """WORLD-2: flips an unseeded coin."""

    def rng(self, seed: int) -> random.Random:
        return random.Random()


class AnyActorWorld(CoinWorld):
    """WORLD-3: an unknown actor is a KeyError, not a ConfigError."""

    def actor(self, name: str) -> str:
        return {"heads": "heads", "0": "heads", "tails": "tails", "1": "tails"}[name]


class AnyDateWorld(CoinWorld):
    """WORLD-4: a date outside the simulated time gives no records instead of an error."""

    def day(self, date: str) -> str:
        return date


class SetRecordsWorld(CoinWorld):
    """WORLD-5: its records hold a set."""

    def explain_decisions(self, config: Any, actor: str, date: str) -> list[dict[str, Any]]:
        return [{**r, "options": {"heads", "tails"}} for r in super().explain_decisions(config, actor, date)]


WORLDS: dict[str, Callable[[Any], Any]] = {
    "coin": CoinWorld,
    "coin-not-a-world": lambda config: "not a world",
    "coin-no-config-file": NoConfigFileWorld,
    "coin-failing": FailingWorld,
    "coin-unseeded": UnseededWorld,
    "coin-any-actor": AnyActorWorld,
    "coin-any-date": AnyDateWorld,
    "coin-set-records": SetRecordsWorld,
}


class SamplesPlugin:
    """Registers every agent kind and world above."""

    @hookimpl
    def gaikit_register_agents(self, register):  # type: ignore[no-untyped-def]
        for name, factory in AGENT_KINDS.items():
            register(name, factory, description="contract sample")

    @hookimpl
    def gaikit_register_worlds(self, register):  # type: ignore[no-untyped-def]
        for name, factory in WORLDS.items():
            register(name, factory, config=CoinConfig, description="contract sample")
