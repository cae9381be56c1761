"""From command-line words to a resolved :class:`RunConfig`: re-exports :mod:`gaikit.resolve`.

The resolution lives in :mod:`gaikit.resolve` so that :mod:`gaikit.api`
(``gaikit.train``) and ``gaikit run`` share it without the API importing the CLI.
"""

from __future__ import annotations

from gaikit.resolve import (
    GYMNASIUM_GAME,
    TRAIN_FLAGS,
    check_field,
    ensure_gymnasium_id,
    field_help,
    game_label,
    resolve_cli_config,
    resolve_game,
)

__all__ = [
    "GYMNASIUM_GAME", "TRAIN_FLAGS", "check_field", "ensure_gymnasium_id", "field_help", "game_label",
    "resolve_cli_config", "resolve_game",
]
