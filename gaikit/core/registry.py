"""Plugin manager factory, entry-point loading and name -> component lookup.

Built-in components are registered exactly like third-party ones: gaikit's
own distribution declares an entry point in the ``gaikit`` group. A factory
is any callable, a class included (``register("sac", SACLearner,
config=SACConfig)``). Set
``GAIKIT_PLUGINS`` to a comma-separated list of entry-point or distribution
names to load only those (gaikit's built-ins are always loaded; set
``GAIKIT_PLUGINS=-`` to load no entry point at all, e.g. in tests).

A plugin that raises anything while it is imported or while it registers —
``SystemExit`` and subclasses of ``KeyboardInterrupt`` included — is
reported and skipped (a plain ``KeyboardInterrupt`` is the user's Ctrl-C
and still stops gaikit). When two plugins register the same name, the first
registration wins and the later one is skipped and reported as a clash
(:attr:`Registry.clashes`, ``gaikit plugins``). "First" means: plugins named
in ``GAIKIT_PLUGINS`` (in that order), then gaikit's built-ins, then the
others in the order they were loaded; so ``GAIKIT_PLUGINS=their-plugin``
selects a plugin's component over a built-in of the same name.
"""

from __future__ import annotations

import difflib
import functools
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable, Iterable

import pluggy
from pydantic import BaseModel, ConfigDict

from gaikit.core import hookspecs
from gaikit.core.errors import GaikitError, RegistryError, describe_exception
from gaikit.core.hookspecs import Register

ENTRY_POINT_GROUP = "gaikit"
#: Component kinds, in the order the registration hooks run.
KINDS: tuple[str, ...] = (
    "encoders", "memories", "learners", "selectors", "games", "strategies", "agents", "worlds",
)
#: The singular used in messages ("unknown encoder ...").
SINGULAR = {k: k[:-3] + "y" if k.endswith("ies") else k[:-1] for k in KINDS}
_OWN_DISTRIBUTION = "gaikit"


