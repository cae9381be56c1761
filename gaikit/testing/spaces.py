"""Sample spaces the contract suite builds components against.

A component factory is built against *sample spaces*: observation spaces
for encoders, ``(observation_space, action_space)`` pairs for memories and
learners, action spaces for selectors. Games need none.

A factory may declare its own with :func:`sample_spaces`; the suite then runs
every clause against each declared space, and a factory that rejects one of
them fails ``<KIND>-0``. A factory that declares nothing is *probed*: the
suite tries the default candidates below in order and uses the first one the
factory builds with (an exception while building means "not my kind of
space"). Declare spaces when probing would pick the wrong one, e.g. an
encoder for 64x64 RGB images::

    from gaikit.testing.spaces import sample_spaces

    @sample_spaces(gymnasium.spaces.Box(0, 255, (3, 64, 64), np.uint8))
    def make_rgb_encoder(observation_space, config): ...

An agent kind is built for a *game* instead (a registered game or a
Gymnasium id, built the way ``gaikit run GAME --agent KIND`` builds it);
declare the games it plays with :func:`agent_games`, or let the suite probe
:data:`AGENT_GAMES` and then every other registered game. A world is built
from its default config made short (:func:`world_sample` declares other
options, and an actor and a date to ask ``explain_decisions`` about).

This module imports neither pytest nor torch, so plugins may import it.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import numpy as np
from gymnasium import spaces

#: Attribute a factory carries its declared sample spaces in.
ATTRIBUTE = "gaikit_sample_spaces"

F = TypeVar("F", bound=Callable[..., Any])


def sample_spaces(*declared: Any) -> Callable[[F], F]:
    """Declare the sample spaces the contract suite builds a factory against.

    Pass observation spaces for an encoder factory, ``(observation_space,
    action_space)`` tuples for a memory or learner factory, action spaces for
    a selector factory. Works on functions and classes.
    """
    if not declared:
        raise ValueError("sample_spaces needs at least one space")

    def mark(factory: F) -> F:
        setattr(factory, ATTRIBUTE, tuple(declared))
        return factory

    return mark


def agent_games(*games: str) -> Callable[[F], F]:
    """Declare the games the contract suite builds an agent kind's factory for.

    Each is a registered game name or a Gymnasium id (``"CartPole-v1"``); the
    suite runs every agent clause on each, and a game the kind cannot be
    built for fails AGENT-0.
    """
    if not games or not all(isinstance(g, str) and g for g in games):
        raise ValueError("agent_games needs at least one game name")
    return sample_spaces(*games)


#: Attribute a world factory carries its :func:`world_sample` in.
WORLD_ATTRIBUTE = "gaikit_world_sample"


def world_sample(
    options: dict[str, Any] | None = None, *, actor: str | None = None, date: str | None = None
) -> Callable[[F], F]:
    """Declare how the contract suite runs a world factory (all optional).

    :param options: the world's options for a short test run (default: its
        default config with :data:`SHORT_RUN` fields set to 1).
    :param actor: an actor to ask ``explain_decisions`` about (default ``"0"``,
        the first actor by index).
    :param date: an ISO date inside the short run's simulated time (default:
        the middle one of the ISO dates the run wrote to its outputs).
    """

    def mark(factory: F) -> F:
        setattr(factory, WORLD_ATTRIBUTE, {"options": dict(options or {}), "actor": actor, "date": date})
        return factory

    return mark


def declared_world_sample(factory: Callable[..., Any]) -> dict[str, Any]:
    """What ``factory`` declared with :func:`world_sample` (empty values if nothing)."""
    found = getattr(factory, WORLD_ATTRIBUTE, None) or {}
    return {"options": dict(found.get("options") or {}), "actor": found.get("actor"), "date": found.get("date")}


def declared_spaces(factory: Callable[..., Any]) -> tuple[Any, ...] | None:
    """The spaces ``factory`` declared with :func:`sample_spaces`, or ``None``."""
    found = getattr(factory, ATTRIBUTE, None)
    return tuple(found) if found else None


def flat_box() -> spaces.Box:
    """A flat float32 state vector, e.g. a PyBullet or classic-control observation."""
    return spaces.Box(-10.0, 10.0, (8,), np.float32)


def image_box() -> spaces.Box:
    """Four stacked 84x84 grayscale frames, channel first (Atari after preprocessing)."""
    return spaces.Box(0, 255, (4, 84, 84), np.uint8)


def ram_box() -> spaces.Box:
    """Four stacked 128-byte Atari RAM snapshots."""
    return spaces.Box(0, 255, (4, 128), np.uint8)


def pixels_and_ram() -> spaces.Dict:
    """Frames and RAM taken from the same emulator step."""
    return spaces.Dict({"pixels": image_box(), "ram": ram_box()})


def discrete_actions() -> spaces.Discrete:
    """Four discrete actions."""
    return spaces.Discrete(4)


def box_actions() -> spaces.Box:
    """Two continuous actions with asymmetric bounds (catches missing rescaling)."""
    return spaces.Box(np.array([-1.0, 0.0], np.float32), np.array([1.0, 3.0], np.float32), dtype=np.float32)


#: Games an agent kind that declares none is probed on first, in order (small and fast).
AGENT_GAMES: tuple[str, ...] = ("CartPole-v1", "realm")
#: Option fields a world's short test run sets to 1 where its config model has them.
SHORT_RUN: tuple[str, ...] = ("years", "turns", "steps", "episodes")


def candidates(kind: str) -> list[Any]:
    """Default sample spaces tried, in order, for a factory of ``kind`` that declares none.

    For agent kinds these are game names (:data:`AGENT_GAMES`; the suite then
    tries the other registered games).
    """
    if kind == "encoders":
        return [flat_box(), image_box(), ram_box(), pixels_and_ram()]
    if kind in ("memories", "learners"):
        return [(flat_box(), discrete_actions()), (flat_box(), box_actions())]
    if kind == "selectors":
        return [discrete_actions(), box_actions()]
    if kind == "agents":
        return list(AGENT_GAMES)
    return [None]


def describe(space: Any) -> str:
    """A short id for a sample space, used in test ids and messages."""
    if space is None:
        return "default"
    if isinstance(space, str):  # a game, for agent kinds
        return space
    if isinstance(space, tuple):
        return "-".join(describe(part) for part in space)
    if isinstance(space, spaces.Discrete):
        return f"Discrete{int(space.n)}"
    if isinstance(space, spaces.Box):
        return f"Box{'x'.join(str(d) for d in space.shape)}{np.dtype(space.dtype).name}"
    if isinstance(space, spaces.Dict):
        return "Dict(" + ",".join(f"{k}={describe(v)}" for k, v in space.spaces.items()) + ")"
    return type(space).__name__
