"""Every built-in component honours its kind's contract (gaikit.testing).

The classes are generated from the registry, so a built-in added to a kind's
``MODULES`` is covered here without editing this file.
"""

from __future__ import annotations

from gaikit.core.registry import get_registry
from gaikit.testing.registered import contract_classes, matching_plugins

BUILTIN = ("builtin-*",)

globals().update(contract_classes(BUILTIN, module=__name__, prefix="TestBuiltin"))


def test_every_builtin_kind_is_covered() -> None:
    """All six built-in plugins load, and every kind they supply gets a contract class here."""
    registry = get_registry()
    assert len(matching_plugins(registry, BUILTIN)) == 6
    kinds = {spec.kind for spec in registry.all() if spec.plugin.startswith("builtin-")}
    for kind in kinds:
        assert f"TestBuiltin{kind.capitalize()}" in globals(), kind
