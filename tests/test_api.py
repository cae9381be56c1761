"""The Python API (``gaikit.train/load/evaluate``, ``Run``, ``agent.predict``) against the CLI it shares its parts with.

Tiny budgets: a few hundred steps of a 6-cell corridor or CartPole with a
16-unit MLP, enough that the learner updates (a run that never learned would
make the equality checks trivial).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from _strategy_toys import lanes  # noqa: F401  (fixture: the ``lanes`` game with a strategy agent)

import gaikit
from gaikit.cli import main
from gaikit.core.checkpoint import checkpoint_dirs, load_checkpoint
from gaikit.core.errors import ConfigError, GaikitError
from _run_logs import run_episodes, run_metrics

#: Train-section settings small enough for seconds, large enough for ~100 updates.
TINY = {
    "train.learning_starts": 60, "train.train_freq": 2, "train.gradient_steps": 1, "train.batch_size": 16, "train.eval_every": 150,
    "train.eval_episodes": 2, "train.checkpoint_every": 150, "train.log_every": 50, "train.threads": 1,
    "encoder.hidden": [16], "memory.capacity": 400, "selector.decay_steps": 200,
}
CLI_CONFIG = """
train:
  learning_starts: 60
  train_freq: 2
  gradient_steps: 1
  batch_size: 16
  eval_every: 150
  eval_episodes: 2
  checkpoint_every: 150
  log_every: 50
  threads: 1
encoder:
  vector: {hidden: [16]}
memory:
  uniform: {capacity: 400}
selector:
  epsilon-greedy: {decay_steps: 200}
