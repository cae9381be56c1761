"""Property-based hostile input for every parser a user's file reaches.

For arbitrary input -- random text, and valid documents with one subtree
replaced by a random value -- the config resolver, the strategy loader, the
trigger parser and the mod layering either succeed or raise gaikit's own
error type with a one-line message that names where the problem is; never a
``RecursionError``, a ``KeyError`` or any other exception, and always within
a bounded time. Examples are derandomized, so a failure reproduces.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _strategy_toys import FEATURES, LANES_YAML
from gaikit.core.config_resolve import resolve_run_config
from gaikit.core.errors import ConfigError, GaikitError
from gaikit.core.registry import Registry, get_registry
from gaikit.core.yamlio import load_yaml_text
from gaikit.strategies.loader import load_strategies
from gaikit.strategies.triggers import TriggerError, parse_trigger

#: Seconds one example may take: generous for a loaded, shared 2-core machine (an example takes tens of
#: milliseconds); an alias expansion, a hang or a quadratic blow-up takes minutes.
BOUND_S = 10.0
PROPERTY = settings(
    max_examples=120, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

#: Scalars a hostile user types: wrong kinds, non-finite and overflowing numbers, odd strings.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 2, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.text(max_size=20), st.sampled_from(["ddqn", "vector", "lr", "steps", "must-have", "a > 1", "__import__('os')"]),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
#: Characters of YAML and trigger syntax, so random text is often almost valid.
SYNTAX = st.lists(st.sampled_from(list("abcxyz_019 .:-[]{}()&*!|>'\"#\n\t=<,") + ["and", "or", "not", "\x00", "  "]),
                  max_size=80).map("".join)


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``data`` (mappings and lists), the root included."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(paths_of(value, prefix + (key,)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(paths_of(value, prefix + (i,)))
    return out


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced by ``value``."""
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = replaced(data[path[0]], path[1:], value)
    return copy


def dump(data: Any) -> str:
    """YAML text of ``data`` (non-finite floats as YAML's .nan/.inf)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def assert_one_line(exc: BaseException) -> str:
    """The message of a gaikit error: one line, not empty."""
    message = str(exc)
    assert message and "\n" not in message, repr(message)
    assert "Traceback" not in message
    return message


def timed(call, *args, **kwargs) -> tuple[Any, BaseException | None]:
    """``call``'s result or its gaikit error, asserting it took at most :data:`BOUND_S`."""
    start = time.perf_counter()
    try:
        result, error = call(*args, **kwargs), None
    except (GaikitError, TriggerError) as exc:
        result, error = None, exc
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_S, f"{elapsed:.1f}s"
    return result, error


# --- YAML --------------------------------------------------------------------------------------------

@PROPERTY
@given(text=st.one_of(SYNTAX, st.text(max_size=200)))
def test_any_text_is_loaded_or_refused_with_a_located_config_error(text: str) -> None:
    _, error = timed(load_yaml_text, text, "hostile.yaml")
    if error is not None:
        assert isinstance(error, ConfigError)
        assert assert_one_line(error).startswith("hostile.yaml")


# --- run configs -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def registry() -> Registry:
    return get_registry()


@pytest.fixture(scope="module")
def defaults(registry: Registry) -> Path:
    spec = registry.get("games", "gymnasium")
    return spec.factory(spec.config(env_id="CartPole-v1")).default_config_path()


VALID_CONFIG = {
    "components": {"agent": "learned", "encoder": "vector", "learner": "ddqn", "memory": "uniform",
                   "selector": "epsilon-greedy"},
    "train": {"steps": 100, "seed": 3, "batch_size": 8},
    "encoder": {"vector": {"hidden": [8, 8]}},
    "learner": {"ddqn": {"lr": 0.001}, "sac": {"lr": 0.0003}},
    "memory": {"uniform": {"capacity": 1000}},
    "strategy": {"mods": []},
}
CONFIG_PATHS = paths_of(VALID_CONFIG)


