"""The agent kinds ``gaikit run --agent KIND`` can build.

Core ships the ``learned`` builder (:data:`gaikit.core.build.AGENT_BUILDERS`);
higher layers add theirs here with :func:`register_agent_builder`, e.g. the
strategy agent registers ``strategy``. Core never imports this module.
"""

from __future__ import annotations

from gaikit.core.build import AGENT_BUILDERS as CORE_AGENT_BUILDERS
from gaikit.core.build import AgentBuilder

#: Every agent kind the CLI knows, by ``RunConfig.agent`` name.
AGENT_BUILDERS: dict[str, AgentBuilder] = dict(CORE_AGENT_BUILDERS)


def register_agent_builder(kind: str, builder: AgentBuilder) -> None:
    """Make ``--agent KIND`` build agents with ``builder(context) -> Agent``."""
    AGENT_BUILDERS[kind] = builder
