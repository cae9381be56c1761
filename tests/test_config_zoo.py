"""Tuned defaults per Gymnasium id and learner (gaikit/plugins/games/zoo/), layered between game defaults and --config."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

import gaikit
from gaikit.core.errors import ConfigError
from gaikit.core.registry import get_registry
from gaikit.plugins.games.gymnasium_zoo import ZOO_DIR, zoo_defaults_path, zoo_entries
from gaikit.resolve import resolve_cli_config


def resolve(game: str, *, config_file: Path | None = None, overrides: tuple[str, ...] = (), **choices: str):
    """The resolved config of ``gaikit run GAME`` with these component flags."""
    return resolve_cli_config(get_registry(), game, config_file=config_file, choices=choices, train_flags={},
                              overrides=list(overrides))


def test_every_entry_resolves_and_cites_rl_baselines3_zoo() -> None:
    entries = zoo_entries()
    assert {("CartPole-v1", "ddqn"), ("Acrobot-v1", "ddqn"), ("MountainCar-v0", "ddqn"), ("Pendulum-v1", "sac"),
            ("Pendulum-v1", "tqc"), ("MountainCarContinuous-v0", "sac"), ("MountainCarContinuous-v0", "tqc")} <= set(entries)
    for env_id, learner in entries:
        text = (ZOO_DIR / f"{env_id}__{learner}.yaml").read_text()
        assert "rl-baselines3-zoo hyperparams/" in text
        if env_id in gym.registry:  # LunarLander needs Box2D, which may not be installed
            config = resolve(env_id, learner=learner)
            assert config.learner.name == learner
            assert config.selector.name == ("epsilon-greedy" if learner == "ddqn" else "gaussian")


@pytest.mark.parametrize("learner", ["sac", "tqc"])
def test_continuous_learners_get_the_gaussian_selector_and_zoo_values(learner: str) -> None:
    config = resolve("Pendulum-v1", learner=learner)
    assert config.selector.name == "gaussian"
    assert config.selector.options["random_steps"] == 100
    assert config.learner.options["actor_lr"] == pytest.approx(1e-3)
    assert (config.train.steps, config.train.train_freq, config.train.gradient_steps) == (20_000, 1, 1)
    car = resolve("MountainCarContinuous-v0", learner=learner)
    assert car.learner.options["alpha"] == pytest.approx(0.1) and car.learner.options["use_sde"] is True
    assert car.selector.options["sde_sample_freq"] == 32


def test_cartpole_ddqn_defaults_are_unchanged() -> None:
    config = resolve("CartPole-v1")
    assert config.learner.name == "ddqn" and config.selector.name == "epsilon-greedy"
    assert config.learner.options["lr"] == pytest.approx(1e-3) and config.learner.options["n_step"] == 3
    assert config.learner.options["tau"] == pytest.approx(0.005)
    assert (config.train.steps, config.train.train_freq, config.train.gradient_steps, config.train.batch_size) == (
        30_000, 256, 128, 64)
    assert config.selector.options == {**config.selector.options, "end_epsilon": 0.04, "decay_steps": 8000}


def test_per_env_ddqn_entries_map_the_zoo_schedule() -> None:
    car = resolve("MountainCar-v0")
    assert car.learner.options["lr"] == pytest.approx(4e-3) and car.learner.options["target_update_period"] == 300
    assert car.memory.options["capacity"] == 10_000 and car.selector.options["decay_steps"] == 24_000
    acro = resolve("Acrobot-v1", learner="ddqn")
    assert (acro.train.train_freq, acro.train.gradient_steps, acro.train.learning_starts) == (4, 4, 0)


def test_unknown_env_falls_back_to_generic_defaults() -> None:
    assert zoo_defaults_path("FrozenLake-v1", "sac") == ZOO_DIR / "generic__sac.yaml"
    assert zoo_defaults_path("FrozenLake-v1", "ddqn") is None  # the gymnasium game's own defaults are DDQN's
    sac = resolve("FrozenLake-v1", learner="sac")
    assert sac.selector.name == "gaussian" and sac.learner.options["actor_lr"] == pytest.approx(3e-4)
    ddqn = resolve("FrozenLake-v1")
    assert ddqn.selector.name == "epsilon-greedy" and ddqn.train.steps == 30_000


def test_user_layers_win_over_the_zoo(tmp_path: Path) -> None:
    user = tmp_path / "my.yaml"
    user.write_text("train: {steps: 777}\nlearner:\n  sac: {actor_lr: 0.002}\n")
    config = resolve("Pendulum-v1", config_file=user, overrides=("learner.critic_lr=0.003",), learner="sac")
    assert config.train.steps == 777 and config.learner.options["actor_lr"] == pytest.approx(0.002)
    assert config.learner.options["critic_lr"] == pytest.approx(0.003)
    assert config.learner.options["alpha_lr"] == pytest.approx(1e-3)  # still the zoo's
    assert resolve("Pendulum-v1", learner="sac", selector="greedy").selector.name == "greedy"
    chosen = tmp_path / "chosen.yaml"
    chosen.write_text("components: {learner: tqc}\n")
    assert resolve("Pendulum-v1", config_file=chosen).learner.options["n_critics"] == 2  # learner from --config


def test_a_zoo_file_may_not_choose_another_learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Pendulum-v1__sac.yaml").write_text("components: {learner: ddqn}\n")
    monkeypatch.setattr("gaikit.plugins.games.gymnasium_zoo.ZOO_DIR", tmp_path)
    with pytest.raises(ConfigError, match=r"Pendulum-v1__sac.yaml:1: components.learner: .*'sac' choose learner 'ddqn'"):
        resolve("Pendulum-v1", learner="sac")


def test_pendulum_sac_trains_with_the_gaussian_selector(tmp_path: Path) -> None:
    run = gaikit.train("Pendulum-v1", learner="sac", steps=300, seed=0, run_dir=tmp_path / "run", overrides={
        "train.learning_starts": 100, "train.batch_size": 32, "train.eval_every": 0, "train.eval_episodes": 1,
        "train.log_every": 100, "learner.hidden": [16], "memory.capacity": 1000, "train.threads": 1,
    })
    assert run.status == "finished" and run.step == 300
    assert run.config.selector.name == "gaussian" and run.config.learner.name == "sac"
    trained = [m for m in run.metrics if "critic_loss" in m or "loss" in m or any("loss" in k for k in m)]
    assert trained, "the learner never updated"
