"""Loading strategy files: validation errors with file:line:field, name checks, and mods."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gaikit.core.errors import ConfigError
from gaikit.strategies.engine import StrategyEngine
from gaikit.strategies.loader import load_strategies

BASE = """\
game: toy
features: [danger]
strategy_types:
  stance: {change_points: {tick: 10}}
strategies:
  default:
    values:
      boldness: 5
  bold:
    type: stance
    weight: {value: 10, modifiers: [{if: "danger > 0.5", factor: 0.1, desc: "scared"}]}
    values: {boldness: {add: 4}}
  timid:
    type: stance
    weight: 10
    values: {boldness: {multiply: 0.5}}
decisions:
  move:
    options:
      up: {action: 0, score: boldness}
      down: {action: 1, score: 3}
"""


def write(dir_: Path, name: str, text: str) -> Path:
    path = dir_ / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(tmp_path, "base.yaml", BASE)


def error_of(path: Path, mods: list[Path] | None = None, features: tuple[str, ...] = ()) -> str:
    with pytest.raises(ConfigError) as info:
        load_strategies(path, mods or [], game_features=features)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def with_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    "old, new, where, expect",
    [
        ("weight: 10\n", "weight: [10]\n", ":15: strategies.timid.weight", "expected a number or a feature/value name"),
        ("weight: 10\n", "wieght: 10\n", ":15: strategies.timid.wieght", "unknown field"),
        ("{tick: 10}", "{tick: -10}", ":4: strategy_types.stance.change_points.tick", "greater than or equal to 0"),
        ("factor: 0.1", "factor: '0.1x'", ":11: strategies.bold.weight.modifiers.0.factor", "expected a number"),
        ("{action: 1, score: 3}", "{action: 1, score: 3, tier: maybe}", ":21: decisions.move.options.down.tier", "must-have"),
        ('"danger > 0.5"', '"danger >> 0.5"', ":11: strategies.bold.weight.modifiers.0.if", "expected a feature name or a number"),
        ('"danger > 0.5"', '"dangr > 0.5"', ":11: strategies.bold.weight.modifiers.0", "unknown name 'dangr'"),
        ("score: boldness}", "score: bravery}", ":20: decisions.move.options.up.score", "unknown name 'bravery'"),
        ("type: stance\n    weight: 10", "type: posture\n    weight: 10", ":14: strategies.timid.type", "expected one of the strategy types"),
        ("{boldness: {add: 4}}", "{boldness: {add: 4, multiply: 2}}", ":12: strategies.bold.values.boldness", "exactly one of"),
        ("{boldness: {multiply: 0.5}}", "{courage: 2}", ":16: strategies.timid.values.courage", "not in the default strategy"),
        ("{tick: 10}", "{tock: 10}", ":4: strategy_types.stance.change_points.tock", "unknown event 'tock'"),
    ],
)
def test_validation_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, where: str, expect: str) -> None:
    path = write(tmp_path, "bad.yaml", with_line(BASE, old, new))
    message = error_of(path)
    assert message.startswith(f"{path}{where}"), message
    assert expect in message, message


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BASE.replace("weight: 10\n", "weight: [10\n", 1))
    assert re.match(rf"{re.escape(str(path))}:\d+: malformed YAML", error_of(path))


def test_not_a_mapping_and_missing_files(tmp_path: Path) -> None:
    assert "expected a mapping" in error_of(write(tmp_path, "list.yaml", "- 1\n- 2\n"))
    assert "strategy file not found" in error_of(tmp_path / "nothing.yaml")


def test_game_features_count_as_known_names(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", BASE.replace("danger > 0.5", "lives < 2"))
    assert "unknown name 'lives'" in error_of(path)
    assert load_strategies(path, game_features=["lives"]).features == ("danger", "lives")


def test_default_strategy_takes_only_plain_values(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", BASE.replace("      boldness: 5", "      boldness: {add: 5}"))
    assert "default values are plain weights" in error_of(path)
    path = write(tmp_path, "d2.yaml", BASE.replace("  default:\n", "  default:\n    type: stance\n"))
    assert "no type or weight" in error_of(path)


def test_duplicate_keys_are_warned(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", BASE.replace("      down: {action: 1, score: 3}", "      down: {action: 1, score: 3}\n      down: {action: 1, score: 4}"))
    loaded = load_strategies(path)
    assert any("duplicate key 'down'" in w and ":22:" in w for w in loaded.warnings)


def test_mod_inject_merges_and_appends(base: Path, tmp_path: Path) -> None:
    mod = write(tmp_path, "mods/warmonger/a.yaml", """\
