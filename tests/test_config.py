"""Layered run configuration: game defaults < --config FILE < CLI choices < --set, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.config import RunConfig, load_resolved_config
from gaikit.core.config_resolve import resolve_run_config
from gaikit.core.errors import ConfigError
from gaikit.core.registry import Registry, get_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return get_registry()


@pytest.fixture(scope="module")
def defaults(registry: Registry) -> Path:
    spec = registry.get("games", "gymnasium")
    path = spec.factory(spec.config(env_id="CartPole-v1")).default_config_path()
    assert path is not None and path.is_file()
    return path


def write(tmp_path: Path, text: str, name: str = "user.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def resolve(registry, defaults, **kw) -> RunConfig:
    kw.setdefault("game_options", {"env_id": "CartPole-v1"})
    return resolve_run_config(registry, "gymnasium", defaults, **kw)


def test_game_defaults_give_a_complete_learned_agent(registry, defaults):
    config = resolve(registry, defaults)
    assert config.agent == "learned"
    assert (config.encoder.name, config.learner.name, config.memory.name, config.selector.name) == (
        "vector", "ddqn", "uniform", "epsilon-greedy")
    assert config.game.options["env_id"] == "CartPole-v1"
    # Options not set anywhere come from the component's own config model.
    assert "gamma" in config.learner.options and "capacity" in config.memory.options


def test_layers_override_in_order(registry, defaults, tmp_path):
    user = write(tmp_path, """
train: {steps: 1234, batch_size: 8}
learner:
  ddqn: {lr: 0.01}
selector:
  greedy: {}
""")
    config = resolve(registry, defaults, config_file=user)
    assert config.train.steps == 1234 and config.train.batch_size == 8
    assert config.learner.options["lr"] == 0.01
    base = resolve(registry, defaults)
    assert config.train.learning_starts == base.train.learning_starts, "untouched fields keep the defaults"
    assert config.selector.name == "epsilon-greedy"
    chosen = resolve(registry, defaults, config_file=user, choices={"selector": "greedy", "learner": None},
                     overrides=["train.steps=77", "learner.lr=0.5", "learner.target_update_period=3"])
    assert chosen.selector.name == "greedy"
    assert chosen.train.steps == 77 and chosen.train.batch_size == 8
    assert chosen.learner.options["lr"] == 0.5 and chosen.learner.options["target_update_period"] == 3


def test_set_values_are_parsed_as_yaml(registry, defaults):
    config = resolve(registry, defaults, overrides=["encoder.hidden=[8, 4]", "learner.max_grad_norm=null"])
    assert config.encoder.options["hidden"] == [8, 4]
    assert config.learner.options["max_grad_norm"] is None


def test_wrong_type_names_file_line_and_field(registry, defaults, tmp_path):
    user = write(tmp_path, "train:\n  seed: 1\n  steps: lots\n")
    with pytest.raises(ConfigError) as info:
        resolve(registry, defaults, config_file=user)
    message = str(info.value)
    assert message.startswith(f"{user}:3: train.steps: ") and "integer" in message and "'lots'" in message


def test_wrong_type_in_a_component_section(registry, defaults, tmp_path):
    user = write(tmp_path, "learner:\n  ddqn:\n    lr: fast\n")
    with pytest.raises(ConfigError, match=rf"^{user}:3: learner\.ddqn\.lr: .*number"):
        resolve(registry, defaults, config_file=user)


def test_unknown_field_names_file_line_and_field(registry, defaults, tmp_path):
    user = write(tmp_path, "train:\n  steps: 10\nlearner:\n  ddqn:\n    lrr: 0.1\n")
    with pytest.raises(ConfigError, match=rf"^{user}:5: learner\.ddqn\.lrr: unknown field$"):
        resolve(registry, defaults, config_file=user)
    user = write(tmp_path, "train:\n  stepz: 10\n", "typo.yaml")
    with pytest.raises(ConfigError, match=rf"^{user}:2: train\.stepz: unknown field$"):
        resolve(registry, defaults, config_file=user)


def test_unknown_section_and_malformed_yaml(registry, defaults, tmp_path):
    user = write(tmp_path, "trian:\n  steps: 10\n")
    with pytest.raises(ConfigError, match=rf"^{user}:1: unknown section 'trian'"):
        resolve(registry, defaults, config_file=user)
    bad = write(tmp_path, "train: {steps: 10\n", "bad.yaml")
    with pytest.raises(ConfigError, match=rf"^{bad}:\d+: malformed YAML"):
        resolve(registry, defaults, config_file=bad)


def test_set_errors(registry, defaults):
    with pytest.raises(ConfigError, match=r"^--set: train\.steps: .*greater than 0.*-5"):
        resolve(registry, defaults, overrides=["train.steps=-5"])
    with pytest.raises(ConfigError, match="expected section.field=value"):
        resolve(registry, defaults, overrides=["train.steps"])
    with pytest.raises(ConfigError, match="unknown section 'trainn'"):
        resolve(registry, defaults, overrides=["trainn.steps=3"])
    with pytest.raises(ConfigError, match=r"learner\.ddqn\.nope: unknown field"):
        resolve(registry, defaults, overrides=["learner.nope=1"])


def test_cli_flags_sit_below_set_and_name_the_flag(registry):
    config = resolve_cli_config(registry, "CartPole-v1", config_file=None, choices={},
                                train_flags={"--steps": 500, "--seed": 3, "--envs": 2},
                                overrides=["train.seed=4"])
    assert (config.train.steps, config.train.seed, config.train.envs) == (500, 4, 2)
    assert (config.game.name, config.game.options["env_id"]) == ("gymnasium", "CartPole-v1")
    with pytest.raises(ConfigError, match=r"^--envs 0: .*greater than or equal to 1"):
        resolve_cli_config(registry, "CartPole-v1", config_file=None, choices={},
                           train_flags={"--envs": 0}, overrides=[])


def test_strategy_flags_go_into_the_strategy_section(registry, tmp_path):
    user = write(tmp_path, "strategy:\n  mods: [base_mod]\n")
    config = resolve_cli_config(registry, "CartPole-v1", config_file=user, choices={}, train_flags={},
                                overrides=[], strategy_file="mine.yaml", mods=["extra_mod"])
    assert config.strategy.file == "mine.yaml" and config.strategy.mods == ["base_mod", "extra_mod"]


def test_saved_config_round_trips(registry, defaults, tmp_path):
    config = resolve(registry, defaults, overrides=["train.steps=99"])
    path = write(tmp_path, config.to_yaml(), "config.yaml")
    assert load_resolved_config(path) == config
    broken = write(tmp_path, config.to_yaml().replace("steps: 99", "steps: many"), "broken.yaml")
    with pytest.raises(ConfigError, match=rf"^{broken}:\d+: train\.steps"):
        load_resolved_config(broken)
