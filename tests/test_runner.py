"""The runner loop: vector envs, true next observations, train schedule, evaluation,
episode statistics, continuous and Dict spaces, run outputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from gaikit.core.actions import ActionAdapter
from gaikit.core.components import Agent, Game, Transition
from gaikit.core.config import ComponentConfig, RunConfig, TrainConfig
from gaikit.core.cpu_flags import flushing_denormals
from gaikit.core.episodes import EpisodeTracker, reports_episode_statistics
from gaikit.core.errors import GaikitError
from gaikit.core.evaluation import evaluate
from gaikit.core.registry import get_registry
from gaikit.core.runner import Runner, true_next_obs


class RandomAgent(Agent):
    """Uniform random actions, scaled by ``scale`` (Box) to test clipping; records what it observes."""

    def __init__(self, action_space: gym.Space, num_envs: int, seed: int = 0, scale: float = 1.0,
                 learn_ready: bool = False) -> None:
        self.space, self.num_envs, self.scale = action_space, num_envs, scale
        self.rng = np.random.default_rng(seed)
        self.transitions: list[Transition] = []
        self.learn_calls: list[int] = []
        self.learn_ready = learn_ready
        self.step_seen = 0

    def act(self, obs: Any, step: int, explore: bool = True) -> np.ndarray:
        self.step_seen = step
        rows = len(next(iter(obs.values())) if isinstance(obs, dict) else obs)
        if isinstance(self.space, gym.spaces.Discrete):
            return self.rng.integers(0, self.space.n, size=rows)
        low, high = self.space.low, self.space.high
        return self.scale * self.rng.uniform(low, high, size=(rows, *self.space.shape))

    def observe(self, transition: Transition) -> None:
        self.transitions.append(transition)

    def can_learn(self) -> bool:
        return self.learn_ready

    def learn(self) -> dict[str, float]:
        self.learn_calls.append(self.step_seen)
        return {"loss": 1.0}

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.bit_generator.state = state["rng"]


def gym_game(env_id: str) -> Game:
    spec = get_registry().get("games", "gymnasium")
    return spec.factory(spec.config(env_id=env_id))


def run_config(env_id: str, **train: Any) -> RunConfig:
    base = dict(steps=200, envs=2, eval_every=0, checkpoint_every=0, log_every=100, threads=1)
    base.update(train)
    return RunConfig(game=ComponentConfig(name="gymnasium", options={"env_id": env_id}), agent="random",
                     train=TrainConfig(**base))


def make_runner(tmp_path: Path, game: Game, config: RunConfig, **agent_kw: Any) -> tuple[Runner, RandomAgent]:
    envs = game.make_vector_env(config.train.envs, seed=config.train.seed)
    agent = RandomAgent(envs.single_action_space, envs.num_envs, **agent_kw)
    return Runner(agent, game, config, tmp_path / "run", envs=envs, progress=False, tensorboard=False), agent


def test_true_next_obs_replaces_finished_rows_for_arrays_and_dicts():
    next_obs = np.zeros((3, 2), dtype=np.float32)
    final = np.array([None, np.ones(2, np.float32), None], dtype=object)
    infos = {"final_obs": final, "_final_obs": np.array([False, True, False])}
    fixed = true_next_obs(next_obs, infos)
    assert fixed[1].tolist() == [1, 1] and fixed[0].tolist() == [0, 0]
    assert next_obs[1].tolist() == [0, 0], "the reset observation the loop continues from must stay intact"
    dict_obs = {"a": np.zeros((2, 1)), "b": np.zeros((2, 3))}
    infos = {"final_obs": np.array([{"a": np.ones(1), "b": np.full(3, 2.0)}, None], dtype=object),
             "_final_obs": np.array([True, False])}
    fixed_dict = true_next_obs(dict_obs, infos)
    assert fixed_dict["a"][0, 0] == 1 and fixed_dict["b"][0].tolist() == [2, 2, 2]
    assert dict_obs["a"][0, 0] == 0 and fixed_dict["b"][1].tolist() == [0, 0, 0]
    assert true_next_obs(next_obs, {}) is next_obs


def test_action_adapter_clips_box_and_casts_discrete():
    box = ActionAdapter(gym.spaces.Box(-2.0, 2.0, (1,), np.float32), num_envs=3)
    out = box(np.array([[-5.0], [0.5], [9.0]]))
    assert out.dtype == np.float32 and out.ravel().tolist() == [-2.0, 0.5, 2.0]
    discrete = ActionAdapter(gym.spaces.Discrete(4), num_envs=2)
    assert discrete(np.array([[1], [3]], dtype=np.int32)).dtype == np.int64
    with pytest.raises(GaikitError, match="shape"):
        discrete(np.array([1, 2, 3]))


def test_episode_tracker_prefers_reported_statistics():
    tracker = EpisodeTracker(2)
    ones, no = np.ones(2), np.zeros(2, bool)
    tracker.update(2, ones, no, no, {})
    done = tracker.update(4, ones, np.array([True, False]), no, {})
    assert [(r.env, r.ret, r.length, r.step) for r in done] == [(0, 2.0, 2, 4)]
    # A life lost (terminated) without statistics, then a game over reported with the full score.
    reported = EpisodeTracker(1, reported=True)
    assert reported.update(1, np.ones(1), np.array([True]), np.zeros(1, bool), {}) == []
    infos = {"final_info": {"episode": {"r": np.array([250.0]), "l": np.array([40])}, "_episode": np.array([True])}}
    (record,) = reported.update(2, np.ones(1), np.array([True]), np.zeros(1, bool), infos)
    assert (record.ret, record.length) == (250.0, 40)
    assert reported.mean_recent() == 250.0


def test_schedule_learning_starts_train_freq_gradient_steps(tmp_path):
    config = run_config("CartPole-v1", steps=60, envs=3, learning_starts=10, train_freq=4, gradient_steps=2)
    runner, agent = make_runner(tmp_path, gym_game("CartPole-v1"), config, learn_ready=True)
    result = runner.run()
    assert result.status == "finished" and result.step == 60
    expected = []
    for step in range(3, 61, 3):
        if step >= 10:
            expected += [step - 3] * (2 * (step // 4 - (step - 3) // 4))
    assert agent.learn_calls == expected
    assert len(agent.transitions) == 20


def test_pendulum_box_actions_are_clipped_and_next_obs_is_the_final_one(tmp_path):
    game = gym_game("Pendulum-v1")
    config = run_config("Pendulum-v1", steps=440, envs=2, eval_every=220, eval_episodes=1)
    runner, agent = make_runner(tmp_path, game, config, scale=3.0)
    result = runner.run()
    assert result.status == "finished"
    actions = np.concatenate([t.actions for t in agent.transitions])
    assert actions.dtype == np.float32 and actions.shape == (440, 1)
    assert actions.min() >= -2.0 and actions.max() <= 2.0 and np.abs(actions).max() == 2.0
    ended = [(t, i) for t in agent.transitions for i in np.flatnonzero(t.truncated)]
    assert len(ended) == 2  # Pendulum truncates at 200 steps; 2 envs x 220 steps each
    for t, i in ended:
        np.testing.assert_array_equal(t.next_obs[i], t.infos["final_obs"][i])
    with (tmp_path / "run" / "episodes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["length"]) for r in rows] == [200, 200]
    evals = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
             if '"eval"' in line]
    assert [e["step"] for e in evals] == [220, 440] and all(e["mean_length"] == 200 for e in evals)


class HalfRewardGame(Game):
    """CartPole whose agent sees rewards halved, while RecordEpisodeStatistics sees the raw ones."""

    name = "half-cartpole"

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        env = gym.wrappers.RecordEpisodeStatistics(gym.make("CartPole-v1"))
        return gym.wrappers.TransformReward(env, lambda r: 0.5 * r)


def test_episode_statistics_reported_by_the_env_win_over_computed_ones(tmp_path):
    config = run_config("CartPole-v1", steps=300, envs=2)
    runner, agent = make_runner(tmp_path, HalfRewardGame(), config)
    assert reports_episode_statistics(runner.envs)
    runner.run()
    with (tmp_path / "run" / "episodes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 5
    assert all(float(r["return"]) == float(r["length"]) for r in rows)  # raw reward 1 per step
    assert sum(float(t.rewards.sum()) for t in agent.transitions) == 0.5 * 300


class DictObsEnv(gym.Env):
    """A tiny env with a Dict observation: counts to 5, position and a flag."""

    observation_space = gym.spaces.Dict({"pos": gym.spaces.Box(0, 10, (2,), np.float32),
                                         "flag": gym.spaces.Discrete(2)})
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self._obs(), {}

    def _obs(self):
        return {"pos": np.full(2, self.t, np.float32), "flag": self.t % 2}

    def step(self, action):
        self.t += 1
        return self._obs(), 1.0, self.t >= 5, False, {}


class DictGame(Game):
    name = "dict-counter"

    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        return DictObsEnv()


def test_dict_observations_flow_through_the_loop_and_checkpoint(tmp_path):
    config = run_config("x", steps=30, envs=2, eval_every=10, eval_episodes=1, checkpoint_every=10)
    runner, agent = make_runner(tmp_path, DictGame(), config)
    assert runner.run().status == "finished"
    ends = [t for t in agent.transitions if t.terminated.any()]
    assert ends and all(t.next_obs["pos"][0, 0] == 5.0 for t in ends)
    assert all(t.obs["pos"][0, 0] < 5.0 for t in agent.transitions)
    assert (tmp_path / "run" / "checkpoints" / "step_30").is_dir()


def test_evaluation_is_deterministic_and_counts_episodes():
    game = gym_game("CartPole-v1")
    envs = game.make_vector_env(1, seed=0)
    agent = RandomAgent(envs.single_action_space, 1)
    first = evaluate(agent, envs, 3, seed=5)
    agent.rng = np.random.default_rng(0)
    second = evaluate(agent, envs, 3, seed=5)
    assert first is not None and second is not None
    assert len(first.returns) == 3 and first.returns == second.returns
    assert evaluate(agent, envs, 3, seed=5, should_stop=lambda: True) is None


def test_plain_log_lines_and_outputs_without_a_terminal(tmp_path, capsys):
    config = run_config("CartPole-v1", steps=200, envs=2, log_every=100, eval_every=100, eval_episodes=1)
    envs = gym_game("CartPole-v1").make_vector_env(2, seed=0)
    agent = RandomAgent(envs.single_action_space, 2)
    Runner(agent, gym_game("CartPole-v1"), config, tmp_path / "run", envs=envs, progress=False).run()
    out = capsys.readouterr().out
    assert "step 100/200 (50%)" in out and "step 200/200 (100%)" in out and "eval at step 200" in out
    assert "gaikit run: CartPole-v1" in out
    run = tmp_path / "run"
    assert (run / "plots" / "learning_curve.png").stat().st_size > 1000
    assert any((run / "tb").iterdir())
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["kind"] == "train"] == [100, 200]


@pytest.mark.parametrize("reported", [False, True])
def test_tracker_sums_each_env_independently(reported):
    """One env's returns, lengths and episodes equal env 0's in a batch beside another env."""
    from gaikit.core.episodes import EpisodeTracker

    one, two = EpisodeTracker(1, reported=reported), EpisodeTracker(2, reported=reported)
    rng = np.random.default_rng(0)
    for step in range(1, 400):
        reward = float(rng.choice([0.0, -0.0, 1.0, -1.0, 0.1, 1e-9]))
        term, trunc = bool(rng.random() < 0.03), bool(rng.random() < 0.01)
        infos_one: dict[str, Any] = {}
        infos_two: dict[str, Any] = {}
        if reported and (term or trunc):
            infos_one = {"episode": {"r": np.array([7.5 * step]), "l": np.array([step])}, "_episode": np.array([True])}
            infos_two = {"episode": {"r": np.array([7.5 * step, 0.0]), "l": np.array([step, 0])},
                         "_episode": np.array([True, False])}
        got = one.update(step, np.array([reward], np.float32), np.array([term]), np.array([trunc]), infos_one)
        want = two.update(step, np.array([reward, 3.0], np.float32), np.array([term, False]),
                          np.array([trunc, False]), infos_two)
        assert got == want
        assert one.returns[0] == two.returns[0] and one.lengths[0] == two.lengths[0]
        assert one.returns.dtype == two.returns.dtype and one.lengths.dtype == two.lengths.dtype
    assert one.count == two.count > 3 and list(one.recent) == list(two.recent)



@pytest.mark.parametrize("flush", [True, False])
def test_runner_flushes_denormals_while_it_runs_only(tmp_path, flush):
    """``train.flush_denormal`` holds inside the loop (a denormal float32 reads as 0); the mode is restored after."""
    config = run_config("CartPole-v1", steps=6, flush_denormal=flush)
    runner, agent = make_runner(tmp_path, gym_game("CartPole-v1"), config)
    seen = []
    act = agent.act
    agent.act = lambda obs, step, explore=True: (seen.append(flushing_denormals()), act(obs, step, explore))[1]
    assert not flushing_denormals()
    runner.run()
    assert seen and all(mode is flush for mode in seen)
    assert not flushing_denormals()
