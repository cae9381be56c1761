"""The pytest plugin gaikit ships (entry point ``pytest11: gaikit``).

It adds ``--gaikit-contract=PLUGIN``: run the whole contract suite against
every component the named gaikit plugin registered (repeat the option or use
shell wildcards, e.g. ``--gaikit-contract='builtin-*'``). The tests appear
under the node id ``gaikit-contract::Test<Kind>::test_<clause>[<component>]``
next to whatever tests the run collects anyway.

This module is imported by every pytest run in an environment where gaikit
is installed, so it imports nothing heavy until the option is given.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Generator

import pytest

OPTION = "gaikit_contract"
#: Node id of the collected contract suite.
NODE_ID = "gaikit-contract"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--gaikit-contract``."""
    group = parser.getgroup("gaikit", "gaikit plugin contracts")
    group.addoption(
        "--gaikit-contract",
        action="append",
        default=[],
        dest=OPTION,
        metavar="PLUGIN",
        help="run gaikit's contract suite against every component the named gaikit plugin "
        "registered (entry-point name as listed by `gaikit plugins`; shell wildcards allowed; repeatable)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Reject ``--gaikit-contract`` names that match no loaded plugin."""
    patterns = config.getoption(OPTION)
    if not patterns:
        return
    from gaikit.core.registry import get_registry
    from gaikit.testing.makers import matching_plugins

    registry = get_registry()
    for pattern in patterns:
        if not matching_plugins(registry, [pattern]):
            known = ", ".join(sorted(registry.plugins)) or "(none)"
            raise pytest.UsageError(f"--gaikit-contract={pattern}: no gaikit plugin of that name; loaded: {known}")


class ContractModule(pytest.Module):
    """A virtual test module holding the contract classes for the requested plugins."""

    def _getobj(self) -> types.ModuleType:
        from gaikit.testing.registered import contract_classes

        module = types.ModuleType(NODE_ID.replace("-", "_"))
        module.__dict__.update(contract_classes(self.config.getoption(OPTION), module=module.__name__))
        return module


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """Add the contract module to the session's collection when the option is given."""
    report = yield
    if isinstance(collector, pytest.Session) and collector.config.getoption(OPTION) and report.passed:
        from gaikit.testing import registered

        path = Path(registered.__file__)
        report.result.append(ContractModule.from_parent(collector, path=path, nodeid=NODE_ID))
    return report