mode: inject
strategies:
  bold:
    weight: {modifiers: [{if: "danger > 0.9", factor: 100, desc: "loves war"}]}
    values: {boldness: {add: 40}}
""")
    s = load_strategies(base, [mod.parent])
    weight = s.strategies["bold"].weight
    assert weight.value == 10 and [m.desc for m in weight.modifiers] == ["scared", "loves war"]
    engine = StrategyEngine(s, seed=0)
    engine.active["stance"] = "bold"
    assert engine.values({"danger": 0.0}) == {"boldness": 45.0}
    assert str(mod) in s.sources


def test_mod_replace_replaces_whole_entries(base: Path, tmp_path: Path) -> None:
    mod = write(tmp_path, "mods/pacifist/a.yaml", """\
mode: replace
strategies:
  bold:
    type: stance
    weight: 1
decisions:
  move:
    options:
      down: {action: 1, score: 99}
""")
    s = load_strategies(base, [mod.parent])
    assert s.strategies["bold"].weight.modifiers == () and s.strategies["bold"].values == {}
    assert list(s.decisions["move"].options) == ["down"]


def test_mod_errors_point_into_the_mod_file(base: Path, tmp_path: Path) -> None:
    mod = write(tmp_path, "mods/broken/a.yaml", "mode: inject\nstrategies:\n  bold:\n    weihgt: 3\n")
    message = error_of(base, [mod.parent])
    assert message.startswith(f"{mod}:4: strategies.bold.weihgt: unknown field"), message
    bad_mode = write(tmp_path, "mods/mode/a.yaml", "mode: merge\n")
    assert f"{bad_mode}:1: mode: expected 'inject' or 'replace'" in error_of(base, [bad_mode.parent])


def test_later_mods_win_and_duplicates_are_warned(base: Path, tmp_path: Path) -> None:
    one = write(tmp_path, "one/a.yaml", "strategies:\n  timid: {weight: 1}\n")
    two = write(tmp_path, "two/a.yaml", "strategies:\n  timid: {weight: 2}\n")
    s = load_strategies(base, [one.parent, two.parent])
    assert s.strategies["timid"].weight.value == 2
    assert any("strategies.timid" in w and str(one) in w and str(two) in w for w in s.warnings)


def test_mod_includes_load_first_and_cycles_or_missing_files_fail(base: Path, tmp_path: Path) -> None:
    write(tmp_path, "inc/common/shared.yaml", "strategies:\n  timid: {weight: 7}\n")
    top = write(tmp_path, "inc/mod/top.yaml", "include: [../common/shared.yaml]\nstrategies:\n  timid: {weight: 8}\n")
    assert load_strategies(base, [top.parent]).strategies["timid"].weight.value == 8
    write(tmp_path, "cyc/a.yaml", "include: [b.yaml]\n")
    write(tmp_path, "cyc/b.yaml", "include: [a.yaml]\n")
    assert "include cycle: a.yaml -> b.yaml -> a.yaml" in error_of(base, [tmp_path / "cyc"])
    miss = write(tmp_path, "miss/a.yaml", "mode: inject\ninclude:\n  - gone.yaml\n")
    assert f"{miss}:3: include 'gone.yaml': file not found" in error_of(base, [miss.parent])
    assert "no such file or directory" in error_of(base, [tmp_path / "nowhere"])
    (tmp_path / "empty").mkdir()
    assert "no .yaml files" in error_of(base, [tmp_path / "empty"])


def test_a_mod_for_another_game_is_refused(base: Path, tmp_path: Path) -> None:
    mod = write(tmp_path, "other/a.yaml", "game: realm\nstrategies: {}\n")
    assert f"{mod}:1: game: this mod is for 'realm'" in error_of(base, [mod.parent])


def test_base_file_must_not_be_a_mod(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "mode: inject\n" + BASE)
    assert "only mod files take 'mode'" in error_of(path)


def test_a_directory_base_layers_its_files(tmp_path: Path) -> None:
    write(tmp_path, "set/a.yaml", BASE)
    write(tmp_path, "set/b.yaml", "strategies:\n  timid: {weight: 3}\n")
    assert load_strategies(tmp_path / "set").strategies["timid"].weight.value == 3
