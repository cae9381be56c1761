"""The game contract: envs that pass gymnasium's checker and vectorise in SameStep mode.

Subclass :class:`GameContract` and provide a ``make_game`` fixture
(``make_game() -> Game``). Envs are built with ``render_mode=None``; the
render check of ``check_env`` is skipped.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

from gaikit.testing.clauses import check, guarded, violation
from gaikit.testing.statecheck import checkpoint_problem, difference, snapshot

#: check_env warnings that say nothing about the env's correctness.
BENIGN_WARNINGS = ("different from the unwrapped version", "render", "infinity")


class GameContract:
    """Contract tests for a game (see the module docstring for the fixture)."""

    #: Parallel envs for the vector-env clauses.
    num_envs = 2
    #: Vector steps (random actions) taken looking for an episode end.
    vector_steps = 300
    #: Steps compared for determinism and env_state round trips.
    compare_steps = 10

    def build(self, make_game: Any) -> Any:
        """A fresh game; a failure violates GAME-0."""
        return guarded("GAME-0", "make_game()", make_game)

    def env(self, game: Any, clause: str = "GAME-1") -> gym.Env:
        """``game.make_env()``; an exception violates ``clause``."""
        env = guarded(clause, "game.make_env()", game.make_env)
        check(isinstance(env, gym.Env), clause, f"make_env returned {type(env).__name__}, not a gymnasium.Env")
        return env

    def test_game_1_make_env(self, make_game: Any) -> None:
        """GAME-1: a ``gymnasium.Env`` with observation and action spaces."""
        game = self.build(make_game)
        env = self.env(game)
        try:
            for name in ("observation_space", "action_space"):
                space = getattr(env, name, None)
                check(isinstance(space, gym.spaces.Space), "GAME-1", f"env.{name} is {space!r}")
        finally:
            env.close()

    def test_game_2_check_env(self, make_game: Any) -> None:
        """GAME-2: gymnasium's ``check_env`` passes, and warns of nothing but wrappers and rendering."""
        env = self.env(self.build(make_game), "GAME-2")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                guarded(
                "GAME-2", "gymnasium check_env", check_env, env, skip_render_check=True, skip_close_check=True
                )
        finally:
            env.close()
        guarded("GAME-2", "closing an env twice", env.close)
        serious = [str(w.message) for w in caught if not any(b in str(w.message) for b in BENIGN_WARNINGS)]
        check(not serious, "GAME-2", f"check_env warned: {serious[0] if serious else ''}")

    def test_game_3_seeded_determinism(self, make_game: Any) -> None:
        """GAME-3: two envs reset with the same seed and given the same actions agree."""
        game = self.build(make_game)
        traces = []
        for _ in range(2):
            env = self.env(game, "GAME-3")
            try:
                env.action_space.seed(3)
                obs, _ = guarded("GAME-3", "env.reset(seed=3)", env.reset, seed=3)
                trace: list[Any] = [obs]
                for _ in range(self.compare_steps):
                    obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
                    trace.append((obs, float(reward), bool(terminated), bool(truncated)))
                    if terminated or truncated:
                        break
                traces.append(trace)
            finally:
                env.close()
        found = difference(traces[0], traces[1], "trajectory")
        check(found is None, "GAME-3", f"two envs reset with seed 3 diverge: {found}")

    def test_game_4_vector_env(self, make_game: Any) -> None:
        """GAME-4: ``num_envs`` envs, SameStep autoreset, single spaces equal to ``make_env``'s."""
        game = self.build(make_game)
        single = self.env(game, "GAME-4")
        single.close()
        venv = guarded("GAME-4", "make_vector_env(2, seed=0)", game.make_vector_env, self.num_envs, 0)
        try:
            check(isinstance(venv, gym.vector.VectorEnv), "GAME-4", f"got {type(venv).__name__}, not a VectorEnv")
            check(venv.num_envs == self.num_envs, "GAME-4", f"num_envs is {venv.num_envs}, asked for {self.num_envs}")
            mode = venv.metadata.get("autoreset_mode")
            check(mode == AutoresetMode.SAME_STEP, "GAME-4", f"autoreset_mode is {mode!r}, expected SAME_STEP")
            for name in ("observation_space", "action_space"):
                mine, theirs = getattr(venv, f"single_{name}"), getattr(single, name)
                check(mine == theirs, "GAME-4", f"single_{name} {mine} differs from make_env's {theirs}")
            obs, _ = guarded("GAME-4", "vector reset", venv.reset, seed=0)
            check(
                _rows_in(venv.single_observation_space, obs, self.num_envs),
                "GAME-4", "reset observations are not num_envs rows of the single observation space",
            )
        finally:
            venv.close()

    def test_game_5_same_step_final_obs(self, make_game: Any) -> None:
        """GAME-5: an ended episode's final observation is in ``infos['final_obs']``; the obs is the reset one."""
        game = self.build(make_game)
        venv = guarded("GAME-5", "make_vector_env(2, seed=0)", game.make_vector_env, self.num_envs, 0)
        try:
            venv.reset(seed=5)
            venv.action_space.seed(5)
            for _ in range(self.vector_steps):
                obs, _, terminated, truncated, infos = venv.step(venv.action_space.sample())
                ended = np.logical_or(terminated, truncated)
                if ended.any():
                    break
            else:
                pytest.skip(f"no episode ended within {self.vector_steps} random vector steps")
            check("final_obs" in infos, "GAME-5", f"an episode ended but infos has only {sorted(infos)}")
            space = venv.single_observation_space
            for i in np.flatnonzero(ended):
                final = infos["final_obs"][i]
                check(space.contains(final), "GAME-5", f"env {i}: final_obs is not in the observation space")
                check(space.contains(_row(obs, i)), "GAME-5", f"env {i}: the reset observation is not in the space")
        finally:
            venv.close()

    def test_game_6_features(self, make_game: Any) -> None:
        """GAME-6: ``features(env, obs)`` has exactly the keys ``feature_names()`` lists, finite floats."""
        game = self.build(make_game)
        names = guarded("GAME-6", "feature_names()", game.feature_names)
        if not names:
            return  # no strategy-agent support declared: nothing to honour
        env = self.env(game, "GAME-6")
        try:
            obs, _ = env.reset(seed=6)
            for step in range(3):
                found = guarded("GAME-6", "features(env, obs)", game.features, env, obs)
                check(isinstance(found, dict), "GAME-6", f"features returned {type(found).__name__}")
                check(set(found) == set(names), "GAME-6", f"step {step}: keys differ by {sorted(set(found) ^ set(names))}")
                for key, value in found.items():
                    ok = isinstance(value, (int, float, np.integer, np.floating, bool)) and math.isfinite(float(value))
                    check(ok, "GAME-6", f"step {step}: feature {key!r} is {value!r}")
                obs, *_ = env.step(env.action_space.sample())
        finally:
            env.close()

    def test_game_7_env_state_round_trip(self, make_game: Any) -> None:
        """GAME-7: a fresh env given a mid-episode ``env_state`` continues exactly like the original."""
        game = self.build(make_game)
        source, target = self.env(game, "GAME-7"), self.env(game, "GAME-7")
        try:
            source.reset(seed=7)
            source.action_space.seed(7)
            if len(_play(source, 3)[0]) < 3:
                source.reset(seed=8)  # the warm-up ended the episode: snapshot a fresh one instead
            state = guarded("GAME-7", "env_state(env)", game.env_state, source)
            if state is None:
                return  # exact env resume not supported: allowed
            problem = checkpoint_problem(state)
            check(problem is None, "GAME-7", f"env_state {problem}")
            target.reset(seed=70)
            guarded("GAME-7", "load_env_state(fresh env, state)", game.load_env_state, target, snapshot(state))
            actions, first = _play(source, self.compare_steps)
            second = [guarded("GAME-7", "step after load_env_state", target.step, a)[:2] for a in actions]
            found = difference(first, second, "steps")
            check(found is None, "GAME-7", f"after restoring env_state: {found}")
        finally:
            source.close()
            target.close()

    def test_game_8_default_config(self, make_game: Any) -> None:
        """GAME-8: ``default_config_path()`` is ``None`` or a YAML file of known config sections."""
        from gaikit.core.config_layers import load_layer_file

        path = guarded("GAME-8", "default_config_path()", self.build(make_game).default_config_path)
        if path is None:
            return
        path = Path(path)
        check(path.is_file(), "GAME-8", f"default config {path} does not exist")
        try:
            load_layer_file(path)
        except Exception as exc:
            violation("GAME-8", f"{path}: {exc}")


def _play(env: gym.Env, steps: int) -> tuple[list[Any], list[tuple[Any, float]]]:
    """Up to ``steps`` random steps, stopping when the episode ends: the actions and (obs, reward)s."""
    actions, results = [], []
    for _ in range(steps):
        action = env.action_space.sample()
        obs, reward, terminated, truncated, _ = env.step(action)
        actions.append(action)
        results.append((obs, float(reward)))
        if terminated or truncated:
            break
    return actions, results


def _row(obs: Any, i: int | np.integer) -> Any:
    if isinstance(obs, dict):
        return {k: v[i] for k, v in obs.items()}
    return obs[i]


def _rows_in(space: gym.spaces.Space, obs: Any, n: int) -> bool:
    try:
        return all(space.contains(_row(obs, i)) for i in range(n))
    except (IndexError, KeyError, TypeError):
        return False
