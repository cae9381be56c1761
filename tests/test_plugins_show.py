"""``gaikit plugins --show NAME`` (one component's option schema) and the config schemas in ``--json``."""

from __future__ import annotations

import json

import pytest

from gaikit.cli import main


def test_show_prints_fields_types_ranges_defaults_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--show", "epsilon-greedy"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("selector epsilon-greedy (")
    line = next(l for l in out.splitlines() if l.strip().startswith("end_epsilon "))
    assert "float, >= 0.0, <= 1.0; default 0.05" in line
    assert "Exploration rate after decay_steps." in out
    assert "--set selector.FIELD=VALUE" in out


def test_show_kind_slash_name_settles_an_ambiguous_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--show", "asterix"]) == 2
    err = capsys.readouterr().err
    assert "registered under several kinds" in err and "game/asterix" in err and "strategy/asterix" in err
    assert main(["plugins", "--show", "game/asterix"]) == 0
    assert capsys.readouterr().out.startswith("game asterix (")
    assert main(["plugins", "--show", "learners/sac"]) == 0
    out = capsys.readouterr().out
    assert "gamma" in out and "> 0.0, <= 1.0; default 0.99" in out


@pytest.mark.parametrize("name, expected", [
    ("gausian", "--show gausian: unknown component 'gausian'; close matches: gaussian"),
    ("selector/gausian", "--show selector/gausian: unknown selector 'gausian'; close matches: gaussian"),
    ("thing/x", "--show thing/x: unknown component kind 'thing'; kinds are encoder, memory"),
])
def test_unknown_names_are_one_clear_error(name: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--show", name]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and expected in err


def test_json_includes_each_components_config_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    sac = next(c for c in payload["components"] if c["kind"] == "learner" and c["name"] == "sac")
    gamma = sac["config_schema"]["properties"]["gamma"]
    assert gamma["default"] == 0.99 and gamma["exclusiveMinimum"] == 0.0 and gamma["maximum"] == 1.0
    assert gamma["description"] == "Discount factor."
    assert all("config_schema" in c for c in payload["components"])
    assert main(["plugins", "--show", "gaussian", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["config_schema"]["properties"]["random_steps"]["minimum"] == 0