"""


class Ladder(gym.Env):
    """A user's own env: climb ``height`` rungs (action 1 up, 0 down); the top pays 1, each step costs 0.01."""

    metadata = {"render_modes": []}

    def __init__(self, height: int = 5) -> None:
        self.height = height
        self.observation_space = gym.spaces.Box(0.0, 1.0, (height + 1,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.rung = 0
        self.steps_taken = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.height + 1, dtype=np.float32)
        obs[self.rung] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.rung = 0
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.steps_taken += 1
        self.rung = min(self.height, max(0, self.rung + (1 if int(action) == 1 else -1)))
        top = self.rung == self.height
        return self._obs(), (1.0 if top else -0.01), top, self.steps_taken % 40 == 0, {}


def _tensors(value: Any, prefix: str = "") -> dict[str, torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return {prefix: value}
    if isinstance(value, dict):
        return {k: t for key, item in value.items() for k, t in _tensors(item, f"{prefix}.{key}").items()}
    return {}


def _greedy(agent: Any, batch: np.ndarray) -> np.ndarray:
    """The argmax of the online network's Q-values, computed here rather than by the selector."""
    return np.argmax(agent.learner.predict(batch).values, axis=-1)


@pytest.fixture(scope="module")
def ladder_run(tmp_path_factory: pytest.TempPathFactory) -> gaikit.Run:
    env = Ladder()
    run = gaikit.train(env, learner="ddqn", steps=300, seed=4, overrides=TINY,
                       run_dir=tmp_path_factory.mktemp("ladder") / "run")
    assert env.steps_taken == 0, "gaikit stepped the user's instance instead of copies of it"
    return run


def test_train_load_predict_with_a_user_env_instance(ladder_run: gaikit.Run) -> None:
    run = ladder_run
    assert run.status == "finished" and run.step == 300 and run.dir.is_dir()
    assert run.final_eval is not None and run.final_eval["episodes"] == 2
    assert any(row.get("kind") == "eval" for row in run.metrics)
    assert any("loss" in row for row in run.metrics), "the learner never updated"
    assert run.episodes and set(run.episodes[0]) >= {"step", "env", "return", "length"}
    assert run.config is not None and run.config.game.options["env_id"] == "python/Ladder-v0"

    agent = gaikit.load(run.dir)
    env = Ladder()
    obs, _ = env.reset(seed=0)
    total, done = 0.0, False
    while not done:  # the user's own Gymnasium loop
        action = agent.predict(obs)
        assert isinstance(action, int) and env.action_space.contains(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        done = terminated or truncated
    assert total == pytest.approx(run.final_eval["mean"])  # greedy, deterministic env: the same episode


def test_predict_one_observation_and_a_batch(ladder_run: gaikit.Run) -> None:
    agent = gaikit.load(ladder_run.dir)
    batch = np.eye(6, dtype=np.float32)  # every rung
    actions = agent.predict(batch)
    assert actions.shape == (6,) and actions.dtype == np.int64
    assert list(actions) == list(_greedy(agent, batch))
    assert [agent.predict(row) for row in batch] == list(actions)
    assert agent.predict(batch.tolist()[2]) == actions[2]  # a plain list is one observation too
    sampled = agent.predict(batch, deterministic=False)
    assert sampled.shape == (6,) and set(sampled.tolist()) <= {0, 1}
    assert agent.step == 300  # sampling happens at the end of training's exploration schedule
    # Run.agent is the trained agent itself: the same greedy actions as the agent loaded from its checkpoint
    assert list(ladder_run.agent.predict(batch)) == list(actions)


def test_evaluate_a_run_dir_an_agent_and_another_env(ladder_run: gaikit.Run, capsys) -> None:
    from_dir = gaikit.evaluate(ladder_run.dir, episodes=3)
    assert from_dir["episodes"] == 3 and set(from_dir) >= {"mean", "std", "min", "max", "mean_length"}
    assert gaikit.evaluate(gaikit.load(ladder_run.dir), episodes=3) == from_dir
    assert gaikit.evaluate(ladder_run.agent, episodes=3, env=lambda: Ladder()) == from_dir
    # the command line's evaluation of the same checkpoint (same process: the Python env is registered here)
    capsys.readouterr()
    assert main(["eval", str(ladder_run.dir), "--episodes", "3"]) == 0
    assert f"mean {from_dir['mean']:.2f}" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="episodes"):
        gaikit.evaluate(ladder_run.dir, episodes=0)


def test_python_env_run_resumes_from_python_and_the_cli_says_how(tmp_path: Path, capsys) -> None:
    run = gaikit.train(Ladder(), learner="ddqn", steps=150, seed=1, overrides=TINY, run_dir=tmp_path / "run")
    gym.registry.pop("python/Ladder-v0")  # what a fresh process sees: the id is not registered there
    capsys.readouterr()
    assert main(["run", "--resume", str(run.dir), "--steps", "300"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "gaikit.train(ENV, resume=RUN_DIR)" in err and "python/Ladder-v0" in err
    assert main(["eval", str(run.dir)]) == 2
    assert "gaikit.evaluate(RUN_DIR, env=ENV)" in capsys.readouterr().err
    assert [step for step, _ in checkpoint_dirs(run.dir)] == [150]  # the failed resumes changed nothing

    with pytest.raises(ConfigError, match="trained on 'python/Ladder-v0'"):
        gaikit.train("CartPole-v1", resume=run.dir, steps=300)
    with pytest.raises(ConfigError, match="drop learner"):
        gaikit.train(Ladder(), resume=run.dir, steps=300, learner="ddqn")
    resumed = gaikit.train(Ladder(), resume=run.dir, steps=300)
    assert resumed.status == "finished" and resumed.step == 300 and resumed.dir == run.dir
    assert [step for step, _ in checkpoint_dirs(run.dir)][0] == 300


def test_module_colon_env_id(tmp_path: Path, capsys) -> None:
    sys.modules.pop("_api_envs", None)
    gym.registry.pop("Corridor-v0", None)
    run = gaikit.train("_api_envs:Corridor-v0", learner="ddqn", steps=150, overrides=TINY, run_dir=tmp_path / "run")
    assert run.status == "finished" and run.config.game.options["env_id"] == "_api_envs:Corridor-v0"
    agent = gaikit.load(run.dir)
    env = gym.make("_api_envs:Corridor-v0")
    obs, _ = env.reset(seed=0)
    assert agent.predict(obs) in (0, 1)
    assert agent.predict(np.stack([obs, obs])).shape == (2,)
    capsys.readouterr()
    assert main(["eval", str(run.dir), "--episodes", "2"]) == 0  # the id names its module: the CLI rebuilds it
    assert "_api_envs:Corridor-v0" in capsys.readouterr().out


def test_cli_and_api_make_identical_run_directories(tmp_path: Path, capsys) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text(CLI_CONFIG)
    cli_dir, api_dir = tmp_path / "cli", tmp_path / "api"
    assert main(["run", "CartPole-v1", "--learner", "ddqn", "--config", str(config), "--steps", "300",
                 "--seed", "5", "--envs", "2", "--set", "learner.lr=0.003", "--run-dir", str(cli_dir)]) == 0
    run = gaikit.train("CartPole-v1", learner="ddqn", config=config, steps=300, seed=5, envs=2,
                       overrides=["learner.lr=0.003"], run_dir=api_dir)
    assert run.status == "finished"
    assert (cli_dir / "config.yaml").read_text() == (api_dir / "config.yaml").read_text()
    metrics = run_metrics(cli_dir)
    assert any("loss" in row for row in metrics), "learning never happened; the test would prove little"
    assert metrics == run_metrics(api_dir)
    assert run_episodes(cli_dir) and run_episodes(cli_dir) == run_episodes(api_dir)
    assert [s for s, _ in checkpoint_dirs(cli_dir)] == [s for s, _ in checkpoint_dirs(api_dir)] == [300, 150]
    for (_, a), (_, b) in zip(checkpoint_dirs(cli_dir), checkpoint_dirs(api_dir)):
        ta, tb = _tensors(load_checkpoint(a)["agent"]), _tensors(load_checkpoint(b)["agent"])
        assert ta.keys() == tb.keys() and len(ta) > 4
        for key in ta:
            assert torch.equal(ta[key], tb[key]), key

    # a run made from Python is a full run directory for the other commands
    capsys.readouterr()
    assert main(["eval", str(api_dir), "--episodes", "2"]) == 0
    assert main(["compare", str(cli_dir), str(api_dir), "--out", str(tmp_path / "cmp")]) == 0
    table = capsys.readouterr().out
    assert "| cli |" in table and "| api |" in table
    assert main(["run", "--resume", str(api_dir), "--steps", "350"]) == 0
    assert checkpoint_dirs(api_dir)[0][0] == 350
    filmed = gaikit.evaluate(api_dir, episodes=1, video=True)
    assert filmed["video"] == api_dir / "videos" / "eval-step_350.mp4" and filmed["video"].stat().st_size > 0
    assert filmed["video_frames"] == filmed["mean_length"] + 1  # the reset frame and one per step
    with pytest.raises(ConfigError, match="already exists and is not empty.*resume="):
        gaikit.train("CartPole-v1", run_dir=api_dir)


def test_a_strategy_run_from_python_explains_from_the_cli(lanes, tmp_path: Path, capsys) -> None:  # noqa: F811
    run = gaikit.train("lanes", agent="strategy", steps=20, run_dir=tmp_path / "run",
                       overrides={"train.eval_episodes": 1, "train.checkpoint_every": 10})
    assert run.status == "finished" and (run.dir / "explain.jsonl").is_file()
    capsys.readouterr()
    assert main(["explain", str(run.dir), "--last", "2", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(records) == 2 and all("kind" in r for r in records)


@pytest.mark.parametrize(("game", "kwargs", "error", "words"), [
    ("NoSuchGame-v9", {}, GaikitError, "unknown game 'NoSuchGame-v9'"),
    (42, {}, ConfigError, "got int"),
    ("CartPole-v1", {"stpes": 10}, ConfigError, "unknown keyword 'stpes'"),
    ("CartPole-v1", {"envs": 0}, ConfigError, "gaikit.train(envs=0)"),
    ("CartPole-v1", {"overrides": {"train.nope": 1}}, ConfigError, "nope"),
    ("CartPole-v1", {"overrides": "train.steps=5"}, ConfigError, "list of 'section.field=value'"),
])
def test_bad_input_is_one_line_error(tmp_path: Path, game: Any, kwargs: dict, error: type, words: str) -> None:
    with pytest.raises(error) as caught:
        gaikit.train(game, steps=10, run_dir=tmp_path / "run", **kwargs)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "run").exists()


def test_import_gaikit_stays_cheap_and_exports_the_api() -> None:
    code = ("import sys, gaikit; heavy = [m for m in ('torch', 'gymnasium', 'gaikit.api') if m in sys.modules]; "
            "print(heavy, sorted(gaikit.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] ['Run', '__version__', 'evaluate', 'export_policy', 'hookimpl', 'load', 'train']"
    for name in ("train", "load", "evaluate", "Run", "export_policy"):
        assert getattr(gaikit, name).__doc__
