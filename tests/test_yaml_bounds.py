"""YAML input costs time and memory linear in its size: aliases, anchors and runaway nesting are one clear error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gaikit.core.errors import ConfigError
from gaikit.core.yamlio import MAX_DEPTH, load_yaml_text

from test_cli_errors import one_line_error


def alias_bomb(levels: int = 12) -> str:
    """About 1 KB of YAML whose aliases stand for 9 ** levels values ("billion laughs")."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    """A mapping nested ``depth`` levels deep, in block style."""
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth - 1)) + f"{'  ' * (depth - 1)}k{depth - 1}: 1\n"


def test_an_alias_bomb_is_refused_at_its_first_anchor_in_well_under_a_second():
    text = alias_bomb()
    assert len(text) < 1500
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"^bomb.yaml:1: anchor &a0 is not supported"):
        load_yaml_text(text, "bomb.yaml")
    assert time.perf_counter() - start < 1.0


def test_an_alias_is_refused_with_its_line():
    with pytest.raises(ConfigError, match=r"^x.yaml:3: alias \*lr is not supported"):
        load_yaml_text("learner:\n  lr: 0.001\n  target: *lr\n", "x.yaml")  # an alias without an anchor


def test_anchors_are_refused_even_when_never_used():
    with pytest.raises(ConfigError, match=r"^x.yaml:2: anchor &base is not supported"):
        load_yaml_text("train:\n  base: &base {steps: 10}\n", "x.yaml")


def test_nesting_up_to_the_limit_loads_and_one_level_more_is_refused():
    data, lines = load_yaml_text(nested(MAX_DEPTH), "deep.yaml")
    path = tuple(f"k{i}" for i in range(MAX_DEPTH))
    node = data
    for key in path[:-1]:
        node = node[key]
    assert node == {f"k{MAX_DEPTH - 1}": 1} and lines[path] == MAX_DEPTH
    with pytest.raises(ConfigError, match=rf"^deep.yaml:{MAX_DEPTH + 1}: nested more than {MAX_DEPTH} levels deep"):
        load_yaml_text(nested(MAX_DEPTH + 1), "deep.yaml")


def test_five_thousand_levels_of_flow_nesting_are_one_error_not_a_recursion_error():
    text = "k: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(ConfigError, match=rf"^flow.yaml:1: nested more than {MAX_DEPTH} levels deep"):
        load_yaml_text(text, "flow.yaml")


@pytest.mark.parametrize("argv_of", [
    lambda path: ["run", "CartPole-v1", "--config", str(path), "--steps", "10"],
    lambda path: ["strategy", "validate", str(path)],
])
def test_the_cli_gives_one_line_for_an_alias_bomb(capsys, tmp_path: Path, argv_of):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    start = time.perf_counter()
    line = one_line_error(capsys, argv_of(path))
    assert time.perf_counter() - start < 5.0
    assert f"{path}:1: anchor &a0 is not supported" in line
