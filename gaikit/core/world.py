"""The ``World`` contract: a game simulated whole, every actor a strategy agent.

Most games are played through the runner: an env, one agent, the collect ->
store -> update loop. A *world* is the other shape a game can take: many
actors (e.g. the countries of ``realm``), each run by its own strategy
engine, advanced together on the world's own clock, with nothing to learn.
A plugin supplies one through ``gaikit_register_worlds`` under the name of
the game it simulates; ``gaikit run GAME --agent strategy`` then runs the
world (:meth:`World.run`) instead of the runner, and ``gaikit explain
--country C --date D`` asks it why an actor decided what it did
(:meth:`World.explain_decisions`).

The world's options are the game's (the run config's ``game:`` section,
validated by the config model the world registered); the rest of the run
config (``train.seed``, ``strategy.file``, ``strategy.mods``,
``strategy.rules``) says which world to simulate, and the same run config
must give the same history.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable

from gaikit.core.config import RunConfig


class World(ABC):
    """A whole simulated world of strategy agents (factory: ``factory(options) -> World``)."""

    #: The name of the game this world simulates.
    name: str = ""

    @abstractmethod
    def run(self, config: RunConfig, run_dir: Path, echo: Callable[[str], None]) -> int:
        """Simulate the world ``config`` describes, write its outputs to ``run_dir``, report through ``echo``.

        :param config: the resolved run config (its ``config.yaml`` belongs in ``run_dir``).
        :param run_dir: the run directory; created by the world.
        :param echo: prints one line for the user.
        :returns: the exit code (0 on success).
        """

    @abstractmethod
    def explain_decisions(self, config: RunConfig, actor: str, date: str) -> list[dict[str, Any]]:
        """The explained decisions ``actor`` took at ``date`` in the world of ``config``.

        :param config: the run config of the world (a run's ``config.yaml``).
        :param actor: the actor's name (or index); an unknown one is a :class:`~gaikit.core.errors.ConfigError`.
        :param date: an ISO date; one outside the simulated time is a :class:`~gaikit.core.errors.ConfigError`.
        :returns: one record per decision, as :func:`gaikit.strategies.explain.format_record` prints them.
        """
