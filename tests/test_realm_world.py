"""Worlds come through ``gaikit_register_worlds``: realm's is a built-in plugin, and a plugin's world is run the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaikit import hookimpl
from gaikit.cli import main
from gaikit.core.config import RunConfig
from gaikit.core.registry import get_registry, plugin_manager
from gaikit.core.world import World
from gaikit.plugins.games.realm.config import RealmConfig
from gaikit.plugins.games.realm.simulate import RealmWorld

CALLS: list[tuple[str, object]] = []


class ToyWorld(World):
    """Records how it was called; writes one file."""

    name = "gymnasium"

    def __init__(self, options) -> None:
        self.options = options

    def run(self, config: RunConfig, run_dir: Path, echo) -> int:
        CALLS.append(("run", config.train.seed))
        run_dir.mkdir(parents=True)
        (run_dir / "world.txt").write_text(self.options.env_id)
        echo(f"toy world of {self.options.env_id}")
        return 0

    def explain_decisions(self, config: RunConfig, actor: str, date: str) -> list[dict]:
        CALLS.append(("explain", (actor, date)))
        return [{"time": date, "agent": actor, "decision": "wave", "options": []}]


class ToyWorldPlugin:
    """A third-party plugin supplying a world for the ``gymnasium`` game."""

    @hookimpl
    def gaikit_register_worlds(self, register):
        config = get_registry().get("games", "gymnasium").config
        register("gymnasium", ToyWorld, config=config, description="a toy world")


@pytest.fixture
def toy_world():
    """The toy world plugin, registered for one test."""
    plugin_manager().register(ToyWorldPlugin(), name="gaikit-toy-world")
    CALLS.clear()
    yield
    plugin_manager().unregister(name="gaikit-toy-world")


def test_realms_world_is_a_builtin_plugin():
    spec = get_registry().get("worlds", "realm")
    assert (spec.plugin, spec.config) == ("builtin-worlds", RealmConfig)
    world = spec.factory(RealmConfig(countries=3))
    assert isinstance(world, RealmWorld) and world.config.countries == 3


def test_a_plugins_world_runs_instead_of_the_runner(toy_world, tmp_path, capsys):
    run_dir = tmp_path / "toy"
    assert main(["run", "CartPole-v1", "--agent", "strategy", "--seed", "4", "--run-dir", str(run_dir)]) == 0
    assert CALLS == [("run", 4)]
    assert "toy world of CartPole-v1" in capsys.readouterr().out
    assert {p.name for p in run_dir.iterdir()} == {"world.txt"}  # no checkpoints, metrics or plots: no runner


def test_explaining_a_date_needs_a_world(capsys):
    assert main(["explain", "--game", "CartPole-v1", "--country", "x", "--date", "1836-01-01"]) == 2
    assert "does not simulate a world" in capsys.readouterr().err