@PROPERTY
@given(where=st.sampled_from(CONFIG_PATHS), value=VALUES,
       flags=st.sampled_from([[], ["train.steps=10"], ["learner.lr=0.5", "train.seed=1"]]))
def test_a_config_with_any_value_anywhere_resolves_or_is_one_located_error(
        registry: Registry, defaults: Path, tmp_path_factory: pytest.TempPathFactory,
        where: tuple[Any, ...], value: Any, flags: list[str]) -> None:
    path = tmp_path_factory.mktemp("cfg") / "user.yaml"
    path.write_text(dump(replaced(VALID_CONFIG, where, value)))
    config, error = timed(resolve_run_config, registry, "gymnasium", defaults, config_file=path,
                          overrides=flags, game_options={"env_id": "CartPole-v1"})
    if error is not None:
        assert isinstance(error, GaikitError)
        message = assert_one_line(error)
        assert str(path) in message or "--set" in message or message.startswith("no "), message
        return
    # Whatever was accepted is a real value: no NaN, no infinity, no boolean standing in for a number.
    assert isinstance(config.train.steps, int) and not isinstance(config.train.steps, bool)
    for section in (config.encoder, config.learner, config.memory, config.selector):
        for option in section.options.values():
            assert not (isinstance(option, float) and not math.isfinite(option)), (section, option)


@PROPERTY
@given(override=st.one_of(SYNTAX, st.builds(lambda k, v: f"{k}={v}",
                                            st.sampled_from(["train.steps", "learner.lr", "encoder.hidden", "train",
                                                             "memory.capacity", "train.seed.x", "game.env_id"]),
                                            SYNTAX)))
def test_any_set_override_resolves_or_is_one_error_naming_it(registry: Registry, defaults: Path, override: str) -> None:
    _, error = timed(resolve_run_config, registry, "gymnasium", defaults, overrides=[override],
                     game_options={"env_id": "CartPole-v1"})
    if error is not None:
        assert isinstance(error, GaikitError)
        assert_one_line(error)


# --- strategy files and mods -------------------------------------------------------------------------

LANES = yaml.safe_load(LANES_YAML)
LANES_PATHS = paths_of(LANES)


@PROPERTY
@given(where=st.sampled_from(LANES_PATHS), value=VALUES)
def test_a_strategy_file_with_any_value_anywhere_loads_or_is_one_located_error(
        tmp_path_factory: pytest.TempPathFactory, where: tuple[Any, ...], value: Any) -> None:
    path = tmp_path_factory.mktemp("strat") / "lanes.yaml"
    path.write_text(dump(replaced(LANES, where, value)))
    _, error = timed(load_strategies, path, game_features=FEATURES)
    if error is not None:
        assert isinstance(error, ConfigError)
        assert str(path) in assert_one_line(error)


@PROPERTY
@given(text=SYNTAX)
def test_a_strategy_file_of_any_text_loads_or_is_one_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("strat") / "any.yaml"
    path.write_text(text)
    _, error = timed(load_strategies, path, game_features=FEATURES)
    if error is not None:
        assert isinstance(error, ConfigError)
        assert str(path) in assert_one_line(error)


MOD_SHAPES = st.one_of(
    VALUES,
    st.fixed_dictionaries({"mode": st.sampled_from(["inject", "replace", "merge", 5, None])},
                          optional={"strategies": VALUES, "defines": VALUES, "decisions": VALUES,
                                    "include": st.one_of(VALUES, st.just(["self.yaml"]), st.just("missing.yaml")),
                                    "game": st.sampled_from(["lanes", "other", 7])}),
)


