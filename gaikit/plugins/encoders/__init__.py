"""Built-in observation encoders, registered through the same hook as any third-party plugin.

Each module here defines ``register(register_fn)``; add a module to
``MODULES`` to ship it.
"""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.encoders import vector
from gaikit.plugins.encoders import image, mixed, ram

MODULES = (vector, image, ram, mixed,)


@hookimpl
def gaikit_register_encoders(register: Register) -> None:
    """Register every built-in module's observation encoders."""
    for module in MODULES:
        module.register(register)
