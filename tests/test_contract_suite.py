"""The contract suite itself, run in isolated pytest sessions (pytester).

A deliberately broken plugin (tests/contract_samples/broken_plugin.py) must
fail exactly the clauses it breaks, with messages naming them; good
components must pass; ``--gaikit-contract=NAME`` must find a plugin
registered on the process plugin manager and test all it supplies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from gaikit.core.registry import get_registry, plugin_manager

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

REGISTERING_CONFTEST = """
import broken_plugin
from gaikit.core.registry import get_registry, plugin_manager

plugin_manager().register(broken_plugin, name="broken-example")


def pytest_unconfigure(config):
    plugin_manager().unregister(name="broken-example")
"""

OTHER_PLUGINS_CONFTEST = """
from gaikit.core.hookspecs import hookimpl
from gaikit.core.registry import get_registry, plugin_manager


class Copies:
    '''Re-registers built-in factories under new names: a plugin that honours the contracts.'''

    @hookimpl
    def gaikit_register_encoders(self, register):
        spec = get_registry().get("encoders", "vector")
        register("copied-vector", spec.factory, config=spec.config)

    @hookimpl
    def gaikit_register_selectors(self, register):
        spec = get_registry().get("selectors", "greedy")
        register("copied-greedy", spec.factory, config=spec.config)


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


def pytest_unconfigure(config):
    for name in PLUGINS:
        plugin_manager().unregister(name=name)
"""

TEST_NAMES = ("broken-example", "copies-example", "raising-example", "bad-factory-example")


@pytest.fixture(scope="module", autouse=True)
def loaded_before_pytester() -> None:
    """Import torch, the built-ins and the suite before pytester snapshots ``sys.modules``.

    Pytester drops modules first imported inside a test; torch cannot be
    imported twice in one process.
    """
    import gaikit.testing.registered  # noqa: F401

    get_registry()


@pytest.fixture
def sandbox(pytester: pytest.Pytester) -> Iterator[pytest.Pytester]:
    """A pytester dir holding the broken plugin; the process plugin manager is cleaned up after."""
    pytester.makepyfile(broken_plugin=(SAMPLES / "broken_plugin.py").read_text())
    pytester.syspathinsert()
    yield pytester
    for name in TEST_NAMES:
        if plugin_manager().has_plugin(name):
            plugin_manager().unregister(name=name)


def failures(reprec: pytest.HookRecorder) -> dict[str, str]:
    """Failed test (``Class::test[param]`` part of the node id) -> its failure text."""
    return {
        "::".join(rep.nodeid.split("::")[-2:]): str(rep.longrepr)
        for rep in reprec.getreports("pytest_runtest_logreport")
        if rep.failed
    }


def test_subclassed_contracts_fail_exactly_the_broken_clauses(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(test_broken=SUBCLASSED)
    reprec = sandbox.inline_run("-p", "no:cacheprovider")
    failed = failures(reprec)
    assert set(failed) == {
        "TestLying::test_enc_2_features_dim_matches_output",
        "TestLying::test_enc_3_shape_and_dtype",
        "TestOutOfRange::test_sel_2_actions_valid",
        "TestForgetful::test_mem_8_state_dict_round_trip",
        "TestExploding::test_lrn_4_finite_after_updates",
    }
    assert (
        "[ENC-2 features_dim matches forward output width] encoder says features_dim=64, "
        "forward returned shape (5, 32)" in failed["TestLying::test_enc_2_features_dim_matches_output"]
    )
    assert "[SEL-2 actions are valid for the action space" in failed["TestOutOfRange::test_sel_2_actions_valid"]
    assert "3 not in Discrete(3)" in failed["TestOutOfRange::test_sel_2_actions_valid"]
    forgetful = failed["TestForgetful::test_mem_8_state_dict_round_trip"]
    assert "[MEM-8 a state_dict round trip restores contents, cursor and random state]" in forgetful
    assert "batch.rewards values differ" in forgetful
    assert "[LRN-4 no NaN or inf in predictions or state after updates]" in failed[
        "TestExploding::test_lrn_4_finite_after_updates"
    ]
    passed = [r for r in reprec.getreports("pytest_runtest_logreport") if r.when == "call" and r.passed]
    assert len(passed) == 8 + 7 + 9 + 9 - len(failed)


def test_good_components_pass_when_subclassed(sandbox: pytest.Pytester) -> None:
    sandbox.makepyfile(test_good=GOOD)
    reprec = sandbox.inline_run("-p", "no:cacheprovider")
    reprec.assertoutcome(passed=8 + 7 + 9)


def test_option_runs_the_suite_over_a_registered_plugin(sandbox: pytest.Pytester) -> None:
    sandbox.makeconftest(REGISTERING_CONFTEST)
    reprec = sandbox.inline_run("-p", "no:cacheprovider", "--gaikit-contract=broken-example")
    failed = failures(reprec)
    assert set(failed) == {
        "TestEncoders::test_enc_2_features_dim_matches_output[lying]",
        "TestEncoders::test_enc_3_shape_and_dtype[lying]",
        "TestSelectors::test_sel_2_actions_valid[out-of-range]",
        "TestMemories::test_mem_8_state_dict_round_trip[forgetful]",
        "TestLearners::test_lrn_4_finite_after_updates[exploding]",
    }
    ids = {rep.nodeid for rep in reprec.getreports("pytest_runtest_logreport")}
    assert "gaikit-contract::TestPlugins::test_plug_1_loads[broken-example]" in ids
    assert not plugin_manager().has_plugin("broken-example"), "the conftest unregisters on unconfigure"


def test_option_covers_good_raising_and_bad_factory_plugins(sandbox: pytest.Pytester) -> None:
    sandbox.makeconftest(OTHER_PLUGINS_CONFTEST)
    reprec = sandbox.inline_run(
        "-p", "no:cacheprovider", "--gaikit-contract=copies-example", "--gaikit-contract=*-example"
    )
    failed = failures(reprec)
    assert not [name for name in failed if "copied-" in name or "[copies-example]" in name]
    plug_1 = failed["TestPlugins::test_plug_1_loads[raising-example]"]
    assert "[PLUG-1 the plugin loads" in plug_1
    assert "gaikit_register_selectors raised RuntimeError: boom while registering" in plug_1
    bad = [name for name in failed if name.endswith("[bad-factory]")]
    assert len(bad) == 8, "every encoder clause fails when the factory cannot build"
    assert "[ENC-0 the factory builds an encoder" in failed[bad[0]]
    assert "ZeroDivisionError" in failed[bad[0]]


def test_option_rejects_unknown_plugin_names(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--gaikit-contract=no-such-plugin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gaikit-contract=no-such-plugin: no gaikit plugin of that name; loaded: *builtin-*"])


def test_suite_is_not_collected_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    reprec = pytester.inline_run("-p", "no:cacheprovider")
    reprec.assertoutcome(passed=1)
