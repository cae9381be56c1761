"""Plugin manager factory, entry-point loading and name -> component lookup.

Built-in components are registered exactly like third-party ones: gaikit's
own distribution declares an entry point in the ``gaikit`` group. A factory
is any callable, a class included (``register("sac", SACLearner,
config=SACConfig)``). Set
``GAIKIT_PLUGINS`` to a comma-separated list of entry-point or distribution
names to load only those (gaikit's built-ins are always loaded; set
``GAIKIT_PLUGINS=-`` to load no entry point at all, e.g. in tests).
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
from gaikit.core.errors import RegistryError
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


@dataclass
class PluginReport:
    """Load status of one plugin: ``ok`` or ``failed`` with the reason."""

    name: str
    version: str
    status: str
    reason: str = ""


@dataclass
class Registry:
    """Every component the loaded plugins registered, by kind and name."""

    components: dict[str, dict[str, ComponentSpec]] = field(
        default_factory=lambda: {k: {} for k in KINDS}
    )
    plugins: dict[str, PluginReport] = field(default_factory=dict)

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
        except Exception as exc:  # a broken plugin must never take gaikit down
            reason = f"failed to load entry point {ep.value!r}: {type(exc).__name__}: {exc}"
            plugins.failures[ep.name] = PluginReport(ep.name, version, "failed", reason)
            print(f"gaikit: plugin {ep.name!r} skipped: {reason}", file=sys.stderr)
            continue
        plugins.versions[ep.name] = version
    return plugins


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
            except Exception as exc:  # report and skip, never fatal to the others
                reason = f"gaikit_register_{kind} raised {type(exc).__name__}: {exc}"
                failures[plugin] = PluginReport(plugin, plugins.versions.get(plugin, ""), "failed", reason)
                staged.pop(plugin, None)
                continue
            staged.setdefault(plugin, []).extend(registration.specs)
    for plugin, specs in staged.items():
        if plugin in failures:
            continue
        for spec in specs:
            existing = registry.components[spec.kind].get(spec.name)
            if existing is not None:
                raise RegistryError(
                    f"{SINGULAR[spec.kind]} {spec.name!r} is registered by both plugin "
                    f"{existing.plugin!r} and plugin {spec.plugin!r}; uninstall one or set GAIKIT_PLUGINS"
                )
            registry.components[spec.kind][spec.name] = spec
        registry.plugins[plugin] = PluginReport(plugin, plugins.versions.get(plugin, ""), "ok")
    registry.plugins.update(failures)
    return registry


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
