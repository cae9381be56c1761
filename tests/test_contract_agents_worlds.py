"""The agent-kind and world contracts (AGENT-*, WORLD-*): good samples pass every clause, each broken one fails its own.

The samples (tests/contract_samples/agents_and_worlds.py) are registered on
the process plugin manager in a fixture and unregistered after, and built
through the registry the way ``gaikit run`` and ``--gaikit-contract`` build
them (:func:`gaikit.testing.makers.registered_maker`).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import pytest

from gaikit.core.registry import get_registry, plugin_manager
from gaikit.testing import AgentContract, ContractViolation, WorldContract, registered_maker
from gaikit.testing.makers import world_run_config
from gaikit.testing.registered import KIND_CLASSES, RegisteredAgents, RegisteredWorlds, contract_classes
from gaikit.testing.smoke import check_component

SAMPLES = Path(__file__).parent / "contract_samples" / "agents_and_worlds.py"
PLUGIN = "contract-samples-agents-worlds"
GAME = "CartPole-v1"


def _load_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gaikit_test_agent_world_samples", SAMPLES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _load_samples()


@pytest.fixture
def registered() -> Iterator[None]:
    """The sample agent kinds and worlds, registered for one test and unregistered after."""
    plugin_manager().register(samples.SamplesPlugin(), name=PLUGIN)
    yield
    plugin_manager().unregister(name=PLUGIN)


def agent(kind: str) -> dict[str, Any]:
    """AgentContract fixtures for the registered agent kind ``kind`` on CartPole."""
    return {"make_agent": functools.partial(registered_maker("agents", kind), GAME)}


def world(name: str, tmp_path: Path, date: str | None = None) -> dict[str, Any]:
    """WorldContract fixtures for the registered world ``name`` (short run, seed 0)."""
    spec = get_registry().get("worlds", name)
    return {"make_world": registered_maker("worlds", name), "run_config": world_run_config(spec),
            "tmp_path": tmp_path, "explain_actor": "0", "explain_date": date}


def clause_methods(contract: type) -> list[str]:
    return sorted(name for name in vars(contract) if name.startswith("test_"))


def call(contract: Any, method: str, fixtures: dict[str, Any]) -> None:
    """One contract check, given the fixtures it asks for."""
    fn = getattr(contract, method)
    wanted = fn.__code__.co_varnames[1:fn.__code__.co_argcount]
    fn(**{name: fixtures[name] for name in wanted})


def violates(clause: str, contract: Any, method: str, fixtures: dict[str, Any]) -> str:
    """The check must fail with ``clause``; returns the message."""
    with pytest.raises(ContractViolation) as info:
        call(contract, method, fixtures)
    assert info.value.clause == clause, str(info.value)
    return str(info.value)


# -- the good samples pass ------------------------------------------------------


@pytest.mark.parametrize("method", clause_methods(AgentContract))
def test_a_good_agent_kind_passes_every_clause(registered: None, method: str) -> None:
    call(AgentContract(), method, agent("coin"))


@pytest.mark.parametrize("method", clause_methods(WorldContract))
def test_a_good_world_passes_every_clause(registered: None, method: str, tmp_path: Path) -> None:
    call(WorldContract(), method, world("coin", tmp_path))


def test_there_is_one_check_per_clause() -> None:
    from gaikit.testing.clauses import CLAUSES

    for contract, prefix in ((AgentContract, "AGENT"), (WorldContract, "WORLD")):
        ids = sorted(c for c in CLAUSES if c.startswith(prefix + "-"))
        assert [m.split("_")[2] for m in clause_methods(contract)] == [i.split("-")[1] for i in ids]


# -- each broken agent kind fails its clause ------------------------------------


@pytest.mark.parametrize(
    ("kind", "clause", "method", "expected"),
    [
        ("coin-not-an-agent", "AGENT-0", "test_agent_0_builds", "built a str, not a gaikit Agent"),
        ("coin-out-of-range", "AGENT-1", "test_agent_1_valid_actions", "action 2 not in Discrete(2)"),
        ("coin-float-actions", "AGENT-1", "test_agent_1_valid_actions", "actions dtype float32, expected integers"),
        ("coin-one-row", "AGENT-1", "test_agent_1_valid_actions", "actions shape (1,), expected (3,)"),
        ("coin-endless", "AGENT-2", "test_agent_2_observe", "RuntimeError: episodes never end"),
        ("coin-nan-learning", "AGENT-3", "test_agent_3_learn", "metric 'loss' is nan"),
        ("coin-unseeded", "AGENT-4", "test_agent_4_seeded_determinism", "two agents built with seed 4 diverge"),
        ("coin-forgetful", "AGENT-5", "test_agent_5_state_dict_round_trip", "steps after loading the state"),
        ("coin-pickling", "AGENT-6", "test_agent_6_state_dict_is_checkpoint_safe", "Generator"),
        ("coin-opaque-explain", "AGENT-7", "test_agent_7_explain", "Generator"),
    ],
)
def test_a_broken_agent_kind_fails_its_clause(registered: None, kind: str, clause: str, method: str,
                                              expected: str) -> None:
    message = violates(clause, AgentContract(), method, agent(kind))
    assert expected in message, message


def test_an_agent_kind_that_plays_no_game_fails_agent_0(registered: None) -> None:
    fixtures = {"make_agent": functools.partial(registered_maker("agents", "coin"), "no-such-game-v0")}
    message = violates("AGENT-0", AgentContract(), "test_agent_0_builds", fixtures)
    assert "no-such-game-v0" in message


# -- each broken world fails its clause -----------------------------------------


@pytest.mark.parametrize(
    ("name", "clause", "method", "expected"),
    [
        ("coin-not-a-world", "WORLD-0", "test_world_0_builds", "built str, not a gaikit World"),
        ("coin-no-config-file", "WORLD-1", "test_world_1_run_writes_a_run_directory", "config.yaml is missing"),
        ("coin-failing", "WORLD-1", "test_world_1_run_writes_a_run_directory", "run returned 1"),
        ("coin-unseeded", "WORLD-2", "test_world_2_same_config_same_world", "wrote different history.txt"),
        ("coin-any-actor", "WORLD-3", "test_world_3_unknown_actor", "raised KeyError"),
        ("coin-any-date", "WORLD-4", "test_world_4_dates_outside", "date 'not-a-date': no error"),
        ("coin-set-records", "WORLD-5", "test_world_5_explains_a_known_actor", "set"),
    ],
)
def test_a_broken_world_fails_its_clause(registered: None, name: str, clause: str, method: str, expected: str,
                                         tmp_path: Path) -> None:
    message = violates(clause, WorldContract(), method, world(name, tmp_path))
    assert expected in message, message


def test_world_3_needs_the_error_to_name_the_actor(registered: None, tmp_path: Path) -> None:
    class Vague(samples.CoinWorld):
        def actor(self, name: str) -> str:
            if name not in ("0", "heads"):
                raise samples.ConfigError("no such actor")
            return "heads"

    fixtures = {**world("coin", tmp_path, date="1900-03-01"), "make_world": lambda: Vague(samples.CoinConfig(years=1))}
    message = violates("WORLD-3", WorldContract(), "test_world_3_unknown_actor", fixtures)
    assert "does not name the actor" in message


def test_world_5_says_how_to_declare_a_date_when_the_outputs_have_none(registered: None, tmp_path: Path) -> None:
    class Dateless(samples.CoinWorld):
        def run(self, config, run_dir, echo):  # type: ignore[no-untyped-def]
            run_dir.mkdir(parents=True)
            self.write_config(config, run_dir)
            return 0

    fixtures = {**world("coin", tmp_path), "make_world": lambda: Dateless(samples.CoinConfig(years=1))}
    message = violates("WORLD-5", WorldContract(), "test_world_5_explains_a_known_actor", fixtures)
    assert "world_sample(date=...)" in message


# -- the registered suite and --check cover the new kinds -------------------------


def test_generated_classes_cover_a_plugins_agent_kinds_and_worlds(registered: None) -> None:
    made = contract_classes([PLUGIN], module=__name__)
    assert set(made) == {"TestPlugins", "TestAgents", "TestWorlds"}
    assert issubclass(made["TestAgents"], RegisteredAgents) and issubclass(made["TestWorlds"], RegisteredWorlds)
    assert KIND_CLASSES["agents"] is RegisteredAgents and KIND_CLASSES["worlds"] is RegisteredWorlds


@pytest.mark.parametrize(
    ("kind", "name", "start"),
    [
        ("agents", "coin", "ok"),
        ("agents", "coin-out-of-range", "[AGENT-1 act returns one valid action per env"),
        ("agents", "coin-not-an-agent", "[AGENT-0 the kind builds an Agent"),
        ("worlds", "coin", "ok"),
        ("worlds", "coin-no-config-file", "[WORLD-1 run returns 0 and writes the run directory"),
        ("worlds", "coin-not-a-world", "[WORLD-0 the factory builds a World"),
    ],
)
def test_plugins_check_names_the_clause(registered: None, kind: str, name: str, start: str) -> None:
    result = check_component(get_registry().get(kind, name), get_registry())
    if start == "ok":
        assert result.ok, result.detail
    else:
        assert not result.ok and start in result.detail, result.detail


def test_an_agent_kind_is_probed_on_the_games_it_builds_for(registered: None) -> None:
    from gaikit.testing.makers import probe

    found = probe(get_registry().get("agents", "strategy"))
    assert found.spaces == ["realm"]
    assert "no strategies registered for game 'gymnasium'" in found.refused[0]
    assert probe(get_registry().get("agents", "coin")).spaces == [GAME]


def test_declared_games_are_all_used(registered: None) -> None:
    from gaikit.testing import agent_games
    from gaikit.testing.registered import cases

    @agent_games("CartPole-v1", "Acrobot-v1")
    def declared(context: Any) -> Any:
        return samples.CoinAgent(context.action_space, context.seed)

    class Declaring:
        from gaikit import hookimpl

        @hookimpl
        def gaikit_register_agents(self, register: Callable[..., None]) -> None:
            register("coin-declared", declared)

    plugin_manager().register(Declaring(), name="declaring-sample")
    try:
        ids = [p.id for p in cases(get_registry(), "agents", ["declaring-sample"])]
    finally:
        plugin_manager().unregister(name="declaring-sample")
    assert ids == ["coin-declared-CartPole-v1", "coin-declared-Acrobot-v1"]
