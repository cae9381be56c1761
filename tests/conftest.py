"""Suite-wide settings and fixtures: one torch thread per test process; plugins registered for one test.

The suite targets 2-core machines; tiny networks gain nothing from
intra-op threads, and oversubscribed threads make updates many times slower.
"""

from __future__ import annotations

import pytest
import torch

from gaikit.core.registry import plugin_manager

torch.set_num_threads(1)


@pytest.fixture
def register_plugin():
    """Register plugin objects on the process plugin manager; unregister them after the test."""
    pm = plugin_manager()
    names: list[str] = []

    def register(plugin: object, name: str) -> None:
        pm.register(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        pm.unregister(name=name)

