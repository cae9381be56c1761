"""gaikit: a plugin-based game-AI toolkit.

Learned agents (Double DQN with prioritized replay, SAC) and YAML-moddable
utility-AI strategy agents play the same games through one runner and are
measured with the same metrics. Components are supplied by pluggy plugins
found through the ``gaikit`` entry-point group.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gaikit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]

from gaikit.core.hookspecs import hookimpl  # noqa: E402  (re-export for plugin authors)

__all__ += ["hookimpl"]
