"""The agent-kind contract: valid actions, runner steps taken in, determinism and exact resume.

Subclass :class:`AgentContract` and provide a ``make_agent`` fixture:
``make_agent(*, num_envs, seed) -> BuiltRun``, the game, its vector envs and
the agent built against their spaces, as :func:`gaikit.core.build.build_run`
returns them (``gaikit run GAME --agent KIND`` builds exactly that). The
easiest way is the registered kind on a game it plays::

    import functools
    from gaikit.testing import AgentContract, registered_maker

    class TestMyKind(AgentContract):
        @pytest.fixture
        def make_agent(self):
            return functools.partial(registered_maker("agents", "my-kind"), "CartPole-v1")

The suite plays the agent the way :class:`gaikit.core.runner.Runner` does:
``act`` on the envs' observations, actions adapted to the action space,
``envs.step``, ``observe(Transition(...))`` with the true next observations,
and ``learn()`` whenever ``can_learn()`` says it can.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any, Iterator

import gymnasium as gym
import numpy as np

from gaikit.core.actions import ActionAdapter
from gaikit.core.components import Agent, Transition
from gaikit.core.runner import true_next_obs
from gaikit.testing.clauses import check, guarded, violation
from gaikit.testing.statecheck import checkpoint_problem, difference, snapshot


def json_problem(value: Any) -> str | None:
    """Why ``value`` cannot be written as JSON (numpy scalars and arrays allowed, as ``explain.jsonl`` does), or ``None``."""

    def numpy_only(item: Any) -> Any:
        if isinstance(item, (np.generic, np.ndarray)):
            return item.tolist()
        raise TypeError(f"{type(item).__name__} {item!r:.60} is not JSON-serialisable")

    try:
        json.dumps(value, default=numpy_only)
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None


def action_problem(actions: Any, space: gym.Space, num_envs: int) -> str | None:
    """Why ``actions`` is not one valid action per env for ``space``, or ``None``."""
    if not isinstance(actions, np.ndarray):
        return f"act returned {type(actions).__name__}, expected a numpy array"
    discrete = isinstance(space, gym.spaces.Discrete)
    expected = (num_envs,) if discrete else (num_envs, *(space.shape or ()))
    if actions.shape != expected:
        return f"actions shape {actions.shape}, expected {expected} for {num_envs} envs of {space}"
    if discrete:
        if actions.dtype.kind not in "iu":
            return f"actions dtype {actions.dtype}, expected integers for {space}"
    elif space.dtype is not None and not np.can_cast(actions.dtype, space.dtype, "same_kind"):
        return f"actions dtype {actions.dtype}, expected {space.dtype} (or one castable to it) for {space}"
    for i, row in enumerate(actions):
        value = np.int64(row) if discrete else np.asarray(row).astype(space.dtype)
        if not space.contains(value):
            return f"env {i}: action {np.asarray(row).tolist()} not in {space}"
    return None


class Play:
    """An agent playing its vector envs the way the runner does (see the module docstring)."""

    def __init__(self, built: Any, seed: int, clause: str) -> None:
        self.agent: Agent = built.agent
        self.envs: gym.vector.VectorEnv = built.envs
        self.num_envs = int(self.envs.num_envs)
        self.adapt = ActionAdapter(self.envs.single_action_space, self.num_envs)
        self.obs, _ = guarded(clause, f"envs.reset(seed={seed})", self.envs.reset, seed=seed)
        self.step = 0
        self.ended = 0

    def act(self, clause: str, agent: Agent | None = None, explore: bool = True) -> np.ndarray:
        """``agent.act`` (default: this play's agent) on the current observations; an error violates ``clause``."""
        agent = self.agent if agent is None else agent
        return guarded(clause, f"agent.act(obs, {self.step}, explore={explore})", agent.act, self.obs, self.step, explore)

    def advance(self, clause: str, actions: np.ndarray, learn: bool = False,
                followers: tuple[Agent, ...] = ()) -> Transition:
        """Step the envs with ``actions``; hand the step to the agent (and ``followers``), then learn if asked."""
        problem = action_problem(actions, self.envs.single_action_space, self.num_envs)
        check(problem is None, "AGENT-1", f"step {self.step} of play: {problem}")
        actions = guarded(clause, "adapting the actions to the action space (as the runner does)", self.adapt, actions)
        next_obs, rewards, terminated, truncated, infos = self.envs.step(actions)
        transition = Transition(self.obs, actions, rewards, true_next_obs(next_obs, infos), terminated, truncated, infos)
        for agent in (self.agent, *followers):
            guarded(clause, f"agent.observe(transition) at step {self.step}", agent.observe, transition)
        self.step += self.num_envs
        self.obs = next_obs
        self.ended += int(np.logical_or(terminated, truncated).sum())
        if learn:
            for agent in (self.agent, *followers):
                if guarded(clause, "agent.can_learn()", agent.can_learn):
                    guarded(clause, f"agent.learn() at step {self.step}", agent.learn)
        return transition

    def run(self, clause: str, steps: int, learn: bool = False) -> list[np.ndarray]:
        """``steps`` vector steps; the actions the agent chose."""
        chosen = []
        for _ in range(steps):
            actions = self.act(clause)
            chosen.append(np.array(actions, copy=True))
            self.advance(clause, actions, learn)
        return chosen


class AgentContract:
    """Contract tests for an agent kind (see the module docstring for the fixture)."""

    #: Parallel envs the agent plays.
    num_envs = 3
    #: Vector steps of play where a clause needs a played (and, if it learns, trained) agent.
    play_steps = 30
    #: Most vector steps AGENT-2 plays looking for an episode end.
    observe_steps = 150
    #: Vector steps compared after a state_dict round trip.
    compare_steps = 8

    @contextlib.contextmanager
    def built(self, make_agent: Any, seed: int, clause: str = "AGENT-0") -> Iterator[Any]:
        """A fresh build (game, envs, agent) with ``seed``, its envs closed after; a failure violates AGENT-0."""
        run = guarded("AGENT-0", f"make_agent(num_envs={self.num_envs}, seed={seed})", make_agent,
                      num_envs=self.num_envs, seed=seed)
        try:
            agent, envs = getattr(run, "agent", None), getattr(run, "envs", None)
            check(isinstance(agent, Agent), "AGENT-0", f"built {type(agent).__name__}, not a gaikit Agent")
            if not isinstance(envs, gym.vector.VectorEnv):
                violation("AGENT-0", f"envs are {type(envs).__name__}, not a VectorEnv")
            check(envs.num_envs == self.num_envs, "AGENT-0", f"{envs.num_envs} envs, asked for {self.num_envs}")
            yield run
        finally:
            envs = getattr(run, "envs", None)
            if envs is not None:
                envs.close()

    def check_actions(self, actions: Any, space: gym.Space, where: str) -> None:
        """AGENT-1 on one batch of actions."""
        problem = action_problem(actions, space, self.num_envs)
        check(problem is None, "AGENT-1", f"{where}: {problem}")

    # -- clauses -------------------------------------------------------------

    def test_agent_0_builds(self, make_agent: Any) -> None:
        """AGENT-0: an :class:`~gaikit.core.components.Agent` and ``num_envs`` vector envs."""
        with self.built(make_agent, seed=0):
            pass

    def test_agent_1_valid_actions(self, make_agent: Any) -> None:
        """AGENT-1: one action per env, inside the action space, exploring or not, early and late."""
        with self.built(make_agent, seed=1) as run:
            play = Play(run, seed=1, clause="AGENT-1")
            space = run.envs.single_action_space
            for explore in (True, False):
                self.check_actions(play.act("AGENT-1", explore=explore), space, f"fresh agent, explore={explore}")
            for _ in range(self.play_steps):
                actions = play.act("AGENT-1")
                self.check_actions(actions, space, f"step {play.step} of play")
                play.advance("AGENT-1", actions, learn=True)
            late = 10**6  # late in any schedule (time only moves forward)
            for explore in (True, False):
                actions = guarded("AGENT-1", f"agent.act(obs, {late}, explore={explore})",
                                  run.agent.act, play.obs, late, explore)
                self.check_actions(actions, space, f"step {late}, explore={explore}")

    def test_agent_2_observe(self, make_agent: Any) -> None:
        """AGENT-2: every step of play is taken in, also the ones where an episode ends (and after)."""
        with self.built(make_agent, seed=2) as run:
            play = Play(run, seed=2, clause="AGENT-2")
            after_end = 3
            for _ in range(self.observe_steps):
                play.advance("AGENT-2", play.act("AGENT-2"))
                if play.ended:
                    after_end -= 1
                    if after_end == 0:
                        break

    def test_agent_3_learn(self, make_agent: Any) -> None:
        """AGENT-3: ``can_learn()`` is a bool; ``learn()`` when it can returns finite float metrics."""
        with self.built(make_agent, seed=3) as run:
            play = Play(run, seed=3, clause="AGENT-3")
            for _ in range(self.play_steps):
                play.advance("AGENT-3", play.act("AGENT-3"))
                can = guarded("AGENT-3", "agent.can_learn()", run.agent.can_learn)
                check(isinstance(can, (bool, np.bool_)), "AGENT-3", f"can_learn returned {can!r}, not a bool")
                if not can:
                    continue
                metrics = guarded("AGENT-3", f"agent.learn() at step {play.step}", run.agent.learn)
                check(isinstance(metrics, dict), "AGENT-3", f"learn returned {type(metrics).__name__}, not a dict")
                for key, value in metrics.items():
                    check(isinstance(key, str), "AGENT-3", f"metric key {key!r} is not a string")
                    ok = isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(float(value))
                    check(ok, "AGENT-3", f"step {play.step}: metric {key!r} is {value!r}, expected a finite float")

    def test_agent_4_seeded_determinism(self, make_agent: Any) -> None:
        """AGENT-4: two agents built with one seed, playing envs reset with one seed, act alike."""
        traces = []
        for _ in range(2):
            with self.built(make_agent, seed=4) as run:
                play = Play(run, seed=4, clause="AGENT-4")
                chosen = play.run("AGENT-4", self.play_steps, learn=True)
                chosen.append(play.act("AGENT-4", explore=False))
                traces.append(chosen)
        found = difference(traces[0], traces[1], "actions")
        check(found is None, "AGENT-4", f"two agents built with seed 4 diverge: {found} "
                                        "(draw randomness from the seed the kind's factory is given)")

    def test_agent_5_state_dict_round_trip(self, make_agent: Any) -> None:
        """AGENT-5: an agent built with another seed, given the state, continues exactly like the original."""
        with self.built(make_agent, seed=5) as source_run, self.built(make_agent, seed=55) as target_run:
            source, target = source_run.agent, target_run.agent
            play = Play(source_run, seed=5, clause="AGENT-5")
            play.run("AGENT-5", self.play_steps, learn=True)
            state = snapshot(guarded("AGENT-5", "agent.state_dict()", source.state_dict))
            guarded("AGENT-5", "load_state_dict(state) on an agent built with another seed", target.load_state_dict, state)
            for k in range(self.compare_steps):
                mine, theirs = play.act("AGENT-5"), play.act("AGENT-5", agent=target)
                found = difference(np.asarray(mine), np.asarray(theirs), "actions")
                check(found is None, "AGENT-5", f"{k} steps after loading the state: {found}")
                learn = [guarded("AGENT-5", "agent.can_learn()", a.can_learn) for a in (source, target)]
                check(learn[0] == learn[1], "AGENT-5", f"{k} steps after loading: can_learn {learn[0]} vs {learn[1]}")
                play.advance("AGENT-5", mine, learn=True, followers=(target,))
            mine, theirs = play.act("AGENT-5", explore=False), play.act("AGENT-5", agent=target, explore=False)
            found = difference(np.asarray(mine), np.asarray(theirs), "greedy actions")
            check(found is None, "AGENT-5", f"after {self.compare_steps} steps: {found}")

    def test_agent_6_state_dict_is_checkpoint_safe(self, make_agent: Any) -> None:
        """AGENT-6: the state of a played agent survives a checkpoint round trip (gaikit.core.checkpoint) unchanged."""
        with self.built(make_agent, seed=6) as run:
            Play(run, seed=6, clause="AGENT-6").run("AGENT-6", self.play_steps, learn=True)
            problem = checkpoint_problem(guarded("AGENT-6", "agent.state_dict()", run.agent.state_dict))
            check(problem is None, "AGENT-6", str(problem))

    def test_agent_7_explain(self, make_agent: Any) -> None:
        """AGENT-7: what ``explain``, ``explain_records`` and ``describe`` return can be written as JSON."""
        with self.built(make_agent, seed=7) as run:
            agent = run.agent
            play = Play(run, seed=7, clause="AGENT-7")
            described = guarded("AGENT-7", "agent.describe()", agent.describe)
            check(isinstance(described, dict), "AGENT-7", f"describe returned {type(described).__name__}, not a dict")
            problem = json_problem(described)
            check(problem is None, "AGENT-7", f"describe(): {problem}")
            for explore in (True, True, True, False):
                actions = play.act("AGENT-7", explore=explore)
                why = guarded("AGENT-7", "agent.explain()", agent.explain)
                if why is not None:
                    check(isinstance(why, (dict, list)), "AGENT-7", f"explain returned {type(why).__name__}")
                    problem = json_problem(why)
                    check(problem is None, "AGENT-7", f"explain(): {problem}")
                records = guarded("AGENT-7", "agent.explain_records()", agent.explain_records)
                check(isinstance(records, list), "AGENT-7", f"explain_records returned {type(records).__name__}")
                for record in records:
                    if not isinstance(record, dict):
                        violation("AGENT-7", f"explain_records holds a {type(record).__name__}, not a dict")
                    problem = json_problem(record)
                    check(problem is None, "AGENT-7", f"explain_records(): {problem}")
                play.advance("AGENT-7", actions)
