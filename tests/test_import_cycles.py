"""No import cycles inside ``gaikit/`` (type-only imports count), and ``gaikit.core`` never imports upward.

The import graph is read from the source with :mod:`ast`, so every import
statement counts wherever it stands: at the top, inside a function, or under
``if TYPE_CHECKING:``. Self-contained on purpose (no helper from outside the
repository); the last tests feed it small synthetic packages to show it fails.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

GAIKIT = Path(__file__).resolve().parent.parent / "gaikit"
#: Packages ``gaikit.core`` must never import (the layers above it).
ABOVE_CORE = ("gaikit.plugins", "gaikit.cli", "gaikit.strategies", "gaikit.testing", "gaikit.api", "gaikit.distributed")


def module_name(path: Path, root: Path) -> str:
    """``root/a/b.py`` -> ``<root name>.a.b``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path, name: str) -> set[str]:
    """Every module name an import statement in ``path`` may refer to (absolute and relative, any nesting)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                stem = ".".join(anchor + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names)  # ``from pkg import submodule``
    return found


def import_graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(graph, raw)``: edges between the package's own modules, and every name each module imports.

    An edge from a module to a package it lives in is left out: importing a
    submodule runs its parents first anyway, and ``from pkg import sub``
    names ``pkg`` only to reach ``sub``.
    """
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    raw = {name: imported_names(path, name) for name, path in files.items()}
    graph = {
        name: {t for t in targets if t in files and t != name and not name.startswith(t + ".")}
        for name, targets in raw.items()
    }
    return graph, raw


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def upward_imports(raw: dict[str, set[str]], core: str, above: tuple[str, ...]) -> list[str]:
    """``module -> imported`` for every import of a ``core`` module from one of the ``above`` packages."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in raw.items()
        if module == core or module.startswith(core + ".")
        for target in targets
        if any(target == up or target.startswith(up + ".") for up in above)
    )


def write_package(root: Path, files: dict[str, str]) -> Path:
    """A package ``root`` made of ``{relative path: source}``."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


# ---- gaikit itself ------------------------------------------------------------------------------------


def test_gaikit_has_no_import_cycle() -> None:
    graph, _ = import_graph(GAIKIT)
    assert len(graph) > 100, "the package was not found or not read"
    found = cycles(graph)
    assert not found, "import cycles (type-only imports count):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_gaikit_core_imports_no_higher_layer() -> None:
    _, raw = import_graph(GAIKIT)
    assert any(m.startswith("gaikit.core.") for m in raw)
    assert upward_imports(raw, "gaikit.core", ABOVE_CORE) == []


# ---- the checks can fail -----------------------------------------------------------------------------


def test_a_cycle_through_a_type_only_import_is_found(tmp_path: Path) -> None:
    root = write_package(tmp_path / "toy", {
        "__init__.py": "",
        "world.py": """
            from toy.economy import tick
            class World: ...
        """,
        "economy.py": """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from toy.world import World
            def tick(world: "World") -> None: ...
        """,
        "leaf.py": "import toy.economy\n",
    })
    graph, _ = import_graph(root)
    assert cycles(graph) == [["toy.economy", "toy.world"]]


def test_relative_and_function_level_imports_close_a_three_module_cycle(tmp_path: Path) -> None:
    root = write_package(tmp_path / "toy", {
        "__init__.py": "",
        "sub/__init__.py": "",
        "sub/a.py": "from . import b\n",
        "sub/b.py": "def f():\n    from ..c import g\n",
        "c.py": "from toy.sub.a import x\n",
        "d.py": "from toy import c\n",
    })
    graph, _ = import_graph(root)
    assert cycles(graph) == [["toy.c", "toy.sub.a", "toy.sub.b"]]


def test_an_acyclic_package_passes(tmp_path: Path) -> None:
    root = write_package(tmp_path / "toy", {
        "__init__.py": "from toy.a import x\n",
        "a.py": "from toy import b\nx = 1\n",
        "b.py": "import os\nfrom toy.c import y\n",
        "c.py": "y = 2\n",
    })
    graph, _ = import_graph(root)
    assert graph["toy.a"] == {"toy.b"} and cycles(graph) == []


def test_core_importing_a_plugin_is_found(tmp_path: Path) -> None:
    root = write_package(tmp_path / "pkg", {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/build.py": """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pkg.plugins.agents import learned
        """,
        "plugins/__init__.py": "",
        "plugins/agents.py": "from pkg.core import build\n",
    })
    _, raw = import_graph(root)
    assert upward_imports(raw, "pkg.core", ("pkg.plugins",)) == [
        "pkg.core.build -> pkg.plugins.agents", "pkg.core.build -> pkg.plugins.agents.learned",
    ]
