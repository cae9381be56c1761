"""Built-in action selectors, registered through the same hook as any third-party plugin.

Each module here defines ``register(register_fn)``; add a module to
``MODULES`` to ship it.
"""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.selectors import greedy
from gaikit.plugins.selectors import epsilon_greedy
from gaikit.plugins.selectors import gaussian
from gaikit.plugins.selectors import semi_random

MODULES = (greedy, epsilon_greedy, gaussian, semi_random)


@hookimpl
def gaikit_register_selectors(register: Register) -> None:
    """Register every built-in module's action selectors."""
    for module in MODULES:
        module.register(register)
