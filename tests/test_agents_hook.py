"""Agent kinds come through ``gaikit_register_agents`` like every other component, built-ins included."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaikit import hookimpl
from gaikit.cli import main
from gaikit.core.build import AgentContext
from gaikit.core.components import Agent
from gaikit.core.registry import get_registry, plugin_manager

ROOT = Path(__file__).resolve().parent.parent


class AlwaysAgent(Agent):
    """Plays the same discrete action in every env; counts what it observed."""

    def __init__(self, action: int, num_envs: int) -> None:
        self.action, self.num_envs, self.observed = action, num_envs, 0

    def act(self, obs, step, explore=True):
        return np.full(len(obs), self.action, dtype=np.int64)

    def observe(self, transition) -> None:
        self.observed += len(transition.rewards)

    def describe(self):
        return {"selector": f"always {self.action}"}


BUILT: list[AlwaysAgent] = []


def make_always(context: AgentContext) -> AlwaysAgent:
    action = context.action_space.n - 1
    BUILT.append(AlwaysAgent(action, context.num_envs))
    return BUILT[-1]


class AlwaysPlugin:
    """A third-party plugin supplying one agent kind."""

    @hookimpl
    def gaikit_register_agents(self, register):
        register("always-last", make_always, description="plays the last discrete action")


@pytest.fixture
def always_plugin():
    """The plugin registered on the process plugin manager for one test, unregistered after."""
    plugin_manager().register(AlwaysPlugin(), name="gaikit-always")
    BUILT.clear()
    yield
    plugin_manager().unregister(name="gaikit-always")


def test_builtin_agent_kinds_come_from_the_builtin_plugin():
    registry = get_registry()
    kinds = {name: registry.get("agents", name).plugin for name in registry.names("agents")}
    assert kinds == {"learned": "builtin-agents", "strategy": "builtin-agents"}


def test_a_plugin_agent_kind_is_listed_run_and_gone_after(always_plugin, tmp_path, capsys):
    assert main(["plugins", "--json"]) == 0
    rows = [c for c in json.loads(capsys.readouterr().out)["components"] if c["kind"] == "agent"]
    assert {(r["name"], r["plugin"]) for r in rows} == {
        ("always-last", "gaikit-always"), ("learned", "builtin-agents"), ("strategy", "builtin-agents")}
    run_dir = tmp_path / "run"
    assert main(["run", "CartPole-v1", "--agent", "always-last", "--steps", "24", "--envs", "2",
                 "--set", "train.eval_every=0", "--set", "train.log_every=12", "--run-dir", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "agent       always-last: selector always 1" in out and "finished 24 steps" in out
    (agent,) = BUILT
    assert (agent.action, agent.num_envs, agent.observed) == (1, 2, 24)  # CartPole: Discrete(2), last action 1
    assert "agent: always-last" in (run_dir / "config.yaml").read_text()
    plugin_manager().unregister(name="gaikit-always")
    assert main(["run", "CartPole-v1", "--agent", "always-last", "--run-dir", str(tmp_path / "gone")]) == 2
    err = capsys.readouterr().err
    assert "unknown agent kind 'always-last'" in err and "learned, strategy" in err
    plugin_manager().register(AlwaysPlugin(), name="gaikit-always")  # the fixture unregisters it


def test_a_resumed_run_needs_its_agent_kind(always_plugin, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", "CartPole-v1", "--agent", "always-last", "--steps", "10",
                 "--set", "train.eval_every=0", "--run-dir", str(run_dir)]) == 0
    plugin_manager().unregister(name="gaikit-always")
    assert main(["run", "--resume", str(run_dir), "--steps", "20"]) == 2
    assert "unknown agent kind 'always-last'" in capsys.readouterr().err
    plugin_manager().register(AlwaysPlugin(), name="gaikit-always")


def test_no_agent_kind_is_registered_by_import_side_effect():
    sources = [p for p in (ROOT / "gaikit").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in sources
                 if "register_agent_builder" in p.read_text(encoding="utf-8")
                 or "AGENT_BUILDERS" in p.read_text(encoding="utf-8")]
    assert offenders == []
