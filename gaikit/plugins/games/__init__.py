"""Built-in games, registered through the same hook as any third-party plugin.

Each module here defines ``register(register_fn)``; add a module to
``MODULES`` to ship it.
"""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.games import gymnasium_game
from gaikit.plugins.games import asterix
from gaikit.plugins.games import atari
from gaikit.plugins.games import halfcheetah
from gaikit.plugins.games.realm import game as realm

MODULES = (gymnasium_game, asterix, atari, halfcheetah, realm,)


@hookimpl
def gaikit_register_games(register: Register) -> None:
    """Register every built-in module's games."""
    for module in MODULES:
        module.register(register)
