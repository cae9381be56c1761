"""gaikit: a plugin-based game-AI toolkit.

Learned agents (Double DQN with prioritized replay, SAC) and YAML-moddable
utility-AI strategy agents play the same games through one runner and are
measured with the same metrics. Components are supplied by pluggy plugins
found through the ``gaikit`` entry-point group.

From Python (see :mod:`gaikit.api`)::

    import gaikit
    run = gaikit.train("CartPole-v1", steps=20_000)
    agent = gaikit.load(run.dir)
    action = agent.predict(obs)
    gaikit.evaluate(run.dir, episodes=10)
    gaikit.export_policy(run.dir, "onnx")   # the greedy policy as a standalone file

``import gaikit`` stays cheap: the API's modules (torch, gymnasium, the
plugins) are imported on first use.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("gaikit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from gaikit.core.hookspecs import hookimpl  # noqa: E402  (re-export for plugin authors)

if TYPE_CHECKING:
    from gaikit.api import Run, evaluate, load, train
    from gaikit.export import export_run as export_policy

__all__ = ["__version__", "hookimpl", "train", "load", "evaluate", "Run", "export_policy"]

#: Public names served lazily from :mod:`gaikit.api`.
_API = ("train", "load", "evaluate", "Run")


def __getattr__(name: str) -> Any:
    """``gaikit.train`` and friends (and ``export_policy``, :func:`gaikit.export.export_run`), imported on first access."""
    if name in _API:
        from gaikit import api

        return getattr(api, name)
    if name == "export_policy":
        from gaikit.export import export_run

        return export_run
    raise AttributeError(f"module 'gaikit' has no attribute {name!r}")
