"""From a GAME name and choices (command-line words or :func:`gaikit.train` arguments) to a resolved :class:`RunConfig`.

Shared by :mod:`gaikit.api` and the CLI (``gaikit.cli.resolve`` re-exports it).

- A GAME that is not a registered gaikit game but is a Gymnasium id
  (including ALE and PyBullet ids, whose modules are imported on demand)
  becomes game ``gymnasium`` with ``env_id=GAME``.
- The game's default YAML, ``--config FILE``, the component flags, the
  ``--steps/--seed/--envs`` flags and ``--set`` overrides are layered by
  :func:`gaikit.core.config_resolve.resolve_run_config`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import gymnasium as gym
from pydantic import BaseModel, ValidationError

from gaikit.core.components import Game
from gaikit.core.config import RunConfig, TrainConfig
from gaikit.core.config_checks import number_problem
from gaikit.core.config_resolve import resolve_run_config
from gaikit.core.errors import ConfigError, RegistryError
from gaikit.core.registry import Registry
from gaikit.plugins.games.atari import ALE_ID
from gaikit.plugins.games.gymnasium_game import gymnasium_spec

#: The built-in game that plays any Gymnasium id.
GYMNASIUM_GAME = "gymnasium"
#: The built-in game family that plays any ``ALE/<Game>-v5`` id with Atari preprocessing.
ATARI_GAME = "atari"
#: Flags that map to ``train`` fields: flag -> field.
TRAIN_FLAGS = {"--steps": "steps", "--seed": "seed", "--envs": "envs", "--actors": "actors"}


def ensure_gymnasium_id(env_id: str) -> bool:
    """Whether ``env_id`` is a Gymnasium id, importing ALE / PyBullet registrations if needed."""
    if env_id in gym.registry:
        return True
    if ":" in env_id:  # Gymnasium's "module:EnvId" form: import the module, then look the id up
        try:
            gymnasium_spec(env_id)
            return True
        except (gym.error.Error, ImportError):
            return False
    import ale_py

    gym.register_envs(ale_py)
    if env_id in gym.registry:
        return True
    try:
        import pybullet_envs_gymnasium  # noqa: F401  (registers the PyBullet ids)
    except ImportError:
        return False
    return env_id in gym.registry


def resolve_game(registry: Registry, name: str) -> tuple[str, dict[str, Any]]:
    """``(registered game, game options)`` for the GAME argument."""
    games = registry.names("games")
    if name in games:
        return name, {}
    if ATARI_GAME in games and ALE_ID.match(name):
        return ATARI_GAME, {"env_id": name}
    if GYMNASIUM_GAME in games and ensure_gymnasium_id(name):
        return GYMNASIUM_GAME, {"env_id": name}
    known = sorted(set(games) | set(gym.registry))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise RegistryError(
        f"unknown game {name!r}: not a gaikit game ({', '.join(games) or 'none'}) nor a Gymnasium id{hint}"
    )


def game_label(name: str) -> str:
    """A file-name-safe form of a game name, e.g. ``ALE/Pong-v5`` -> ``ALE-Pong-v5``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "game"


def check_field(model: type[BaseModel], flag: str, field: str, value: Any) -> None:
    """Validate one flag against its pydantic field (and gaikit's number checks); an error names the flag."""
    try:
        validated = model.model_validate({field: value})
    except ValidationError as exc:
        raise ConfigError(f"{flag} {value}: {exc.errors()[0]['msg']}") from None
    problem = number_problem({field: value}, validated)
    if problem is not None:
        raise ConfigError(f"{flag} {value}: {problem[1]}")


def field_help(model: type[BaseModel], field: str) -> str:
    """The pydantic field's description, used as the option's help text."""
    return model.model_fields[field].description or ""


def _provisional_game(registry: Registry, game: str, game_options: Mapping[str, Any],
                      overrides: Sequence[str]) -> Game | None:
    """The game built with the options known so far (for its default YAML files)."""
    spec = registry.get("games", game)
    options = dict(game_options)
    for text in overrides:
        key, _, raw = text.partition("=")
        if key.strip().startswith("game.") and key.count(".") == 1:
            options[key.strip()[5:]] = raw
    try:
        config = spec.config.model_validate(options)
    except ValidationError:
        return None  # the full resolution reports the problem with file and field
    return spec.build(config)


def resolve_cli_config(
    registry: Registry,
    game_arg: str,
    *,
    config_file: Path | None,
    choices: Mapping[str, str | None],
    train_flags: Mapping[str, Any],
    overrides: Sequence[str],
    strategy_file: str | None = None,
    mods: Sequence[str] = (),
    trace: list[Any] | None = None,
) -> RunConfig:
    """The run's config from GAME, ``--config``, component flags, train flags and ``--set``.

    ``train_flags`` maps ``--steps``/``--seed``/``--envs`` to values (``None``:
    not given); they are applied before ``--set``, so ``--set`` wins.
    ``--strategy`` replaces the strategy file; ``--mod`` directories are
    appended after any the config files list. The game's tuned defaults for
    the chosen learner (:meth:`Game.learner_defaults_path`) lie between its
    defaults and ``--config``; ``trace`` receives the layers (``gaikit config show``).
    """
    game, game_options = resolve_game(registry, game_arg)
    flag_overrides = []
    for flag, value in train_flags.items():
        if value is not None:
            check_field(TrainConfig, flag, TRAIN_FLAGS[flag], value)
            flag_overrides.append(f"train.{TRAIN_FLAGS[flag]}={value}")
    all_overrides = [*flag_overrides, *overrides]
    built = _provisional_game(registry, game, game_options, all_overrides)
    config = resolve_run_config(
        registry, game, built.default_config_path() if built else None, config_file=config_file, choices=choices,
        overrides=all_overrides, game_options=game_options,
        learner_defaults=built.learner_defaults_path if built else None, trace=trace,
    )
    if strategy_file is not None or mods:
        strategy = config.strategy.model_copy(update={
            "file": strategy_file if strategy_file is not None else config.strategy.file,
            "mods": [*config.strategy.mods, *mods],
        })
        config = config.model_copy(update={"strategy": strategy})
    return config