class NoConfig(BaseModel):
    """Config model for components that take no options."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ComponentSpec:
    """One registered component: what it is, how to build it, who supplied it."""

    kind: str
    name: str
    factory: Callable[..., Any]
    config: type[BaseModel]
    description: str
    plugin: str
    version: str

    def build(self, *args: Any, **kwargs: Any) -> Any:
        """Call the factory; a factory that raises or returns the wrong type is one error naming the plugin.

        :class:`~gaikit.core.errors.GaikitError` raised by the factory (a bad
        option, say) passes through unchanged.
        """
        what = f"{SINGULAR[self.kind]} {self.name!r} of plugin {self.plugin!r}"
        try:
            built = self.factory(*args, **kwargs)
        except GaikitError:
            raise
        except Exception as exc:
            raise RegistryError(f"{what} failed to build: {describe_exception(exc)}") from None
        expected = _expected_type(self.kind)
        if expected is not None and not isinstance(built, expected):
            raise RegistryError(f"{what} built a {type(built).__name__}, not a gaikit {expected.__name__}")
        return built


def _expected_type(kind: str) -> type | None:
    """The contract class a factory of ``kind`` must return (``None``: not checked here)."""
    from gaikit.core import components, world

    return {"encoders": components.Encoder, "memories": components.Memory, "learners": components.Learner,
            "selectors": components.ActionSelector, "games": components.Game, "agents": components.Agent,
            "worlds": world.World}.get(kind)


@dataclass
class PluginReport:
    """Load status of one plugin: ``ok`` or ``failed`` with the reason."""

    name: str
    version: str
    status: str
    reason: str = ""


@dataclass
class Registry:
    """Every component the loaded plugins registered, by kind and name.

    ``clashes`` describes each registration skipped because an earlier
    plugin had registered the same kind and name.
    """

    components: dict[str, dict[str, ComponentSpec]] = field(
        default_factory=lambda: {k: {} for k in KINDS}
    )
    plugins: dict[str, PluginReport] = field(default_factory=dict)
    clashes: list[str] = field(default_factory=list)

    def get(self, kind: str, name: str) -> ComponentSpec:
        """The component ``name`` of ``kind``; unknown names list the known ones."""
        if kind not in self.components:
            raise RegistryError(f"unknown component kind {kind!r}; kinds are {', '.join(KINDS)}")
        found = self.components[kind].get(name)
        if found is None:
            raise RegistryError(unknown_name_message(SINGULAR[kind], name, self.names(kind)))
        return found

    def names(self, kind: str) -> list[str]:
        """Sorted names registered for ``kind``."""
        return sorted(self.components[kind])

    def all(self) -> list[ComponentSpec]:
        """Every component, ordered by kind then name."""
        return [self.components[k][n] for k in KINDS for n in self.names(k)]

    def failures(self) -> list[PluginReport]:
        """Plugins that failed to import or register, with the reason."""
        return [p for p in self.plugins.values() if p.status != "ok"]


def unknown_name_message(what: str, name: str, known: Iterable[str]) -> str:
    """``unknown encoder 'x'; known: a, b; did you mean 'a'?``"""
    known = sorted(known)
    message = f"unknown {what} {name!r}; known: {', '.join(known) or '(none)'}"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return message


def _allowed_entry_points() -> set[str] | None:
    raw = os.environ.get("GAIKIT_PLUGINS")
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


@dataclass
class Plugins:
    """A plugin manager and what loading the entry points found: versions and failures.

    The failures travel from here to the :class:`Registry` built from these
    plugins (:func:`build_registry`); nothing is stored on the manager.
    """

    manager: pluggy.PluginManager
    versions: dict[str, str] = field(default_factory=dict)
    failures: dict[str, PluginReport] = field(default_factory=dict)
    #: Entry points of gaikit's own distribution (the built-ins).
    builtin: set[str] = field(default_factory=set)
    #: Entry points named in ``GAIKIT_PLUGINS`` (by entry-point or distribution name), in load order.
    selected: list[str] = field(default_factory=list)


def make_plugins(load_entry_points: bool = True) -> Plugins:
    """A fresh plugin manager with the hook specs and (unless told not to) the ``gaikit`` entry points.

    Entry points that fail to import are recorded in ``Plugins.failures``
    (``{name: PluginReport}``) and skipped; the others load normally.
    """
    pm = pluggy.PluginManager("gaikit")
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    if not load_entry_points:
        return plugins
    allowed = _allowed_entry_points()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist_name = ep.dist.name if ep.dist is not None else "?"
        version = ep.dist.version if ep.dist is not None else "?"
        is_own = dist_name == _OWN_DISTRIBUTION
        if allowed is not None and not is_own and not allowed & {ep.name, dist_name}:
            continue
        if allowed == {"-"}:
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except BaseException as exc:  # a broken plugin must never take gaikit down (SystemExit included)
            if _is_users_interrupt(exc):
                raise
            reason = f"failed to load entry point {ep.value!r}: {describe_exception(exc)}"
            plugins.failures[ep.name] = PluginReport(ep.name, version, "failed", reason)
            print(f"gaikit: plugin {ep.name!r} skipped: {reason}", file=sys.stderr)
            continue
        plugins.versions[ep.name] = version
        if is_own:
            plugins.builtin.add(ep.name)
        elif allowed is not None:
            plugins.selected.append(ep.name)
    return plugins


def _is_users_interrupt(exc: BaseException) -> bool:
    """A plain ``KeyboardInterrupt`` is Ctrl-C and must stop gaikit; a plugin's subclass of it is a plugin bug."""
    return type(exc) is KeyboardInterrupt or isinstance(exc, GeneratorExit)


