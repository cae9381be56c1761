"""The documentation site (mkdocs.yml): every page in the nav, the generated config reference, runnable guides.

``make docs`` (part of ``make test``) runs the strict build itself; these
checks are the cheap part, without a build: no orphan pages, the generated
reference covers every built-in option, the build downloads nothing, and the
complete examples in the plugin guides run and pass gaikit's contract suite.
"""

from __future__ import annotations

import importlib.util
import re
import types
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pydantic import BaseModel, Field

from gaikit.core.config import StrategyConfig, TrainConfig
from gaikit.core.registry import SINGULAR, ComponentSpec, Registry

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _hooks() -> types.ModuleType:
    """scripts/mkdocs_hooks.py, imported by path."""
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOKS = _hooks()


def mkdocs_config() -> dict[str, Any]:
    """mkdocs.yml as plain YAML."""
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def nav_pages(nav: Any) -> list[str]:
    """Every page path the nav names, depth first."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    raise AssertionError(f"unexpected nav entry {nav!r}")


def test_the_nav_lists_every_page_and_only_pages_that_exist() -> None:
    listed = nav_pages(mkdocs_config()["nav"])
    assert len(listed) == len(set(listed)), "a page is listed twice"
    existing = {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}
    generated = {HOOKS.OPTIONS_PAGE}
    assert not generated & existing, "a generated page must not be committed (it would drift)"
    assert sorted(existing - set(listed)) == [], "pages missing from mkdocs.yml's nav (orphans)"
    assert sorted(set(listed) - existing - generated) == [], "nav entries without a page"


def test_the_build_downloads_nothing_and_runs_the_generator_hook() -> None:
    config = mkdocs_config()
    assert config["theme"]["font"] is False, "theme fonts would be fetched from Google by the browser"
    plugins = {next(iter(p)) if isinstance(p, dict) else p for p in config["plugins"]}
    assert plugins <= {"search", "mkdocstrings"}, f"only offline plugins (no privacy/social): {plugins}"
    assert config["hooks"] == ["scripts/mkdocs_hooks.py"] and config["strict"] is True


def test_the_config_reference_lists_every_builtin_option() -> None:
    registry = HOOKS.builtin_registry()
    page = HOOKS.render_options(registry)
    for model in (TrainConfig, StrategyConfig):
        for name in model.model_fields:
            assert f"| `{name}` |" in page, f"{model.__name__}.{name} missing"
    specs = registry.all()
    assert {s.kind for s in specs} >= {"encoders", "memories", "learners", "selectors", "games", "agents"}
    for spec in specs:
        assert f"### {SINGULAR[spec.kind]} `{spec.name}`\n" in page, f"{spec.kind} {spec.name} missing"
        for field in spec.config.model_fields:
            assert f"| `{field}` |" in page, f"{spec.kind} {spec.name}: option {field} missing"
    assert "| `steps` | `int` | `> 0` | `100000` |" in page
    assert "| `max_grad_norm` | `float | None` | `> 0.0` | `10.0` |" in page, "a pipe in a code span stays one cell"


def test_only_gaikits_own_plugins_are_documented() -> None:
    plugins = {spec.plugin for spec in HOOKS.builtin_registry().all()}
    assert plugins and all(name.startswith("builtin-") for name in plugins), plugins


class _Options(BaseModel):
    """A model with what a table cell must survive."""

    mode: str = Field(..., description="a | b, or\nALE/<Game>-v5")
    ratio: float | None = Field(0.5, ge=0, le=1, description="")


def test_a_rendered_table_keeps_one_row_per_option() -> None:
    registry = Registry()
    registry.components["selectors"]["odd"] = ComponentSpec(
        "selectors", "odd", lambda *a, **k: None, _Options, "Odd | one", "my-plugin", "1.0")
    page = HOOKS.render_options(registry)
    assert "### selector `odd`\n\nOdd \\| one\n" in page
    assert "`--set selector.OPTION=VALUE`" in page and "`selector: {odd: {OPTION: VALUE}}`" in page
    assert "| `mode` | `str` |  | *required* | a \\| b, or ALE/&lt;Game&gt;-v5 |" in page
    assert "| `ratio` | `float | None` | `>= 0, <= 1` | `0.5` |  |" in page


def test_sphinx_roles_in_docstrings_render_as_code() -> None:
    html = ("<p>See :func:<code>load</code> and :meth:<code>~gaikit.core.agent.LearnedAgent.predict</code>; "
            "a :class:<code>gaikit.core.errors.GaikitError</code> is raised. Not a role: a:b <code>x</code>.</p>")
    assert HOOKS.strip_roles(html) == ("<p>See <code>load</code> and <code>predict</code>; a "
                                       "<code>gaikit.core.errors.GaikitError</code> is raised. "
                                       "Not a role: a:b <code>x</code>.</p>")


def test_the_mkdocs_hook_adds_the_generated_page_to_the_build() -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    config = load_config(str(ROOT / "mkdocs.yml"))
    files = config.plugins.on_files(Files([]), config=config)  # the event as `mkdocs build` fires it
    page = files.get_file_from_path(HOOKS.OPTIONS_PAGE)
    assert page is not None and page.content_string.startswith("# Config reference\n")


# The complete examples of the plugin guides run, and pass the contract suite they show.


def guide(name: str) -> dict[str, Any]:
    """The ``python`` blocks of docs/guides/NAME.md, executed in order in one namespace."""
    text = (DOCS / "guides" / f"{name}.md").read_text(encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": f"guide_{name}"}
    for block in re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M):
        exec(compile(block, f"docs/guides/{name}.md", "exec"), namespace)  # noqa: S102  (our own docs)
    return namespace


ENCODER, MEMORY, LEARNER, SELECTOR, AGENT = (guide(n) for n in ("encoder", "memory", "learner", "selector", "agent"))


class TestEncoderGuide(ENCODER["TestTanhMLP"]):  # type: ignore[misc]
    """docs/guides/encoder.md's encoder and contract test."""


