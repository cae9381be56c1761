"""Build registered components with their default config, the way the runner calls them.

Used by the ``--gaikit-contract`` option, by ``gaikit plugins --check`` and by
authors who want to test the factory they registered::

    from gaikit.testing.makers import registered_maker
    make_encoder = registered_maker("encoders", "resmlp")
    encoder = make_encoder(observation_space)

Makers take the arguments the contract suite passes (see each contract
class); the component's config is its registered config model built with no
options, exactly what a run without overrides uses. An agent kind is built
for a game the way ``gaikit run GAME --agent KIND`` builds it (the game's
default config layered under the kind, then :func:`gaikit.core.build.build_run`);
a world from its default config made short (:func:`world_options`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Callable, Sequence

from pydantic import BaseModel, ValidationError

from gaikit.core.config import ComponentConfig, RunConfig, TrainConfig
from gaikit.core.config_resolve import resolve_run_config
from gaikit.core.registry import ComponentSpec, Registry, get_registry
from gaikit.testing.spaces import SHORT_RUN, candidates, declared_spaces, declared_world_sample, describe

if TYPE_CHECKING:
    from gaikit.core.build import BuiltRun

#: The game that plays any Gymnasium id (``gaikit run CartPole-v1``).
GYMNASIUM_GAME = "gymnasium"
#: The agent kind whose run of a world game simulates the world (``gaikit run realm --agent strategy``).
WORLD_AGENT = "strategy"

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


def game_choice(registry: Registry, game: str) -> tuple[str, dict[str, Any]]:
    """``(registered game, game options)`` for GAME as ``gaikit run GAME`` reads it: a game name or a Gymnasium id."""
    if game in registry.names("games"):
        return game, {}
    if GYMNASIUM_GAME in registry.names("games"):
        return GYMNASIUM_GAME, {"env_id": game}
    raise ValueError(f"{game!r} is not a registered game, and no {GYMNASIUM_GAME!r} game is registered to play it")


def agent_run_config(registry: Registry, kind: str, game: str, *, num_envs: int, seed: int) -> RunConfig:
    """The run config of ``gaikit run GAME --agent KIND --envs N --seed S``: the game's defaults under the kind."""
    name, options = game_choice(registry, game)
    spec = registry.get("games", name)
    defaults = spec.factory(spec.config.model_validate(options)).default_config_path()
    return resolve_run_config(
        registry, name, defaults, choices={"agent": kind},
        overrides=[f"train.seed={seed}", f"train.envs={num_envs}"], game_options=options,
    )


def agent_maker(spec: ComponentSpec) -> Callable[..., "BuiltRun"]:
    """``make_agent(game, *, num_envs, seed) -> BuiltRun``: game, vector envs and the agent, as ``gaikit run`` builds them."""

    def make_agent(game: str, *, num_envs: int, seed: int) -> BuiltRun:
        from gaikit.core.build import build_run  # torch only when agents are built

        registry = get_registry()
        config = agent_run_config(registry, spec.name, game, num_envs=num_envs, seed=seed)
        if config.agent != spec.name:
            raise ValueError(f"the run config chose agent {config.agent!r}, not {spec.name!r}")
        return build_run(config, registry)

    return make_agent


def world_options(spec: ComponentSpec) -> BaseModel:
    """A world's options for a short test run.

    The options declared with :func:`gaikit.testing.spaces.world_sample`, or
    else its default config with each :data:`~gaikit.testing.spaces.SHORT_RUN`
    field it has (``years``...) set to 1 (the defaults if that does not validate).
    """
    declared = declared_world_sample(spec.factory)["options"]
    if declared:
        return spec.config.model_validate(declared)
    short = {name: 1 for name in SHORT_RUN if name in spec.config.model_fields}
    try:
        return spec.config.model_validate(short)
    except ValidationError:
        return default_config(spec)


def world_run_config(spec: ComponentSpec, seed: int = 0) -> RunConfig:
    """The run config of ``gaikit run GAME --agent strategy --seed S`` for a short run of the world ``spec``."""
    options = world_options(spec).model_dump(mode="json")
    return RunConfig(game=ComponentConfig(name=spec.name, options=options), agent=WORLD_AGENT,
                     train=TrainConfig(seed=seed))


def world_maker(spec: ComponentSpec) -> Callable[[], Any]:
    """``make_world() -> World`` with the short-run options (:func:`world_options`)."""

    def make_world() -> Any:
        return spec.factory(world_options(spec))

    return make_world


MAKERS: dict[str, Callable[[ComponentSpec], Callable[..., Any]]] = {
    "encoders": encoder_maker,
    "memories": memory_maker,
    "learners": learner_maker,
    "selectors": selector_maker,
    "games": game_maker,
    "strategies": strategy_path_maker,
    "agents": agent_maker,
    "worlds": world_maker,
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
    """Build ``spec`` once against ``space`` (a sample space of its kind); returns the component.

    An agent kind's "space" is a game; it returns a :class:`~gaikit.core.build.BuiltRun`
    whose envs the caller closes.
    """
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
    if spec.kind == "agents":
        return make(space, num_envs=2, seed=PROBE_SEED)
    return make()


def candidate_samples(spec: ComponentSpec, registry: Registry | None = None) -> list[Any]:
    """What to probe ``spec`` with: the kind's default candidates; for agent kinds then every other registered game."""
    found = candidates(spec.kind)
    if spec.kind == "agents":
        registry = registry if registry is not None else get_registry()
        found += [g for g in registry.names("games") if g not in found and g != GYMNASIUM_GAME]
    return found


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
    for space in candidate_samples(spec):
        try:
            built = build_once(spec, space)
        except Exception as exc:  # refusal: try the next candidate
            refused.append(f"{describe(space)}: {type(exc).__name__}: {exc}")
            continue
        if spec.kind == "agents":
            built.envs.close()
        return Probe([space], refused)
    return Probe([], refused)
