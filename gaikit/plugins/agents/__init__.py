"""Built-in agent kinds (entry point ``builtin-agents``): ``learned`` and ``strategy``.

Registered through ``gaikit_register_agents`` like a third-party plugin's
kinds; ``gaikit run --agent KIND`` and ``gaikit plugins`` find them in the
registry.
"""

from __future__ import annotations

from gaikit.core.hookspecs import Register, hookimpl
from gaikit.plugins.agents.learned import build_learned_agent
from gaikit.plugins.agents.strategy import build_strategy_agent


@hookimpl
def gaikit_register_agents(register: Register) -> None:
    """Register the ``learned`` and ``strategy`` agent kinds."""
    register("learned", build_learned_agent, description="encoder + learner + replay memory + action selector")
    register("strategy", build_strategy_agent, description="utility-AI strategy file (YAML) scored by the selector")
