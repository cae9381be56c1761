"""``gaikit odds``: exact and simulated win probabilities, and bad input."""

from __future__ import annotations

import json

import pytest

from gaikit.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_exact_odds_of_the_design_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "odds", "50", "100", "--randomness", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert [o["exact"] for o in data["options"]] == pytest.approx([1 / 9, 8 / 9])
    assert data["options"][0]["range"] == [25.0, 100.0]
    code, out, _ = run(capsys, "odds", "50", "100", "-r", "1", "--distribution", "log-uniform", "--json")
    assert [o["exact"] for o in json.loads(out)["options"]] == pytest.approx([1 / 8, 7 / 8])


def test_simulation_agrees_within_its_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "odds", "small=50", "big=100", "mid=70", "--simulate", "200000", "--seed", "3", "--json")
    assert code == 0
    for option in json.loads(out)["options"]:
        assert abs(option["simulated"] - option["exact"]) < 4 * option["stderr"] + 1e-9
        assert option["stderr"] > 0
    assert [o["option"] for o in json.loads(out)["options"]] == ["small", "big", "mid"]


def test_text_table_and_tiers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "odds", "10", "100", "--tier", "must-have", "--tier", "nice-to-have")
    assert code == 0
    lines = out.splitlines()
    assert "P(win) exact" in lines[1]
    assert lines[2].split()[-1] == "1.000000" and lines[3].split()[-1] == "0.000000"


@pytest.mark.parametrize(
    "args, message",
    [
        (["odds", "50", "abc"], "option 'abc': expected a score"),
        (["odds", "50", "100", "--randomness", "-1"], "--randomness -1.0: expected a number >= 0"),
        (["odds", "50", "100", "--distribution", "normal"], "--distribution 'normal'"),
        (["odds", "50", "100", "--tier", "must-have"], "--tier given 1 times for 2 options"),
        (["odds", "50", "100", "--tier", "must", "--tier", "must-have"], "--tier 'must'"),
        (["odds", "50", "100", "--simulate", "0"], "--simulate 0"),
        (["odds", "50", "nan"], "not a number"),
    ],
)
def test_bad_input_is_one_clear_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
