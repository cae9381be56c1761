"""MkDocs hook (``hooks:`` in mkdocs.yml): the config reference, generated from the pydantic models at build time.

``mkdocs build`` calls :func:`on_files`, which adds the page
``reference/options.md`` to the site without writing it into ``docs/``: there
is no committed copy that could drift from the code. The page lists the run
config's own sections (``train``, ``strategy``) and every built-in component's
options model, found through the registry exactly as ``gaikit plugins --show
NAME`` finds them; only gaikit's own entry points are loaded, so the page does
not depend on which third-party plugins happen to be installed.
:func:`on_page_content` shows the docstrings' Sphinx roles (``:func:`x```) on
the API pages as plain code.

``python scripts/mkdocs_hooks.py`` prints the page.
"""

from __future__ import annotations

import html
import json
import re
from importlib import metadata
from typing import Any

from pydantic import BaseModel

from gaikit.core.config import StrategyConfig, TrainConfig
from gaikit.core.config_schema import field_rows
from gaikit.core.registry import ENTRY_POINT_GROUP, KINDS, SINGULAR, NoConfig, Registry, build_registry, make_plugins

#: Where the generated page appears in the site (mkdocs.yml's nav names it).
OPTIONS_PAGE = "reference/options.md"
#: Kinds whose options are set with ``--set KIND.FIELD=VALUE`` and kept per name under ``KIND:`` in YAML.
_COMPONENT_SECTIONS = ("encoders", "learners", "memories", "selectors")


def builtin_registry() -> Registry:
    """A registry of gaikit's built-in plugins only (its own distribution's ``gaikit`` entry points)."""
    plugins = make_plugins(load_entry_points=False)
    distribution = metadata.distribution("gaikit")
    for ep in distribution.entry_points.select(group=ENTRY_POINT_GROUP):
        plugins.manager.register(ep.load(), name=ep.name)
        plugins.builtin.add(ep.name)
        plugins.versions[ep.name] = distribution.version
    return build_registry(plugins)


def _cell(value: Any) -> str:
    """Plain text for one table cell: HTML and pipes escaped (``ALE/<Game>-v5`` is not a tag), no line breaks."""
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    """A code span for one table cell (a pipe inside backticks does not split the cell)."""
    return "`" + str(value).replace("`", "'").replace("\n", " ") + "`"


def _default(value: Any) -> str:
    """The default as a code span (JSON, as YAML would read it), or *required*."""
    if value == "(required)":
        return "*required*"
    return _code(json.dumps(value, default=str))


def options_table(model: type[BaseModel]) -> str:
    """``model``'s fields as a Markdown table: option, type, range, default, description."""
    rows = field_rows(model)
    if not rows:
        return "No options.\n"
    lines = ["| option | type | range | default | description |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        bounds = _code(row.range) if row.range else ""
        lines.append(f"| {_code(row.name)} | {_code(row.type)} | {bounds} | {_default(row.default)} | "
                     f"{_cell(row.description)} |")
    return "\n".join(lines) + "\n"


def _how_to_set(kind: str, name: str) -> str:
    """One sentence on where a component's options go in YAML and on the command line."""
    singular = SINGULAR[kind]
    if kind in _COMPONENT_SECTIONS:
        return (f"Choose it with `--{singular} {name}` (or `components: {{{singular}: {name}}}`); set options with "
                f"`--set {singular}.OPTION=VALUE` or in YAML under `{singular}: {{{name}: {{OPTION: VALUE}}}}`.")
    if kind == "games":
        return "Set options with `--set game.OPTION=VALUE` or in YAML under `game: {OPTION: VALUE}`."
    if kind == "agents":
        return (f"Choose it with `--agent {name}`; its settings live in the run config's sections "
                "(`train`, `strategy`, the components).")
    if kind == "worlds":
        return f"Simulated by `gaikit run {name} --agent strategy`."
    return f"Played by `gaikit run {name} --agent strategy`; override with `--strategy FILE` and `--mod DIR`."


def render_options(registry: Registry | None = None) -> str:
    """The whole config reference page as Markdown."""
    registry = registry if registry is not None else builtin_registry()
    out = [
        "# Config reference",
        "",
        "Generated from the pydantic models when the site is built (`scripts/mkdocs_hooks.py`), so it always",
        "matches the code. How the layers combine, the YAML layout and `--set` are explained in",
        "[Configuration](../config.md). For a plugin you installed, `gaikit plugins --show NAME` prints the same",
        "table in the terminal, and `gaikit config show GAME` prints a run's resolved values with their sources.",
        "",
        "## Run sections",
        "",
        "### `train`",
        "",
        "The training loop, evaluation, checkpoints and actor–learner settings: `--set train.OPTION=VALUE`",
        "(`--steps`, `--seed`, `--envs` are shortcuts), or keyword arguments of `gaikit.train`.",
        "",
        options_table(TrainConfig),
        "### `strategy`",
        "",
        "Strategy files, mods and game-rule presets for `--agent strategy`.",
        "",
        options_table(StrategyConfig),
    ]
    for kind in KINDS:
        names = registry.names(kind)
        if not names:
            continue
        out += [f"## {kind.capitalize()}", ""]
        for name in names:
            spec = registry.get(kind, name)
            out += [f"### {SINGULAR[kind]} `{name}`", "", _cell(spec.description) or "(no description)", "",
                    _how_to_set(kind, name), ""]
            if spec.config is not NoConfig:
                out += [f"Options model: `{spec.config.__module__}.{spec.config.__qualname__}`.", ""]
            out.append(options_table(spec.config))
    return "\n".join(out)


#: A Sphinx cross-reference role as the docstrings write it, after Markdown made its target a code span.
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):<code>(~?)([^<]*)</code>")


def strip_roles(html: str) -> str:
    """``:func:`x.y``` rendered from a docstring becomes plain code ``x.y`` (``~x.y``: just ``y``), as Sphinx shows it."""
    return _ROLE.sub(lambda m: f"<code>{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}</code>", html)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: the API pages' docstrings without raw Sphinx role markers."""
    return strip_roles(html)


def on_files(files: Any, config: Any) -> Any:
    """MkDocs event: add the generated config reference to the site's files."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, OPTIONS_PAGE, content=render_options()))
    return files


if __name__ == "__main__":
    print(render_options())
