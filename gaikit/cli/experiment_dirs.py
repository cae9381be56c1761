"""What ``gaikit sweep`` and ``gaikit tune`` share on the command line: the default experiment directory, --resume's rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from gaikit.core.errors import ConfigError
from gaikit.resolve import game_label


def default_exp_dir(root: str, game: str, learner: Optional[str]) -> Path:
    """``<root>/<game>[-<learner>]``: fixed, so rerunning the same command finds (and continues) the same experiment."""
    return Path(root) / "-".join(game_label(part) for part in (game, learner) if part)


def refuse_settings_with_resume(command: str, given: Mapping[str, Any]) -> None:
    """``--resume`` continues an experiment with its saved settings: any other setting given is one clear error."""
    extra = [flag for flag, value in given.items() if value not in (None, [])]
    if extra:
        raise ConfigError(f"--resume continues a {command} with its saved settings; drop {', '.join(extra)}")
