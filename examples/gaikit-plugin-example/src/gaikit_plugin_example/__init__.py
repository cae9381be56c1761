"""An example gaikit plugin: the ``resmlp`` encoder and the ``boltzmann`` selector.

gaikit loads this module through the ``gaikit`` entry point declared in
``pyproject.toml`` and calls the hook implementations below once, each with a
``register`` callback.
"""

from __future__ import annotations

from gaikit import hookimpl
from gaikit.core.hookspecs import Register

from gaikit_plugin_example.boltzmann import BoltzmannConfig, make_boltzmann
from gaikit_plugin_example.resmlp import ResMLPConfig, make_resmlp

__version__ = "0.1.0"


@hookimpl
def gaikit_register_encoders(register: Register) -> None:
    """Register the residual MLP encoder."""
    register(
        "resmlp",
        make_resmlp,
        config=ResMLPConfig,
        description="Residual MLP with pre-LayerNorm blocks for flat state vectors (example plugin).",
    )


@hookimpl
def gaikit_register_selectors(register: Register) -> None:
    """Register the Boltzmann (softmax) selector."""
    register(
        "boltzmann",
        make_boltzmann,
        config=BoltzmannConfig,
        description="Softmax over Q-values / temperature, temperature annealed by a schedule (example plugin).",
    )