class TestMemoryGuide(MEMORY["TestRingMemory"]):  # type: ignore[misc]
    """docs/guides/memory.md's memory and contract test."""


class TestLearnerGuide(LEARNER["TestSimpleDQN"]):  # type: ignore[misc]
    """docs/guides/learner.md's learner and contract test."""


class TestSelectorGuide(SELECTOR["TestRandomFirst"]):  # type: ignore[misc]
    """docs/guides/selector.md's selector and contract test."""


class TestAgentGuide(AGENT["TestUniformRandom"]):  # type: ignore[misc]
    """docs/guides/agent.md's agent kind, registered through its hook, and its contract test."""

    @pytest.fixture(autouse=True)
    def _registered(self, register_plugin: Any) -> Iterator[None]:
        plugin = types.ModuleType("guide_agent")
        plugin.gaikit_register_agents = AGENT["gaikit_register_agents"]  # type: ignore[attr-defined]
        register_plugin(plugin, "guide-agent")
        yield


def test_the_guides_factories_refuse_what_they_cannot_serve() -> None:
    import gymnasium as gym
    import numpy as np

    from gaikit.core.errors import GaikitError

    box = gym.spaces.Box(-1, 1, (2,), np.float32)
    with pytest.raises(GaikitError, match="needs a Box observation space"):
        ENCODER["make_tanh_mlp"](gym.spaces.Discrete(3), ENCODER["TanhMLPConfig"]())
    with pytest.raises(GaikitError, match="needs a Discrete action space"):
        LEARNER["make_simple_dqn"](box, box, lambda: None, LEARNER["SimpleDQNConfig"](), seed=0)
    with pytest.raises(GaikitError, match="needs a Discrete action space"):
        SELECTOR["make_random_first"](box, SELECTOR["RandomFirstConfig"](), seed=0)
    with pytest.raises(GaikitError, match="is empty"):
        MEMORY["make_ring"](box, gym.spaces.Discrete(2), MEMORY["RingConfig"](), num_envs=1, gamma=0.9, seed=0).sample(4)
