"""Contract tests parametrised over the components registered plugins supply.

``pytest --gaikit-contract=PLUGIN`` collects this module (see
:mod:`gaikit.testing.plugin`); its ``Test*`` classes run every clause against
every component the named plugins registered, built with its default config
against its sample spaces (:mod:`gaikit.testing.spaces`). A project can run
the same suite from its own test module::

    from gaikit.testing.registered import contract_classes
    globals().update(contract_classes(["builtin-*"], module=__name__))

Plugin names are the entry-point names ``gaikit plugins`` shows; shell-style
wildcards match several.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Sequence

import pytest

from gaikit.core.registry import ComponentSpec, Registry, get_registry
from gaikit.testing.agent import AgentContract
from gaikit.testing.clauses import BUILD_CLAUSE, check, guarded, violation
from gaikit.testing.encoder import EncoderContract
from gaikit.testing.game import GameContract
from gaikit.testing.learner import LearnerContract
from gaikit.testing.makers import maker, matching_plugins, probe, world_run_config
from gaikit.testing.memory import MemoryContract
from gaikit.testing.selector import SelectorContract
from gaikit.testing.spaces import declared_spaces, declared_world_sample, describe
from gaikit.testing.strategy import StrategyFileContract
from gaikit.testing.world import WorldContract

#: Kinds built without a sample space (nothing to probe).
UNPROBED = ("games", "strategies", "worlds")


@dataclass(frozen=True)
class Case:
    """One component to test, with a declared sample space or ``None`` (probe for one)."""

    spec: ComponentSpec
    space: Any = None
    declared: bool = False


def cases(registry: Registry, kind: str, patterns: Sequence[str]) -> list[Any]:
    """``pytest.param`` cases for every ``kind`` component of the matching plugins."""
    params = []
    for spec in registry.all():
        if spec.kind != kind or not any(fnmatchcase(spec.plugin, p) for p in patterns):
            continue
        declared = declared_spaces(spec.factory) if kind not in UNPROBED else None
        if declared:
            params += [pytest.param(Case(spec, s, True), id=f"{spec.name}-{describe(s)}") for s in declared]
        else:
            params.append(pytest.param(Case(spec), id=spec.name))
    return params


_PROBED: dict[tuple[str, str, str, int], Any] = {}


def resolve_space(case: Case) -> Any:
    """The sample space to test ``case`` with: declared, or the first candidate it builds with."""
    if case.declared or case.spec.kind in UNPROBED:
        return case.space
    key = (case.spec.kind, case.spec.name, case.spec.plugin, id(case.spec.factory))
    if key not in _PROBED:
        found = probe(case.spec)
        _PROBED[key] = found.spaces[0] if found.spaces else _Refused(found.reason())
    space = _PROBED[key]
    if isinstance(space, _Refused):
        violation(BUILD_CLAUSE[case.spec.kind], f"{case.spec.name!r} built with none of the sample spaces: {space}")
    return space


class _Refused(str):
    """Why probing found no sample space."""


class _Registered:
    """Mixin: take the component from a ``registered_case`` parameter."""

    kind = ""
    #: Plugin name patterns (set by :func:`contract_classes`).
    plugins: tuple[str, ...] = ()

    def pytest_generate_tests(self, metafunc: Any) -> None:
        """Parametrise ``registered_case`` over the matching plugins' components of this kind."""
        if "registered_case" in metafunc.fixturenames:
            metafunc.parametrize("registered_case", cases(get_registry(), self.kind, self.plugins))

    @pytest.fixture
    def sample_space(self, registered_case: Case) -> Any:
        """The resolved sample space of the case."""
        return resolve_space(registered_case)

    @pytest.fixture
    def component_maker(self, registered_case: Case) -> Any:
        """The registered factory wrapped with its default config."""
        return maker(registered_case.spec)


class _ObservationOnly(_Registered):
    @pytest.fixture
    def observation_space(self, sample_space: Any) -> Any:
        return sample_space


class _ObservationAndAction(_Registered):
    @pytest.fixture
    def observation_space(self, sample_space: Any) -> Any:
        return sample_space[0]

    @pytest.fixture
    def action_space(self, sample_space: Any) -> Any:
        return sample_space[1]


class RegisteredEncoders(_ObservationOnly, EncoderContract):
    """The encoder contract over registered encoders."""

    kind = "encoders"

    @pytest.fixture
    def make_encoder(self, component_maker: Any) -> Any:
        return component_maker


class RegisteredMemories(_ObservationAndAction, MemoryContract):
    """The memory contract over registered memories."""

    kind = "memories"

    @pytest.fixture
    def make_memory(self, component_maker: Any) -> Any:
        return component_maker


