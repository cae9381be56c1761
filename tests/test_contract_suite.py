"""The contract suite itself, run in isolated pytest sessions (pytester).

A deliberately broken plugin (tests/contract_samples/broken_plugin.py) must
fail exactly the clauses it breaks, with messages naming them; good
components must pass; ``--gaikit-contract=NAME`` must find a plugin
registered on the process plugin manager and test all it supplies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

pytest_plugins = ("pytester",)

SAMPLES = Path(__file__).parent / "contract_samples"

SUBCLASSED = """
import gymnasium as gym
import numpy as np
import pytest

from gaikit.testing import EncoderContract, LearnerContract, MemoryContract, SelectorContract
from broken_plugin import ExplodingLearner, ForgetfulMemory, LyingEncoder, OutOfRangeSelector


class TestLying(EncoderContract):
    @pytest.fixture
    def observation_space(self):
        return gym.spaces.Box(-1, 1, (6,), np.float32)

    @pytest.fixture
    def make_encoder(self):
        return LyingEncoder


class TestOutOfRange(SelectorContract):
    @pytest.fixture
    def action_space(self):
        return gym.spaces.Discrete(3)

    @pytest.fixture
    def make_selector(self):
        return OutOfRangeSelector


class TestForgetful(MemoryContract):
    @pytest.fixture
    def observation_space(self):
        return gym.spaces.Box(-1, 1, (5,), np.float32)

    @pytest.fixture
    def action_space(self):
        return gym.spaces.Discrete(3)

    @pytest.fixture
    def make_memory(self):
        return ForgetfulMemory


class TestExploding(LearnerContract):
    @pytest.fixture
    def observation_space(self):
        return gym.spaces.Box(-1, 1, (5,), np.float32)

    @pytest.fixture
    def action_space(self):
        return gym.spaces.Discrete(3)

    @pytest.fixture
    def make_learner(self):
        return ExplodingLearner
"""

GOOD = """
import gymnasium as gym
import numpy as np
import pytest

from gaikit.testing import EncoderContract, MemoryContract, SelectorContract, registered_maker


class TestVector(EncoderContract):
    @pytest.fixture
    def observation_space(self):
        return gym.spaces.Box(-5, 5, (7,), np.float32)

    @pytest.fixture
    def make_encoder(self):
        return registered_maker("encoders", "vector")


class TestEpsilonGreedy(SelectorContract):
    @pytest.fixture
    def action_space(self):
        return gym.spaces.Discrete(5)

    @pytest.fixture
    def make_selector(self):
        return registered_maker("selectors", "epsilon-greedy")


class TestUniformBoxActions(MemoryContract):
    @pytest.fixture
    def observation_space(self):
        return gym.spaces.Box(-1, 1, (3,), np.float32)

    @pytest.fixture
    def action_space(self):
        return gym.spaces.Box(-1, 1, (2,), np.float32)

    @pytest.fixture
    def make_memory(self):
        return registered_maker("memories", "uniform")
"""

BROKEN_CLASSES = {"TestLying", "TestOutOfRange", "TestForgetful", "TestExploding"}
GOOD_CLASSES = {"TestVector", "TestEpsilonGreedy", "TestUniformBoxActions"}

REGISTERING_CONFTEST = """
import broken_plugin
from gaikit.core.registry import get_registry, plugin_manager

plugin_manager().register(broken_plugin, name="broken-example")
"""

OTHER_PLUGINS_CONFTEST = """
from gaikit.core.hookspecs import hookimpl
from gaikit.core.registry import get_registry, plugin_manager


VECTOR = get_registry().get("encoders", "vector")
GREEDY = get_registry().get("selectors", "greedy")


class Copies:
    '''Re-registers built-in factories under new names: a plugin that honours the contracts.'''

    @hookimpl
    def gaikit_register_encoders(self, register):
        register("copied-vector", VECTOR.factory, config=VECTOR.config)

    @hookimpl
    def gaikit_register_selectors(self, register):
        register("copied-greedy", GREEDY.factory, config=GREEDY.config)


class Raising:
    @hookimpl
    def gaikit_register_selectors(self, register):
        raise RuntimeError("boom while registering")


class BadFactory:
    @hookimpl
    def gaikit_register_encoders(self, register):
        register("bad-factory", lambda space, config: 1 / 0)


