"""Strategy files by game: the file a plugin registered for a game, loaded against the game's features.

Used by the ``strategy`` agent kind and by ``gaikit strategy``/``gaikit odds``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.registry import Registry
from gaikit.strategies.compiled import StrategySet
from gaikit.strategies.loader import load_strategies


def registered_strategy_path(registry: Registry, game: str) -> Path:
    """The strategy file (or directory) a plugin registered for ``game``."""
    names = registry.names("strategies")
    if game not in names:
        known = ", ".join(names) or "none"
        raise ConfigError(f"no strategies registered for game {game!r} (games with strategies: {known}); pass a file with --strategy")
    path = registry.get("strategies", game).factory()
    return Path(path)


def game_feature_names(registry: Registry, game: str | None) -> list[str] | None:
    """``feature_names()`` of registered ``game`` built with default options; ``None`` if unavailable."""
    if game is None or game not in registry.names("games"):
        return None
    spec = registry.get("games", game)
    try:
        return list(spec.factory(spec.config()).feature_names())
    except (GaikitError, ValueError, TypeError, ImportError):
        return None


def game_offered_options(registry: Registry, game: str | None) -> dict[str, tuple[str, ...] | None] | None:
    """``offered_options()`` of registered ``game`` (decision -> option kinds it offers), if it declares them.

    A game that offers options of its own (rather than playing the declared
    ones through ``act``) implements ``offered_options()``; files for it must
    then declare exactly those decisions and options.
    """
    if game is None or game not in registry.names("games"):
        return None
    spec = registry.get("games", game)
    try:
        offered = getattr(spec.factory(spec.config()), "offered_options", None)
        return dict(offered()) if callable(offered) else None
    except (GaikitError, ValueError, TypeError, ImportError):
        return None


def load_for_game(
    registry: Registry,
    game: str | None,
    file: str | Path | None,
    mods: Sequence[str | Path] = (),
    features: Sequence[str] | None = None,
) -> StrategySet:
    """Load ``file`` (default: the game's registered strategies) with ``mods``, validated against the game's features
    and the options it offers."""
    if file is None:
        if game is None:
            raise ConfigError("no strategy file: name a game or pass a file")
        file = registered_strategy_path(registry, game)
    if features is None:
        features = game_feature_names(registry, game) or []
    strategies = load_strategies(file, list(mods), game_features=features, game_offers=game_offered_options(registry, game))
    declared = strategies.model.game
    if game is not None and declared is not None and declared != game and declared in registry.names("games"):
        raise ConfigError(f"{file}: game: the strategies are for {strategies.model.game!r}, not {game!r}")
    return strategies
