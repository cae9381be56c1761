"""Build registered components with their default config, the way the runner calls them.

Used by the ``--gaikit-contract`` option, by ``gaikit plugins --check`` and by
authors who want to test the factory they registered::

    from gaikit.testing.makers import registered_maker
    make_encoder = registered_maker("encoders", "resmlp")
    encoder = make_encoder(observation_space)

Makers take the arguments the contract suite passes (see each contract
class); the component's config is its registered config model built with no
options, exactly what a run without overrides uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Callable, Sequence

from pydantic import BaseModel, ValidationError

from gaikit.core.registry import ComponentSpec, Registry, get_registry
from gaikit.testing.spaces import candidates, declared_spaces, describe

#: Seed the probe builds with (any fixed value: probing only asks "does it build").
PROBE_SEED = 0


def default_config(spec: ComponentSpec) -> BaseModel:
    """The component's config model with no options (what a run without overrides uses)."""
    try:
        return spec.config()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ValueError(
            f"{spec.kind[:-1]} {spec.name!r} has no usable default config: {field}: {first['msg']}"
        ) from None


def encoder_maker(spec: ComponentSpec) -> Callable[..., Any]:
    """``make_encoder(observation_space) -> Encoder`` with the default config."""

    def make_encoder(observation_space: Any) -> Any:
        return spec.factory(observation_space, default_config(spec))

    return make_encoder


def memory_maker(spec: ComponentSpec) -> Callable[..., Any]:
    """``make_memory(observation_space, action_space, *, num_envs, gamma, seed) -> Memory``."""

    def make_memory(observation_space: Any, action_space: Any, *, num_envs: int, gamma: float, seed: int) -> Any:
        return spec.factory(
            observation_space, action_space, default_config(spec), num_envs=num_envs, gamma=gamma, seed=seed
        )

    return make_memory


def learner_maker(spec: ComponentSpec) -> Callable[..., Any]:
    """``make_learner(observation_space, action_space, make_encoder, *, seed) -> Learner``."""

    def make_learner(observation_space: Any, action_space: Any, make_encoder: Callable[[], Any], *, seed: int) -> Any:
        return spec.factory(observation_space, action_space, make_encoder, default_config(spec), seed=seed)

    return make_learner


def selector_maker(spec: ComponentSpec) -> Callable[..., Any]:
    """``make_selector(action_space, *, seed) -> ActionSelector``."""

    def make_selector(action_space: Any, *, seed: int) -> Any:
        return spec.factory(action_space, default_config(spec), seed=seed)

    return make_selector


def game_maker(spec: ComponentSpec) -> Callable[[], Any]:
    """``make_game() -> Game``."""

    def make_game() -> Any:
        return spec.factory(default_config(spec))

    return make_game


def strategy_path_maker(spec: ComponentSpec) -> Callable[[], Any]:
    """``strategy_path() -> pathlib.Path`` (the registered zero-argument factory)."""
    return spec.factory


MAKERS: dict[str, Callable[[ComponentSpec], Callable[..., Any]]] = {
    "encoders": encoder_maker,
    "memories": memory_maker,
    "learners": learner_maker,
    "selectors": selector_maker,
    "games": game_maker,
    "strategies": strategy_path_maker,
}


def maker(spec: ComponentSpec) -> Callable[..., Any]:
    """The maker for ``spec``'s kind."""
    return MAKERS[spec.kind](spec)


def registered_maker(kind: str, name: str) -> Callable[..., Any]:
    """The maker of the component ``name`` of ``kind`` in the live registry."""
    return maker(get_registry().get(kind, name))


def matching_plugins(registry: Registry, patterns: Sequence[str]) -> list[str]:
    """Names of loaded or failed plugins matching any of ``patterns`` (shell wildcards)."""
    return sorted(name for name in registry.plugins if any(fnmatchcase(name, p) for p in patterns))


def build_once(spec: ComponentSpec, space: Any) -> Any:
    """Build ``spec`` once against ``space`` (a sample space of its kind); returns the component."""
    make = maker(spec)
    if spec.kind == "encoders":
        return make(space)
    if spec.kind == "memories":
        observation_space, action_space = space
        return make(observation_space, action_space, num_envs=2, gamma=0.99, seed=PROBE_SEED)
    if spec.kind == "learners":
        from gaikit.testing.data import FlattenEncoder  # torch only when learners are built

        observation_space, action_space = space
        return make(observation_space, action_space, lambda: FlattenEncoder(observation_space), seed=PROBE_SEED)
    if spec.kind == "selectors":
        return make(space, seed=PROBE_SEED)
    return make()


@dataclass
class Probe:
    """Which sample spaces a component builds against, and why the others were refused."""

    spaces: list[Any]
    refused: list[str]

    def reason(self) -> str:
        """Why no space was usable, one ``space: error`` per candidate."""
        return "; ".join(self.refused) or "no candidate spaces"


def probe(spec: ComponentSpec) -> Probe:
    """The sample spaces to test ``spec`` with.

    Declared spaces are all used (a refusal is then a contract failure);
    otherwise the first default candidate the factory builds with.
    """
    declared = declared_spaces(spec.factory)
    if declared is not None:
        return Probe(list(declared), [])
    refused: list[str] = []
    for space in candidates(spec.kind):
        try:
            build_once(spec, space)
        except Exception as exc:  # refusal: try the next candidate
            refused.append(f"{describe(space)}: {type(exc).__name__}: {exc}")
            continue
        return Probe([space], refused)
    return Probe([], refused)