PLUGINS = {"copies-example": Copies(), "raising-example": Raising(), "bad-factory-example": BadFactory()}
for name, plugin in PLUGINS.items():
    plugin_manager().register(plugin, name=name)
"""

@pytest.fixture
def sandbox(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester dir holding the broken plugin module."""
    pytester.makepyfile(broken_plugin=(SAMPLES / "broken_plugin.py").read_text())
    return pytester


@dataclass
class Outcome:
    """What a pytest run in a subprocess did, read from its JUnit XML report."""

    ret: int
    passed: list[str]
    failed: dict[str, str]


def run(pytester: pytest.Pytester, *args: str) -> Outcome:
    """Run pytest in a subprocess (torch cannot be re-imported in-process) and read its report.

    Test names are ``Class::test[param]``; failures map to their message.
    """
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml=report.xml", *args)
    passed: list[str] = []
    failed: dict[str, str] = {}
    report = pytester.path / "report.xml"
    if report.exists():
        for case in ElementTree.parse(report).iter("testcase"):
            name = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is not None:
                failed[name] = f"{problem.get('message', '')}\n{problem.text or ''}"
            elif case.find("skipped") is None:
                passed.append(name)
    return Outcome(result.ret, passed, failed)


def test_subclassed_contracts_fail_exactly_the_broken_clauses_and_pass_good_ones(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(test_broken=SUBCLASSED, test_good=GOOD)
    outcome = run(sandbox)
    assert outcome.ret == pytest.ExitCode.TESTS_FAILED
    assert set(outcome.failed) == {
        "TestLying::test_enc_2_features_dim_matches_output",
        "TestLying::test_enc_3_shape_and_dtype",
        "TestOutOfRange::test_sel_2_actions_valid",
        "TestOutOfRange::test_sel_8_per_actor",
        "TestForgetful::test_mem_8_state_dict_round_trip",
        "TestExploding::test_lrn_4_finite_after_updates",
    }
    failed = outcome.failed
    assert (
        "[ENC-2 features_dim matches forward output width] encoder says features_dim=64, "
        "forward returned shape (5, 32)" in failed["TestLying::test_enc_2_features_dim_matches_output"]
    )
    selector = failed["TestOutOfRange::test_sel_2_actions_valid"]
    assert "[SEL-2 actions are valid for the action space" in selector
    assert "explore=True, row 0: 3 not in Discrete(3)" in selector
    forgetful = failed["TestForgetful::test_mem_8_state_dict_round_trip"]
    assert "[MEM-8 a state_dict round trip restores contents, cursor and random state]" in forgetful
    assert "batch['rewards'] values differ" in forgetful
    exploding = failed["TestExploding::test_lrn_4_finite_after_updates"]
    assert "[LRN-4 no NaN or inf in predictions or state after updates]" in exploding
    broken_passed = [name for name in outcome.passed if name.split("::")[0] in BROKEN_CLASSES]
    good_passed = [name for name in outcome.passed if name.split("::")[0] in GOOD_CLASSES]
    assert len(broken_passed) == 8 + 8 + 9 + 10 - len(failed)
    assert len(good_passed) == 8 + 8 + 9, "the good components pass every clause"


def test_option_runs_the_suite_over_a_registered_plugin(
    sandbox: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAIKIT_PLUGINS", "-")  # only the conftest's plugin: faster, and nothing else matches
    sandbox.makeconftest(REGISTERING_CONFTEST)
    outcome = run(sandbox, "--gaikit-contract=broken-example")
    assert set(outcome.failed) == {
        "TestEncoders::test_enc_2_features_dim_matches_output[lying]",
        "TestEncoders::test_enc_3_shape_and_dtype[lying]",
        "TestSelectors::test_sel_2_actions_valid[out-of-range]",
        "TestSelectors::test_sel_8_per_actor[out-of-range]",
        "TestMemories::test_mem_8_state_dict_round_trip[forgetful]",
        "TestLearners::test_lrn_4_finite_after_updates[exploding]",
    }
    assert "[ENC-2 features_dim matches forward output width]" in outcome.failed[
        "TestEncoders::test_enc_2_features_dim_matches_output[lying]"
    ]
    assert "TestPlugins::test_plug_1_loads[broken-example]" in outcome.passed
    assert len(outcome.passed) == 2 + 8 + 8 + 9 + 10 - 6


def test_option_covers_good_raising_and_bad_factory_plugins(sandbox: pytest.Pytester) -> None:
    sandbox.makeconftest(OTHER_PLUGINS_CONFTEST)
    outcome = run(sandbox, "--gaikit-contract=copies-example", "--gaikit-contract=*-example")
    failed = outcome.failed
    assert not [name for name in failed if "copied-" in name or "[copies-example]" in name]
    assert "TestEncoders::test_enc_2_features_dim_matches_output[copied-vector]" in outcome.passed
    assert "TestSelectors::test_sel_3_greedy[copied-greedy]" in outcome.passed
    plug_1 = failed["TestPlugins::test_plug_1_loads[raising-example]"]
    assert "[PLUG-1 the plugin loads" in plug_1
    assert "gaikit_register_selectors raised RuntimeError: boom while registering" in plug_1
    bad = [name for name in failed if name.endswith("[bad-factory]")]
    assert len(bad) == 8, "every encoder clause fails when the factory cannot build"
    assert "[ENC-0 the factory builds an encoder" in failed[bad[0]]
    assert "ZeroDivisionError" in failed[bad[0]]


LONELY_CONFTEST = """
from gaikit.core.hookspecs import hookimpl
from gaikit.core.registry import plugin_manager


class Lonely:
    @hookimpl
    def gaikit_register_selectors(self, register):
        pass


plugin_manager().register(Lonely(), name="lonely-example")
"""


def test_option_rejects_unknown_plugin_names(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAIKIT_PLUGINS", "-")
    pytester.makeconftest(LONELY_CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--gaikit-contract=no-such-plugin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--gaikit-contract=no-such-plugin: no gaikit plugin of that name; loaded: lonely-example"]
    )


def test_suite_is_not_collected_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert [line for line in result.outlines if "::" in line] == ["test_one.py::test_one"]


AGENTS_AND_WORLDS_CONFTEST = """
import agents_and_worlds
from gaikit.core.registry import plugin_manager

plugin_manager().register(agents_and_worlds.SamplesPlugin(), name="samples-example")
"""


def test_option_runs_the_agent_and_world_contracts_over_a_plugin(pytester: pytest.Pytester) -> None:
    """``--gaikit-contract`` gives a third-party plugin's agent kinds and worlds their contracts too."""
    pytester.makepyfile(agents_and_worlds=(SAMPLES / "agents_and_worlds.py").read_text())
    pytester.makeconftest(AGENTS_AND_WORLDS_CONFTEST)
    outcome = run(pytester, "--gaikit-contract=samples-example", "-k", "coin]")
    good = [name for name in outcome.passed if name.endswith("[coin]")]
    assert len(good) == 8 + 6, outcome.failed  # every AGENT and WORLD clause, on the good agent kind and world
    assert "TestAgents::test_agent_0_builds[coin]" in good and "TestWorlds::test_world_5_explains_a_known_actor[coin]" in good
    assert not outcome.failed
    outcome = run(pytester, "--gaikit-contract=samples-example", "-k", "out-of-range or unseeded")
    unseeded = {name for name in outcome.failed if name.endswith("[coin-unseeded]")}
    assert unseeded == {
        "TestAgents::test_agent_4_seeded_determinism[coin-unseeded]",
        "TestWorlds::test_world_2_same_config_same_world[coin-unseeded]",
        "TestWorlds::test_world_5_explains_a_known_actor[coin-unseeded]",
    }
    assert "[WORLD-2 the same run config and seed give the same outputs" in outcome.failed[
        "TestWorlds::test_world_2_same_config_same_world[coin-unseeded]"]
    out_of_range = {name: message for name, message in outcome.failed.items() if name.endswith("[coin-out-of-range]")}
    assert len(out_of_range) == 7, "every clause but AGENT-0 plays the agent, and its actions stop play"
    assert all("[AGENT-1 act returns one valid action per env" in message for message in out_of_range.values())
    assert "action 2 not in Discrete(2)" in out_of_range["TestAgents::test_agent_1_valid_actions[coin-out-of-range]"]
