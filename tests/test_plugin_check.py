"""``gaikit plugins --check``: components that cannot be built or break a contract are reported, never fatal."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

import pytest

from gaikit import hookimpl
from gaikit.cli import main
from gaikit.cli.component_check import CHECKED_KINDS
from gaikit.core.registry import get_registry, plugin_manager
from gaikit.testing.smoke import check_component

SAMPLES = Path(__file__).parent / "contract_samples"


def broken_module() -> ModuleType:
    """tests/contract_samples/broken_plugin.py (deliberately broken components), imported by path."""
    spec = importlib.util.spec_from_file_location("gaikit_test_broken_components", SAMPLES / "broken_plugin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BadFactoryPlugin:
    """Registers an encoder whose factory raises, and a selector whose factory returns nonsense."""

    @hookimpl
    def gaikit_register_encoders(self, register):  # type: ignore[no-untyped-def]
        register("divides-by-zero", lambda space, config: 1 / 0)

    @hookimpl
    def gaikit_register_selectors(self, register):  # type: ignore[no-untyped-def]
        register("returns-a-string", lambda space, config, *, seed: "not a selector")


@pytest.fixture
def registered() -> Iterator[Callable[[object, str], None]]:
    """Register plugins on the process plugin manager for one test."""
    names: list[str] = []

    def register(plugin: object, name: str) -> None:
        plugin_manager().register(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        plugin_manager().unregister(name=name)


def checked_components() -> list[object]:
    """The registered components ``--check`` checks: every kind, agent kinds and worlds included."""
    specs = [spec for spec in get_registry().all() if spec.kind in CHECKED_KINDS]
    assert {spec.kind for spec in specs} == {
        "encoders", "memories", "learners", "selectors", "games", "strategies", "agents", "worlds"}
    return specs


def test_check_reports_broken_components_and_keeps_going(registered, capsys: pytest.CaptureFixture[str]) -> None:
    registered(broken_module(), "broken-sample")
    registered(BadFactoryPlugin(), "bad-factories")
    assert main(["plugins", "--check"]) == 1
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("  ok", "  FAILED"))]
    lines = {" ".join(line.split()[1:3]): line for line in rows}
    assert len(lines) == len(rows) == len(checked_components())
    assert lines["encoder lying"].startswith("  FAILED")
    assert "[ENC-2 features_dim matches forward output width] encoder says features_dim=64" in lines["encoder lying"]
    assert "[SEL-2 actions are valid" in lines["selector out-of-range"]
    assert "[ENC-0 the factory builds an encoder" in lines["encoder divides-by-zero"]
    assert "ZeroDivisionError" in lines["encoder divides-by-zero"]
    assert lines["selector returns-a-string"].startswith("  FAILED")
    assert "AttributeError" in lines["selector returns-a-string"]
    for builtin in ("encoder vector", "memory uniform", "learner ddqn", "selector greedy", "selector epsilon-greedy"):
        assert lines[builtin].startswith("  ok"), lines[builtin]
    failed = sum(line.startswith("  FAILED") for line in lines.values())
    assert f"{len(lines) - failed} ok, {failed} failed" in out


def test_check_passes_for_the_builtins_and_is_in_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--check", "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert {row["status"] for row in checks} == {"ok"}
    assert len(checks) == len(checked_components())


def test_without_check_nothing_is_built(registered, capsys: pytest.CaptureFixture[str]) -> None:
    registered(BadFactoryPlugin(), "bad-factories")
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "divides-by-zero" in out and "check (" not in out


def test_check_component_names_the_clause_for_a_memory_that_forgets(registered) -> None:
    uniform = get_registry().get("memories", "uniform")

    def amnesiac(*args, **kwargs):  # type: ignore[no-untyped-def]
        memory = uniform.factory(*args, **kwargs)
        memory.add = lambda *a, **k: None  # forgets everything it is given
        return memory

    class AmnesiacPlugin:
        @hookimpl
        def gaikit_register_memories(self, register):  # type: ignore[no-untyped-def]
            register("amnesiac", amnesiac, config=uniform.config)

    registered(AmnesiacPlugin(), "amnesiac-plugin")
    result = check_component(get_registry().get("memories", "amnesiac"))
    assert not result.ok
    assert result.detail.startswith("[MEM-1 len() counts sampleable transitions")