class RegisteredLearners(_ObservationAndAction, LearnerContract):
    """The learner contract over registered learners."""

    kind = "learners"

    @pytest.fixture
    def make_learner(self, component_maker: Any) -> Any:
        return component_maker


class RegisteredSelectors(_Registered, SelectorContract):
    """The selector contract over registered selectors."""

    kind = "selectors"

    @pytest.fixture
    def action_space(self, sample_space: Any) -> Any:
        return sample_space

    @pytest.fixture
    def make_selector(self, component_maker: Any) -> Any:
        return component_maker


class RegisteredGames(_Registered, GameContract):
    """The game contract over registered games."""

    kind = "games"

    @pytest.fixture
    def make_game(self, component_maker: Any) -> Any:
        return component_maker


class RegisteredStrategyFiles(_Registered, StrategyFileContract):
    """The strategy-file contract over registered strategy files."""

    kind = "strategies"

    @pytest.fixture
    def strategy_path(self, registered_case: Case) -> Any:
        return registered_case.spec.factory()

    @pytest.fixture
    def game_features(self, registered_case: Case) -> tuple[str, ...]:
        """``feature_names()`` of the registered game the strategies are for (none if unregistered)."""
        games = get_registry().components["games"]
        spec = games.get(registered_case.spec.name)
        if spec is None:
            return ()
        return tuple(guarded("STRAT-2", f"building game {spec.name!r}", maker(spec)).feature_names())


class RegisteredAgents(_Registered, AgentContract):
    """The agent contract over registered agent kinds, each on a game it plays (declared, or probed)."""

    kind = "agents"

    @pytest.fixture
    def make_agent(self, component_maker: Any, sample_space: Any) -> Any:
        """``make_agent(*, num_envs, seed)`` on the case's game, as ``gaikit run GAME --agent KIND`` builds it."""
        return functools.partial(component_maker, sample_space)


class RegisteredWorlds(_Registered, WorldContract):
    """The world contract over registered worlds, each on a short run of its default config."""

    kind = "worlds"

    @pytest.fixture
    def make_world(self, component_maker: Any) -> Any:
        return component_maker

    @pytest.fixture
    def run_config(self, registered_case: Case) -> Any:
        """``gaikit run GAME --agent strategy --seed 0`` with the short-run options."""
        return guarded("WORLD-0", "the short-run options", world_run_config, registered_case.spec)

    @pytest.fixture
    def explain_actor(self, registered_case: Case) -> str:
        return declared_world_sample(registered_case.spec.factory)["actor"] or "0"

    @pytest.fixture
    def explain_date(self, registered_case: Case) -> str | None:
        return declared_world_sample(registered_case.spec.factory)["date"]


class RegisteredPlugins:
    """PLUG-1 and PLUG-2 for each plugin named."""

    #: Plugin name patterns (set by :func:`contract_classes`).
    plugins: tuple[str, ...] = ()

    def pytest_generate_tests(self, metafunc: Any) -> None:
        """Parametrise ``plugin_name`` over the matching plugins."""
        if "plugin_name" in metafunc.fixturenames:
            metafunc.parametrize("plugin_name", matching_plugins(get_registry(), self.plugins))

    def test_plug_1_loads(self, plugin_name: str) -> None:
        """PLUG-1: the plugin imported and registered without error."""
        report = get_registry().plugins[plugin_name]
        check(report.status == "ok", "PLUG-1", f"plugin {plugin_name!r}: {report.reason}")

    def test_plug_2_supplies_components(self, plugin_name: str) -> None:
        """PLUG-2: at least one component comes from the plugin."""
        supplied = [s for s in get_registry().all() if s.plugin == plugin_name]
        check(supplied, "PLUG-2", f"plugin {plugin_name!r} registered no component")


KIND_CLASSES: dict[str, type] = {
    "encoders": RegisteredEncoders,
    "memories": RegisteredMemories,
    "learners": RegisteredLearners,
    "selectors": RegisteredSelectors,
    "games": RegisteredGames,
    "strategies": RegisteredStrategyFiles,
    "agents": RegisteredAgents,
    "worlds": RegisteredWorlds,
}


def contract_classes(plugins: Sequence[str], module: str, prefix: str = "Test") -> dict[str, type]:
    """Test classes running the contracts over ``plugins``' components, for a test module's globals.

    Only kinds the plugins supply get a class, so nothing is collected empty.
    """
    registry = get_registry()
    patterns = tuple(plugins)
    made: dict[str, type] = {}
    bases: dict[str, type] = {"Plugins": RegisteredPlugins}
    bases.update({kind.capitalize(): cls for kind, cls in KIND_CLASSES.items() if cases(registry, kind, patterns)})
    for suffix, base in bases.items():
        name = f"{prefix}{suffix}"
        made[name] = type(name, (base,), {"plugins": patterns, "__module__": module, "__doc__": base.__doc__})
    return made
