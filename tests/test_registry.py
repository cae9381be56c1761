"""The plugin registry, tested the simonw/llm way: register a plugin in a fixture, unregister after."""

from __future__ import annotations

import json
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from pydantic import BaseModel

from gaikit import hookimpl
from gaikit.cli import main
from gaikit.core import registry as registry_module
from gaikit.core.errors import RegistryError
from gaikit.core.registry import NoConfig, build_registry, get_registry, make_plugins, plugin_manager


class CoinConfig(BaseModel):
    """Options of the test selector."""

    bias: float = 0.5


def make_coin(action_space, config, *, seed):
    return ("coin", config.bias, seed)


class CoinPlugin:
    """A third-party style plugin supplying one selector."""

    __name__ = "CoinPlugin"

    @hookimpl
    def gaikit_register_selectors(self, register):
        register("coin", make_coin, config=CoinConfig, description="Flips a coin.")


class DuplicateVectorPlugin:
    """Supplies an encoder under a name the built-ins already use."""

    @hookimpl
    def gaikit_register_encoders(self, register):
        register("vector", lambda space, config: None, description="impostor")


class RaisingPlugin:
    """Its hook raises half way; what it registered before must be dropped too."""

    @hookimpl
    def gaikit_register_learners(self, register):
        register("half-learner", lambda *a, **k: None)
        raise RuntimeError("learner hook exploded")


class BadFactoryPlugin:
    """Registers a factory that is not callable."""

    @hookimpl
    def gaikit_register_memories(self, register):
        register("not-callable", 42)


