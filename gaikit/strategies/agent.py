"""``StrategyAgent``: a utility-AI agent for any game that declares features.

Per environment it keeps one :class:`StrategyEngine` (its own active
strategies, change points and last choices). Each :meth:`act`, for every
environment row it:

1. reads the named features with ``game.features(env, obs_row)`` (``env`` is
   the single env when the agent was bound to them, else ``None``: games
   should compute features from the observation);
2. resolves the strategy values and fires trigger events that became true,
   then the built-in ``tick`` event;
3. decides the file's ``act`` decision and plays the winning option's
   ``action``.

:meth:`observe` fires ``reward``/``penalty`` (points scaled by the reward)
and ``life_lost`` (when ``infos["lives"]`` drops), and resets the engine
when the episode ends: a new game rolls its strategies afresh.

``explore=False`` (evaluation) uses a separate set of engines and draws with
R = 0. Every ``defines.explain_every``-th decision of training play, and
every strategy change, becomes a record for ``explain.jsonl`` (see
:meth:`explain_records`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import gymnasium as gym
import numpy as np

from gaikit.core.components import Agent, Game, Observation, StateDict, Transition
from gaikit.core.errors import ConfigError
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.derivation import derive_values, values_read
from gaikit.strategies.engine import Decision, StrategyEngine
from gaikit.strategies.explain import explain_decision


def _row(obs: Observation, i: int) -> Any:
    if isinstance(obs, Mapping):
        return {key: value[i] for key, value in obs.items()}
    return obs[i]


def _batch_size(obs: Observation) -> int:
    if isinstance(obs, Mapping):
        return len(next(iter(obs.values())))
    return len(obs)


def check_actions(strategies: StrategySet, action_space: gym.Space | None) -> None:
    """Every option of the ``act`` decision must carry a valid action for ``action_space``."""
    if strategies.act is None:
        raise ConfigError(f"{strategies.source}: act: the strategy agent needs 'act: <decision>' naming the decision it plays")
    decision = strategies.decisions[strategies.act]
    if not decision.options:
        raise ConfigError(f"{strategies.source}: decisions.{strategies.act}: the played decision declares no options")
    for oid, option in decision.options.items():
        field = f"decisions.{strategies.act}.options.{oid}.action"
        if option.action is None:
            raise ConfigError(f"{strategies.source}: {field}: missing; each played option names its action")
        if isinstance(action_space, gym.spaces.Discrete):
            lo, hi = int(action_space.start), int(action_space.start + action_space.n)
            if not isinstance(option.action, int) or not lo <= option.action < hi:
                raise ConfigError(f"{strategies.source}: {field}: expected an integer action in [{lo}, {hi}), got {option.action!r}")


class StrategyAgent(Agent):
    """Plays a game with a strategy file: semi-random, moddable, explainable."""

    def __init__(
        self,
        game: Game,
        strategies: StrategySet,
        *,
        num_envs: int = 1,
        seed: int = 0,
        rules: Mapping[str, str] | None = None,
        action_space: gym.Space | None = None,
        envs: Sequence[gym.Env] | None = None,
    ) -> None:
        check_actions(strategies, action_space)
        self.game = game
        self.strategies = strategies
        self.rules = dict(rules or {})
        self.envs = list(envs) if envs is not None else None
        self._seeds = np.random.SeedSequence(seed)
        self._engines: dict[bool, list[StrategyEngine]] = {True: [], False: []}
        self._grow(True, num_envs)
        self._last: list[Decision] = []
        self._last_ctx: list[Any] = []
        self._last_active: list[dict[str, str]] = []
        self._lives: dict[int, float] = {}
        self._records: list[dict[str, Any]] = []
        self._history_seen: dict[int, int] = {}
        self.decisions = 0
        self.recorded = 0

    def _grow(self, explore: bool, n: int) -> list[StrategyEngine]:
        engines = self._engines[explore]
        while len(engines) < n:
            child = self._seeds.spawn(1)[0]
            engines.append(StrategyEngine(self.strategies, rules=self.rules, rng=np.random.default_rng(child)))
        return engines

    def bind_envs(self, envs: Sequence[gym.Env] | None) -> None:
        """Give ``game.features`` access to the single envs of a vector env (optional)."""
        self.envs = list(envs) if envs is not None else None

    def features(self, i: int, obs_row: Any) -> dict[str, float]:
        """Named features of environment ``i`` from the game."""
        env = self.envs[i] if self.envs is not None and i < len(self.envs) else None
        try:
            return self.game.features(env, obs_row)
        except NotImplementedError as exc:
            raise ConfigError(f"{exc}; implement Game.features and feature_names to play it with --agent strategy") from None

    def act(self, obs: Observation, step: int, explore: bool = True) -> np.ndarray:
        """One decision per environment row; the winning options' actions."""
        n = _batch_size(obs)
        engines = self._grow(explore, n)
        actions, decisions, contexts = [], [], []
        for i in range(n):
            engine = engines[i]
            engine.clock = step
            ctx = engine.context(self.features(i, _row(obs, i)))
            engine.watch(ctx)
            engine.event("tick", ctx)
            decision = engine.decide(self.strategies.act, ctx, explore=explore)  # type: ignore[arg-type]
            if decision.action is None:
                raise ConfigError(
                    f"decision {self.strategies.act!r} left no action to take at step {step}: every option is "
                    "must-not-have (or masked); keep one option allowed as a last resort, e.g. a no-op"
                )
            actions.append(decision.action)
            decisions.append(decision)
            contexts.append(ctx)
            if explore:
                self._record(i, engine, decision, ctx, step)
        self._last, self._last_ctx = decisions, contexts
        self._last_active = [dict(engines[i].active) for i in range(n)]
        return np.asarray(actions)

    def _derivation(self, engine: StrategyEngine, decision: Decision, env: Mapping[str, float],
                    active: Mapping[str, str]) -> dict[str, Any]:
        """Derivation chains of the values ``decision`` read, as resolved for ``active`` strategies."""
        own = getattr(engine, "overrides", None)
        return derive_values(self.strategies, env, active, rules=engine.rules, overrides=own, names=values_read(decision),
                             tag=getattr(engine, "tag", None))

    def _record(self, i: int, engine: StrategyEngine, decision: Decision, ctx: Any, step: int) -> None:
        defines = self.strategies.defines
        new = min(engine.changes - self._history_seen.get(i, 0), len(engine.history))
        for change in engine.history[len(engine.history) - new:] if new > 0 else []:
            self._push({"kind": "strategy_change", "step": step, "env": i, **change})
        self._history_seen[i] = engine.changes
        self.decisions += 1
        if defines.explain_every and self.decisions % defines.explain_every == 0:
            chains = self._derivation(engine, decision, ctx.env, engine.active)
            self._push({"kind": "decision", "step": step, "env": i,
                        **explain_decision(decision, defines.compensation, derivation=chains)})

    def _push(self, record: dict[str, Any]) -> None:
        if self.recorded < self.strategies.defines.explain_limit:
            self._records.append(record)
            self.recorded += 1

    def observe(self, transition: Transition) -> None:
        """Reward, penalty and life-lost events; a finished episode resets its engine."""
        engines = self._engines[True]
        lives = transition.infos.get("lives") if isinstance(transition.infos, Mapping) else None
        done = np.logical_or(transition.terminated, transition.truncated)
        for i, reward in enumerate(np.asarray(transition.rewards, dtype=np.float64)):
            if i >= len(engines) or i >= len(self._last_ctx):
                break
            engine, ctx = engines[i], self._last_ctx[i]
            if reward > 0:
                engine.event("reward", ctx, scale=float(reward))
            elif reward < 0:
                engine.event("penalty", ctx, scale=float(-reward))
            if lives is not None:
                now = float(lives[i])
                if i in self._lives and now < self._lives[i]:
                    engine.event("life_lost", ctx)
                self._lives[i] = now
            if done[i]:
                engine.reset()
                self._lives.pop(i, None)

    def explain(self) -> dict[str, Any] | None:
        """The last decision of every environment row, fully explained."""
        if not self._last:
            return None
        compensation = self.strategies.defines.compensation
        explore = self._last[0].explore
        engines = self._engines[explore]
        return {"decisions": [
            explain_decision(d, compensation, derivation=self._derivation(engines[i], d, ctx.env, active))
            for i, (d, ctx, active) in enumerate(zip(self._last, self._last_ctx, self._last_active))
        ]}

    def explain_records(self) -> list[dict[str, Any]]:
        """Records (decisions and strategy changes) since the last call, for ``explain.jsonl``."""
        records, self._records = self._records, []
        return records

    def describe(self) -> dict[str, Any]:
        """Strategy file and game rules, for the run header."""
        return {"strategy": self.strategies.source, "rules": self.rules}

    def state_dict(self) -> StateDict:
        """Every engine's state and the agent's counters."""
        return {
            "engines": {str(k): [e.state_dict() for e in v] for k, v in self._engines.items()},
            "decisions": self.decisions,
            "recorded": self.recorded,
            "lives": {str(k): v for k, v in self._lives.items()},
        }

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""
        for key, explore in (("True", True), ("False", False)):
            saved = state["engines"].get(key, [])
            for engine, engine_state in zip(self._grow(explore, len(saved)), saved):
                engine.load_state_dict(engine_state)
        self.decisions = int(state["decisions"])
        self.recorded = int(state["recorded"])
        self._lives = {int(k): float(v) for k, v in state["lives"].items()}
        self._history_seen = {i: e.changes for i, e in enumerate(self._engines[True])}
