"""The ``strategy`` agent kind: a utility-AI strategy file playing a game.

``gaikit run GAME --agent strategy [--strategy FILE] [--mod DIR] [--set
strategy.rules.ai_aggression=high]`` plays GAME with its registered (or the
given) strategy file, validated against the game's features.
"""

from __future__ import annotations

from gaikit.core.build import AgentContext
from gaikit.core.console import warn
from gaikit.strategies.agent import StrategyAgent
from gaikit.strategies.for_game import load_for_game


def build_strategy_agent(ctx: AgentContext) -> StrategyAgent:
    """Strategy file + mods + rules from ``RunConfig.strategy``, for the run's game."""
    cfg = ctx.config.strategy
    strategies = load_for_game(ctx.registry, ctx.config.game.name, cfg.file, cfg.mods, features=ctx.game.feature_names())
    for message in strategies.warnings:
        warn(message)
    return StrategyAgent(
        ctx.game, strategies, num_envs=ctx.num_envs, seed=ctx.seed, rules=cfg.rules, action_space=ctx.action_space
    )
