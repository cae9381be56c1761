"""Built-in learners, registered through the same hook as any third-party plugin.

Each module here defines ``register(register_fn)``; add a module to
``MODULES`` to ship it.
"""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.learners import ddqn
from gaikit.plugins.learners import sac
from gaikit.plugins.learners import tqc

MODULES = (ddqn, sac, tqc)


@hookimpl
def gaikit_register_learners(register: Register) -> None:
    """Register every built-in module's learners."""
    for module in MODULES:
        module.register(register)
