"""Built-in replay memories, registered through the same hook as any third-party plugin.

Each module here defines ``register(register_fn)``; add a module to
``MODULES`` to ship it.
"""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.memories import prioritized, uniform

MODULES = (uniform, prioritized)


@hookimpl
def gaikit_register_memories(register: Register) -> None:
    """Register every built-in module's replay memories."""
    for module in MODULES:
        module.register(register)
