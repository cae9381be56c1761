"""The trigger language: parsing, evaluation, and that it can never run code."""

from __future__ import annotations

import builtins

import pytest

from gaikit.strategies.triggers import TriggerError, parse_trigger

F = {"danger": 0.7, "lives": 1.0, "coins": 0.0, "is_player": 1.0, "threshold": 0.5}


def holds(raw: object, features: dict[str, float] = F) -> bool:
    return parse_trigger(raw).compile()(features)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("danger > 0.5", True),
        ("danger >= 0.7 and lives == 1", True),
        ("danger < 0.5 or not (lives > 1)", True),
        ("NOT is_player", False),
        ("coins", False),
        ("danger > threshold", True),
        ("0.5 < danger", True),  # a number on the left is flipped around
        ("lives = 1", True),  # Paradox-style equality
        ("danger != 0.7 OR coins <= -1e3", False),
        ("true and not false", True),
        ("a_b_c_1 > 2 or yes", True),
    ],
)
def test_string_triggers(text: str, expected: bool) -> None:
    assert holds(text, {**F, "a_b_c_1": 0.0}) is expected


def test_mapping_and_list_triggers() -> None:
    assert holds({"feature": "danger", "gt": 0.5})
    assert not holds({"feature": "danger", "le": "threshold"})
    assert holds({"all": [{"feature": "lives", "eq": 1}, "danger > 0.1"]})
    assert holds({"any": [{"feature": "lives", "eq": 3}, {"not": "coins > 0"}]})
    assert holds(["danger > 0.1", "lives >= 1"]) and not holds(["danger > 0.1", "lives > 1"])
    assert holds(True) and not holds(False)


def test_names_and_text() -> None:
    node = parse_trigger({"any": ["danger > threshold", {"not": {"feature": "lives", "lt": 2}}]})
    assert node.names() == {"danger", "threshold", "lives"}
    assert parse_trigger(node.text()).compile()(F) == node.compile()(F)


@pytest.mark.parametrize(
    "evil",
    [
        "__import__('os').system('echo pwned')",
        "danger > 0.5 and open('/etc/passwd')",
        "danger.__class__ > 0",
        "[x for x in ()]",
        "lambda: 1",
        "danger > 0.5; import os",
        "danger + 1 > 0",
        "eval('1')",
        "danger > 0.5 and",
        "(danger > 0.5",
        "",
        "1 > 2",
    ],
)
def test_anything_but_the_language_is_rejected(evil: str) -> None:
    with pytest.raises(TriggerError):
        parse_trigger(evil)


def test_triggers_never_call_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the trigger language must not use eval/exec/compile")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)
    assert holds("danger > 0.5 and not (lives > 2 or coins)")
    with pytest.raises(TriggerError):
        parse_trigger("__import__('os')")


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"feature": "danger", "gt": 1, "lt": 2}, "exactly one op"),
        ({"feature": "danger"}, "exactly one op"),
        ({"feature": "__class__.x", "gt": 1}, "must be a name"),
        ({"all": "danger > 1"}, "list"),
        ({"when": "x"}, "unknown trigger keys"),
        ({"feature": "danger", "gt": [1]}, "number or a feature name"),
        (3.5, "a trigger is"),
    ],
)
def test_bad_mappings_name_the_problem(bad: object, message: str) -> None:
    with pytest.raises(TriggerError, match=message):
        parse_trigger(bad)