@PROPERTY
@given(mod=MOD_SHAPES, where=st.sampled_from(LANES_PATHS), value=VALUES)
def test_a_mod_of_any_shape_layers_or_is_one_located_error(
        tmp_path_factory: pytest.TempPathFactory, mod: Any, where: tuple[Any, ...], value: Any) -> None:
    folder = tmp_path_factory.mktemp("mod")
    base = folder / "lanes.yaml"
    base.write_text(LANES_YAML)
    mod_dir = folder / "mymod"
    mod_dir.mkdir()
    (mod_dir / "self.yaml").write_text(dump(mod))
    # A second mod file: a piece of the base file, changed at one place, injected over it.
    piece = replaced(LANES, where, value) if where else value
    (mod_dir / "z.yaml").write_text(dump(piece if isinstance(piece, dict) else {"strategies": piece}))
    _, error = timed(load_strategies, base, [mod_dir], game_features=FEATURES)
    if error is not None:
        assert isinstance(error, ConfigError)
        assert str(mod_dir) in assert_one_line(error) or str(base) in str(error)


# --- triggers ----------------------------------------------------------------------------------------

TRIGGER_TEXT = st.lists(
    st.sampled_from(["lives", "lane", "1", "-2.5e3", "0.5", ">", ">=", "<", "=", "==", "!=", "and", "or", "not",
                     "(", ")", "true", "no", "has_strategy", "has_game_rule", ":", "x", "1e999", "__import__",
                     "'", "+", "."]),
    max_size=30,
).map(" ".join)
TRIGGER_DATA = st.recursive(
    st.one_of(TRIGGER_TEXT, st.booleans(), SCALARS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.fixed_dictionaries({"all": st.lists(inner, max_size=3)}),
        st.fixed_dictionaries({"any": inner}),
        st.fixed_dictionaries({"not": inner}),
        st.builds(lambda name, op, right: {"feature": name, op: right},
                  st.sampled_from(["lives", "1x", 3]), st.sampled_from(["gt", "ge", "eq", "bad", 1]), SCALARS),
        st.dictionaries(st.sampled_from(["all", "any", "not", "feature", "gt", "has_strategy"]), inner, max_size=3),
    ),
    max_leaves=15,
)


@PROPERTY
@given(raw=st.one_of(TRIGGER_TEXT, TRIGGER_DATA))
def test_any_trigger_parses_to_a_checkable_tree_or_is_one_trigger_error(raw: Any) -> None:
    node, error = timed(parse_trigger, raw)
    if error is not None:
        assert isinstance(error, TriggerError)
        assert_one_line(error)
        return
    check = node.compile()
    features = {name: 1.0 for name in node.names()}
    assert check(features) in (True, False)
    assert isinstance(node.text(), str)


@pytest.mark.parametrize("raw", [
    "(" * 5000 + "lives > 1" + ")" * 5000,
    "not " * 5000 + "lives",
    " and ".join(["lives > 1"] * 5000),
    " or ".join(f"(lane = {i})" for i in range(5000)),
], ids=["parens", "nots", "flat-and", "flat-or"])
def test_five_thousand_level_string_triggers_are_bounded(raw: str) -> None:
    node, error = timed(parse_trigger, raw)
    if error is not None:
        assert "nested more than" in assert_one_line(error) and len(str(error)) < 400
    else:
        assert node.compile()({"lives": 2.0, "lane": 1.0}) is True


def test_five_thousand_level_mapping_triggers_are_one_error() -> None:
    raw: Any = {"feature": "lives", "gt": 1}
    for i in range(5000):
        raw = {"not": raw} if i % 3 == 0 else ({"all": [raw]} if i % 3 == 1 else [raw])
    _, error = timed(parse_trigger, raw)
    assert error is not None and "nested more than" in assert_one_line(error)


def test_a_five_thousand_level_trigger_in_a_strategy_file_is_one_located_error(tmp_path: Path) -> None:
    deep = "(" * 5000 + "lives > 1" + ")" * 5000
    text = LANES_YAML.replace('{if: "lives <= 1", factor: 0.5', '{if: "' + deep + '", factor: 0.5')
    assert deep in text
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    _, error = timed(load_strategies, path, game_features=FEATURES)
    assert isinstance(error, ConfigError)
    message = assert_one_line(error)
    assert message.startswith(f"{path}:") and "nested more than" in message and len(message) < 600
