"""gaikit's contract suite for plugin authors (also a pytest plugin, see :mod:`gaikit.testing.plugin`).

Subclass a contract in your tests and provide its fixtures::

    from gaikit.testing import EncoderContract

    class TestMyEncoder(EncoderContract):
        @pytest.fixture
        def observation_space(self): ...
        @pytest.fixture
        def make_encoder(self): ...

or run every clause against everything your plugin registered with
``pytest --gaikit-contract=<your entry-point name>``. Each failure names the
violated clause (see :data:`gaikit.testing.clauses.CLAUSES`).

The contract classes import pytest and torch; they are loaded on first use,
so ``gaikit.testing.spaces`` stays importable from plugin code.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EncoderContract": "gaikit.testing.encoder",
    "MemoryContract": "gaikit.testing.memory",
    "LearnerContract": "gaikit.testing.learner",
    "SelectorContract": "gaikit.testing.selector",
    "GameContract": "gaikit.testing.game",
    "StrategyFileContract": "gaikit.testing.strategy",
    "AgentContract": "gaikit.testing.agent",
    "WorldContract": "gaikit.testing.world",
    "ContractViolation": "gaikit.testing.clauses",
    "CLAUSES": "gaikit.testing.clauses",
    "sample_spaces": "gaikit.testing.spaces",
    "agent_games": "gaikit.testing.spaces",
    "world_sample": "gaikit.testing.spaces",
    "registered_maker": "gaikit.testing.makers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import contract classes lazily (they need pytest and torch)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gaikit.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
