"""Built-in worlds (entry point ``builtin-worlds``): games simulated whole, every actor a strategy agent."""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.games.realm.simulate import register_world as register_realm_world


@hookimpl
def gaikit_register_worlds(register: Register) -> None:
    """Register realm's world."""
    register_realm_world(register)
