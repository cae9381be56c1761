"""Hostile plugins: whatever a plugin raises at import or registration, name clashes, factories that
raise or return the wrong thing at run time — reported and skipped, never fatal to gaikit or to the others."""

from __future__ import annotations

import json
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from gaikit import hookimpl
from gaikit.cli import main
from gaikit.core import registry as registry_module
from gaikit.core.registry import build_registry, get_registry, make_plugins

TINY = ["--steps", "20", "--set", "train.learning_starts=10", "--set", "train.batch_size=4",
        "--set", "train.eval_every=0", "--set", "train.log_every=10", "--set", "train.threads=1",
        "--set", "encoder.hidden=[4]"]


@pytest.fixture
def entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Add entry points in the ``gaikit`` group pointing at modules written to ``tmp_path``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    extra: list[metadata.EntryPoint] = []
    real = metadata.entry_points

    def fake(**kwargs):
        found = list(real(**kwargs))
        return found + extra if kwargs.get("group") == "gaikit" else found

    monkeypatch.setattr(registry_module.metadata, "entry_points", fake)

    def add(name: str, source: str) -> None:
        module = f"gaikit_test_{name.replace('-', '_')}"
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        sys.modules.pop(module, None)
        extra.append(metadata.EntryPoint(name=name, value=module, group="gaikit"))

    yield add


class PluginInterrupt(KeyboardInterrupt):
    """A plugin's own subclass of KeyboardInterrupt."""


IMPORT_RAISES = {
    "system-exit": "raise SystemExit(3)",
    "interrupt-subclass": "class Stop(KeyboardInterrupt):\n    pass\nraise Stop('plugin says stop')",
    "base-exception": "raise BaseException('odd plugin')",
}

GOOD = """
from gaikit import hookimpl

@hookimpl
def gaikit_register_selectors(register):
    register("good-coin", lambda space, config, *, seed: None, description="survives its neighbours")
"""


@pytest.mark.parametrize("kind", sorted(IMPORT_RAISES))
def test_a_plugin_raising_anything_at_import_is_skipped(entry_points, kind, capsys):
    entry_points(f"bad-{kind}", IMPORT_RAISES[kind])
    entry_points("good", GOOD)
    registry = build_registry(make_plugins())
    (failure,) = [f for f in registry.failures() if f.name == f"bad-{kind}"]
    assert failure.status == "failed" and "failed to load entry point" in failure.reason
    assert "good-coin" in registry.names("selectors") and "ddqn" in registry.names("learners")
    assert f"plugin 'bad-{kind}' skipped" in capsys.readouterr().err


class ExitingHook:
    """Its registration hook calls sys.exit."""

    @hookimpl
    def gaikit_register_learners(self, register):
        sys.exit("plugin gave up")


class InterruptingHook:
    """Its registration hook raises its own KeyboardInterrupt subclass."""

    @hookimpl
    def gaikit_register_memories(self, register):
        register("half-memory", lambda *a, **k: None)
        raise PluginInterrupt("stop everything")


@pytest.mark.parametrize("plugin, needle", [(ExitingHook(), "SystemExit: plugin gave up"),
                                            (InterruptingHook(), "PluginInterrupt: stop everything")])
def test_a_plugin_raising_anything_at_registration_is_skipped(register_plugin, plugin, needle, capsys):
    register_plugin(plugin, "hostile")
    registry = get_registry()
    (failure,) = [f for f in registry.failures() if f.name == "hostile"]
    assert needle in failure.reason
    assert "half-memory" not in registry.names("memories") and "ddqn" in registry.names("learners")
    assert main(["plugins", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [f["plugin"] for f in listed["failed"]] == ["hostile"]


class CtrlCHook:
    """Stands for the user pressing Ctrl-C while the hooks run: a plain KeyboardInterrupt."""

    @hookimpl
    def gaikit_register_games(self, register):
        raise KeyboardInterrupt


def test_a_real_ctrl_c_during_registration_still_stops(register_plugin):
    register_plugin(CtrlCHook(), "ctrl-c")
    with pytest.raises(KeyboardInterrupt):
        get_registry()


IMPOSTOR = """
from gaikit import hookimpl
from gaikit.plugins.encoders.vector import VectorEncoder

@hookimpl
def gaikit_register_encoders(register):
    register("vector", lambda space, config: VectorEncoder(space, config), description="{who}")
"""


def test_clashing_names_keep_the_first_and_selecting_one_by_gaikit_plugins(entry_points, monkeypatch, capsys):
    entry_points("first-impostor", IMPOSTOR.format(who="first impostor"))
    entry_points("second-impostor", IMPOSTOR.format(who="second impostor"))
    registry = build_registry(make_plugins())
    assert registry.get("encoders", "vector").plugin == "builtin-encoders"  # built-ins come first
    assert len(registry.clashes) == 2 and all("'vector'" in clash for clash in registry.clashes)
    monkeypatch.setenv("GAIKIT_PLUGINS", "second-impostor")
    registry = build_registry(make_plugins())
    assert registry.get("encoders", "vector").description == "second impostor"
    (clash,) = registry.clashes
    assert "'second-impostor''s is used" in clash and "builtin-encoders" in clash


def test_a_clash_breaks_no_command(register_plugin, tmp_path, capsys):
    class Impostor:
        @hookimpl
        def gaikit_register_encoders(self, register):
            register("vector", lambda space, config: None, description="impostor")

    register_plugin(Impostor(), "impostor")
    assert main(["plugins"]) == 0
    assert "name clashes" in capsys.readouterr().out
    assert main(["run", "CartPole-v1", "--learner", "ddqn", *TINY, "--run-dir", str(tmp_path / "run")]) == 0


class RaisingFactory:
    """A selector whose factory raises at run time."""

    @hookimpl
    def gaikit_register_selectors(self, register):
        def explode(space, config, *, seed):
            raise ZeroDivisionError("division by zero in the selector")

        register("exploding", explode)


class WrongTypeFactory:
    """A memory whose factory returns something that is not a Memory."""

    @hookimpl
    def gaikit_register_memories(self, register):
        register("dict-memory", lambda *args, **kwargs: {"not": "a memory"})


@pytest.mark.parametrize("plugin, flags, needle", [
    (RaisingFactory(), ["--selector", "exploding"],
     "selector 'exploding' of plugin 'runtime-plugin' failed to build: ZeroDivisionError: division by zero"),
    (WrongTypeFactory(), ["--memory", "dict-memory"],
     "memory 'dict-memory' of plugin 'runtime-plugin' built a dict, not a gaikit Memory"),
])
def test_a_factory_failing_at_run_time_is_one_line_naming_the_plugin(register_plugin, tmp_path, capsys,
                                                                      plugin, flags, needle):
    register_plugin(plugin, "runtime-plugin")
    run_dir = tmp_path / "run"
    assert main(["run", "CartPole-v1", "--learner", "ddqn", *flags, *TINY, "--run-dir", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err
    assert not run_dir.exists()
