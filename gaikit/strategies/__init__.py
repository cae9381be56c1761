"""Utility-AI strategies in the style of the Victoria 3 AI: moddable YAML, semi-random, explainable.

This layer sits on :mod:`gaikit.core` only. The modding guide is
``docs/strategies.md``. Modules, bottom to top:

- :mod:`~gaikit.strategies.triggers`: the declarative condition language (never ``eval``).
- :mod:`~gaikit.strategies.defines`, :mod:`~gaikit.strategies.rules`: defines and game-rule presets.
- :mod:`~gaikit.strategies.schema`: the pydantic schema of strategy files.
- :mod:`~gaikit.strategies.weights`, :mod:`~gaikit.strategies.considerations`: weight blocks, IAUS curves.
- :mod:`~gaikit.strategies.mods`, :mod:`~gaikit.strategies.loader`: YAML layering and loading.
- :mod:`~gaikit.strategies.compile`, :mod:`~gaikit.strategies.compiled`: name checks, runtime form.
- :mod:`~gaikit.strategies.engine`: active strategies, change points, decisions (one per agent).
- :mod:`~gaikit.strategies.explain`: explanations as data and text.
- :mod:`~gaikit.strategies.agent`: ``StrategyAgent`` for any game that declares features.

Typical use from game code (e.g. a grand-strategy country)::

    from gaikit.strategies.loader import load_strategies
    from gaikit.strategies.engine import Option, StrategyEngine

    strategies = load_strategies("realm.yaml", game_features=game.feature_names())
    engine = StrategyEngine(strategies, rules={"ai_aggression": "high"}, seed=7)
    ctx = engine.context(features)                  # rolls strategies on first use
    engine.event("law_passed", ctx)                 # change points, re-roll at the threshold
    decision = engine.decide("spending", ctx, [Option("barracks", "barracks@north", {"state_gdp": 3.0})])
"""