def test_registered_plugin_is_listed_and_buildable(register_plugin, capsys):
    assert "coin" not in get_registry().names("selectors")
    register_plugin(CoinPlugin(), "gaikit-coin")
    spec = get_registry().get("selectors", "coin")
    assert (spec.plugin, spec.description, spec.config) == ("gaikit-coin", "Flips a coin.", CoinConfig)
    assert spec.factory(None, CoinConfig(bias=0.9), seed=3) == ("coin", 0.9, 3)
    assert main(["plugins", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    coin = [c for c in listed["components"] if c["name"] == "coin"]
    assert coin == [{"kind": "selector", "name": "coin", "plugin": "gaikit-coin", "version": "",
                     "description": "Flips a coin.", "config_schema": CoinConfig.model_json_schema()}]
    kinds = {c["kind"] for c in listed["components"]}
    assert {"encoder", "memory", "learner", "selector", "game"} <= kinds


def test_plugin_is_gone_after_unregistering(register_plugin):
    register_plugin(CoinPlugin(), "gaikit-coin")
    plugin_manager().unregister(name="gaikit-coin")
    assert "coin" not in get_registry().names("selectors")
    plugin_manager().register(CoinPlugin(), name="gaikit-coin")  # the fixture unregisters it


def test_duplicate_name_keeps_the_built_in_and_reports_the_clash(register_plugin, capsys):
    register_plugin(DuplicateVectorPlugin(), "impostor-plugin")
    registry = get_registry()
    assert registry.get("encoders", "vector").plugin == "builtin-encoders"
    (clash,) = registry.clashes
    assert "'vector'" in clash and "builtin-encoders" in clash and "impostor-plugin" in clash
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "name clashes" in out and "impostor-plugin" in out


def test_plugin_whose_hook_raises_is_skipped_and_reported(register_plugin, capsys):
    register_plugin(RaisingPlugin(), "exploding")
    registry = get_registry()
    assert "half-learner" not in registry.names("learners")
    assert "ddqn" in registry.names("learners"), "other plugins must still load"
    (failure,) = [f for f in registry.failures() if f.name == "exploding"]
    assert "learner hook exploded" in failure.reason
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "failed plugins" in out and "exploding" in out and "learner hook exploded" in out


def test_plugin_registering_a_bad_factory_is_reported(register_plugin):
    register_plugin(BadFactoryPlugin(), "bad-factory")
    registry = get_registry()
    (failure,) = [f for f in registry.failures() if f.name == "bad-factory"]
    assert "factory must be callable" in failure.reason
    assert "not-callable" not in registry.names("memories")


def test_unknown_name_lists_known_names_and_closest_match():
    with pytest.raises(RegistryError) as info:
        get_registry().get("learners", "dqnn")
    message = str(info.value)
    assert "unknown learner 'dqnn'" in message and "ddqn" in message and "did you mean 'ddqn'?" in message
    with pytest.raises(RegistryError, match="known: .*vector"):
        get_registry().get("encoders", "zzzzzz")


@pytest.fixture
def fake_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Add entry points in the ``gaikit`` group pointing at modules written to ``tmp_path``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    extra: list[metadata.EntryPoint] = []
    real = metadata.entry_points

    def entry_points(**kwargs):
        found = list(real(**kwargs))
        return found + extra if kwargs.get("group") == "gaikit" else found

    monkeypatch.setattr(registry_module.metadata, "entry_points", entry_points)

    def add(name: str, module: str, source: str) -> None:
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        sys.modules.pop(module, None)
        extra.append(metadata.EntryPoint(name=name, value=module, group="gaikit"))

    yield add


BROKEN = """
raise ImportError("this plugin needs a library that is not installed")
"""

COIN_MODULE = """
from gaikit import hookimpl

@hookimpl
def gaikit_register_selectors(register):
    register("coin-ep", lambda space, config, *, seed: None, description="from an entry point")
"""


def test_plugin_that_raises_on_import_is_skipped_with_a_report(fake_entry_points, capsys):
    fake_entry_points("broken-plugin", "gaikit_test_broken_plugin", BROKEN)
    fake_entry_points("coin-plugin", "gaikit_test_coin_plugin", COIN_MODULE)
    plugins = make_plugins()
    assert set(plugins.failures) == {"broken-plugin"}
    assert not [name for name in vars(plugins.manager) if name.startswith("gaikit_")], "nothing patched onto pluggy"
    registry = build_registry(plugins)
    err = capsys.readouterr().err
    assert "broken-plugin" in err and "not installed" in err
    (failure,) = [f for f in registry.failures() if f.name == "broken-plugin"]
    assert "ImportError" in failure.reason and "not installed" in failure.reason
    assert "coin-ep" in registry.names("selectors"), "a broken plugin must not stop the others"
    assert "ddqn" in registry.names("learners")


def test_gaikit_plugins_allow_list(fake_entry_points, monkeypatch):
    fake_entry_points("coin-plugin", "gaikit_test_coin_plugin", COIN_MODULE)
    monkeypatch.setenv("GAIKIT_PLUGINS", "some-other-plugin")
    registry = build_registry(make_plugins())
    assert "coin-ep" not in registry.names("selectors")
    assert "ddqn" in registry.names("learners"), "gaikit's built-ins always load"
    monkeypatch.setenv("GAIKIT_PLUGINS", "coin-plugin")
    assert "coin-ep" in build_registry(make_plugins()).names("selectors")
    monkeypatch.setenv("GAIKIT_PLUGINS", "-")
    registry = build_registry(make_plugins())
    assert registry.names("selectors") == [] and registry.names("learners") == []


class SecondsConfig(BaseModel):
    """Options of the test memory class."""

    capacity: int = 5


class SecondsMemory:
    """A component class registered as its own factory."""

    def __init__(self, observation_space, action_space, config, *, num_envs, gamma, seed):
        self.capacity, self.gamma = config.capacity, gamma


class ClassFactoryPlugin:
    """Registers a class as the factory, the way ``register("sac", SACLearner, config=SACConfig)`` does."""

    @hookimpl
    def gaikit_register_memories(self, register):
        register("seconds", SecondsMemory, config=SecondsConfig, description="a class factory")


class PositionalConfigPlugin:
    """Passes ``config`` positionally: keyword-only, so the plugin is reported and skipped."""

    @hookimpl
    def gaikit_register_selectors(self, register):
        register("positional", make_coin, CoinConfig)


def test_a_class_is_a_factory(register_plugin):
    register_plugin(ClassFactoryPlugin(), "class-factory")
    spec = get_registry().get("memories", "seconds")
    assert spec.factory is SecondsMemory and spec.config is SecondsConfig
    memory = spec.factory(None, None, SecondsConfig(capacity=7), num_envs=1, gamma=0.9, seed=0)
    assert isinstance(memory, SecondsMemory) and (memory.capacity, memory.gamma) == (7, 0.9)


def test_config_and_description_are_keyword_only(register_plugin):
    register_plugin(PositionalConfigPlugin(), "positional-config")
    registry = get_registry()
    (failure,) = [f for f in registry.failures() if f.name == "positional-config"]
    assert "positional" in failure.reason and "TypeError" in failure.reason
    assert "positional" not in registry.names("selectors")


def test_a_component_without_config_gets_the_empty_model():
    spec = get_registry().get("agents", "learned")
    assert spec.config is NoConfig and spec.description