def _validate(kind: str, name: Any, factory: Any, config: Any, description: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"{SINGULAR[kind]} name must be a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"{SINGULAR[kind]} {name!r}: factory must be callable (a function or a class), got {factory!r}")
    if config is not None and not (isinstance(config, type) and issubclass(config, BaseModel)):
        raise TypeError(f"{SINGULAR[kind]} {name!r}: config must be a pydantic model class, got {config!r}")
    if not isinstance(description, str):
        raise TypeError(f"{SINGULAR[kind]} {name!r}: description must be a string")


class _Registration:
    """The :class:`~gaikit.core.hookspecs.Register` callback one plugin's hook gets for one kind."""

    def __init__(self, kind: str, plugin: str, version: str) -> None:
        self.kind, self.plugin, self.version = kind, plugin, version
        self.specs: list[ComponentSpec] = []

    def __call__(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        config: type[BaseModel] | None = None,
        description: str = "",
    ) -> None:
        _validate(self.kind, name, factory, config, description)
        self.specs.append(
            ComponentSpec(self.kind, name, factory, config or NoConfig, description, self.plugin, self.version)
        )


def build_registry(plugins: Plugins) -> Registry:
    """Call every registration hook and collect what each plugin supplies.

    A plugin whose hook raises or registers something invalid is reported
    and all of its registrations are dropped; a name registered by two
    plugins is an error naming both. Failures (also those of loading) are
    kept on the returned registry (:meth:`Registry.failures`).
    """
    registry = Registry()
    failures: dict[str, PluginReport] = dict(plugins.failures)
    staged: dict[str, list[ComponentSpec]] = {}
    for kind in KINDS:
        caller = getattr(plugins.manager.hook, f"gaikit_register_{kind}")
        for impl in caller.get_hookimpls():
            plugin = impl.plugin_name
            if plugin in failures:
                continue
            registration = _Registration(kind, plugin, plugins.versions.get(plugin, ""))
            register: Register = registration
            try:
                impl.function(register=register)
            except BaseException as exc:  # report and skip, never fatal to the others (SystemExit included)
                if _is_users_interrupt(exc):
                    raise
                reason = f"gaikit_register_{kind} raised {describe_exception(exc)}"
                failures[plugin] = PluginReport(plugin, plugins.versions.get(plugin, ""), "failed", reason)
                staged.pop(plugin, None)
                continue
            staged.setdefault(plugin, []).extend(registration.specs)
    for plugin in _precedence(plugins, staged):
        specs = staged[plugin]
        if plugin in failures:
            continue
        for spec in specs:
            existing = registry.components[spec.kind].get(spec.name)
            if existing is not None:  # the first registration wins; the later one is reported and skipped
                registry.clashes.append(
                    f"{SINGULAR[spec.kind]} {spec.name!r} is registered by both plugin {existing.plugin!r} and "
                    f"plugin {spec.plugin!r}; {existing.plugin!r}'s is used (GAIKIT_PLUGINS={spec.plugin} "
                    "selects the other)"
                )
                continue
            registry.components[spec.kind][spec.name] = spec
        registry.plugins[plugin] = PluginReport(plugin, plugins.versions.get(plugin, ""), "ok")
    registry.plugins.update(failures)
    return registry


def _precedence(plugins: Plugins, staged: dict[str, list[ComponentSpec]]) -> list[str]:
    """Plugin names in the order their registrations win: selected, built-in, then load order."""
    loaded = [name for name, _ in plugins.manager.list_name_plugin()]
    order = {name: i for i, name in enumerate(loaded)}
    selected = {name: i for i, name in enumerate(plugins.selected)}

    def rank(name: str) -> tuple[int, int]:
        if name in selected:
            return 0, selected[name]
        return (1 if name in plugins.builtin else 2), order.get(name, len(order))

    return sorted(staged, key=rank)


@functools.lru_cache(maxsize=1)
def process_plugins() -> Plugins:
    """The process-wide plugins (manager, versions, load failures), loaded on first use (not at import time)."""
    return make_plugins()


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager (tests register and unregister plugins on it)."""
    return process_plugins().manager


def get_registry() -> Registry:
    """The registry of the process-wide plugin manager, rebuilt on each call.

    Rebuilding is cheap (it only calls the registration hooks) and keeps
    plugins registered or unregistered in tests visible at once.
    """
    return build_registry(process_plugins())
