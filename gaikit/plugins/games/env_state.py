"""Capture and restore the state of a pure-Python Gymnasium env, for exact resume.

The rule (what :func:`capture_env_state` supports):

* every layer of the wrapper chain (``TimeLimit``, ``OrderEnforcing``,
  ``PassiveEnvChecker``, ... and the unwrapped env) is walked, and each
  instance attribute is captured if it is *plain data*: ``None``, ``bool``,
  ``int``, ``float``, ``str``, numpy arrays and scalars, numpy ``Generator`` objects
  (saved as their ``bit_generator`` state), and lists/tuples/str-keyed dicts of
  those. That covers classic control: ``state``, ``steps_beyond_terminated``,
  ``np_random``, ``TimeLimit._elapsed_steps``, the wrappers' order flags.
* a few attributes are not game state and are skipped: the wrapped ``env``,
  spaces, spec, metadata, render handles (``screen``, ``clock``, ...), and the
  env checker's cached last output.
* any other attribute (a physics engine handle, an emulator, a pygame surface
  while rendering a game that keeps one elsewhere ...) means the env holds
  state we cannot capture: the result is ``None`` (unsupported), never a
  silently incomplete snapshot.

The snapshot is nested dicts/lists of numbers, strings and numpy arrays.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from gaikit.core.components import StateDict
from gaikit.core.errors import CheckpointError

#: Attributes that are configuration, caches or rendering, not game state.
SKIPPED_ATTRIBUTES = frozenset(
    {
        "env",
        "_saved_kwargs",
        "_action_space",
        "_observation_space",
        "_metadata",
        "_cached_spec",
        "_previous_data",
        "action_space",
        "observation_space",
        "spec",
        "metadata",
        "render_mode",
        "screen",
        "clock",
        "isopen",
        "window",
        "surf",
    }
)
_BIT_GENERATORS = {cls.__name__: cls for cls in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937,
                                                  np.random.Philox, np.random.SFC64)}


class _Unsupported(Exception):
    """Raised internally when a value is not plain data."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"t": "value", "v": value}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise _Unsupported
        return {"t": "array", "v": value.copy()}
    if isinstance(value, np.generic):
        return {"t": "scalar", "v": np.asarray(value)}
    if isinstance(value, np.random.Generator):
        state = value.bit_generator.state
        if state.get("bit_generator") not in _BIT_GENERATORS:
            raise _Unsupported
        return {"t": "generator", "v": state}
    if isinstance(value, (list, tuple)):
        return {"t": type(value).__name__, "v": [_encode(item) for item in value]}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"t": "dict", "v": {key: _encode(item) for key, item in value.items()}}
    raise _Unsupported


def _decode(encoded: Any) -> Any:
    kind, value = encoded["t"], encoded["v"]
    if kind == "value":
        return value
    if kind == "array":
        return np.array(value, copy=True)
    if kind == "scalar":
        return np.asarray(value)[()]
    if kind == "generator":
        bit_generator = _BIT_GENERATORS.get(value.get("bit_generator"))
        if bit_generator is None:
            raise CheckpointError(f"env state: unknown bit generator {value.get('bit_generator')!r}")
        generator = np.random.Generator(bit_generator())
        generator.bit_generator.state = value
        return generator
    if kind in ("list", "tuple"):
        items = [_decode(item) for item in value]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {key: _decode(item) for key, item in value.items()}
    raise CheckpointError(f"env state: unknown value kind {kind!r}")


def _layers(env: gym.Env) -> list[Any]:
    """The wrapper chain from the outermost wrapper to the unwrapped env."""
    layers = [env]
    while isinstance(layers[-1], gym.Wrapper):
        layers.append(layers[-1].env)
    return layers


def capture_env_state(env: gym.Env) -> StateDict | None:
    """A snapshot of every layer's plain-data attributes, or ``None`` if the env holds other state."""
    snapshot = []
    for layer in _layers(env):
        attrs = {}
        for name, value in vars(layer).items():
            if name in SKIPPED_ATTRIBUTES:
                continue
            try:
                attrs[name] = _encode(value)
            except _Unsupported:
                return None
        snapshot.append({"type": type(layer).__name__, "attrs": attrs})
    return {"layers": snapshot}


def restore_env_state(env: gym.Env, state: StateDict) -> None:
    """Put a snapshot from :func:`capture_env_state` back into an env built the same way."""
    layers = _layers(env)
    saved = state.get("layers") if isinstance(state, dict) else None
    if not isinstance(saved, list):
        raise CheckpointError("env state: missing 'layers'")
    expected = [type(layer).__name__ for layer in layers]
    found = [entry.get("type") for entry in saved]
    if expected != found:
        raise CheckpointError(f"env state was saved for wrappers {found}, but this env has {expected}")
    for layer, entry in zip(layers, saved):
        for name, encoded in entry["attrs"].items():
            setattr(layer, name, _decode(encoded))
