"""``gaikit run realm`` (world simulation and DDQN) and ``gaikit explain --country --date`` end to end."""

from __future__ import annotations

import json

import pytest

from gaikit.cli import main

YEARS = "6"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three 6-year worlds: seed 7 twice, seed 8 once."""
    base = tmp_path_factory.mktemp("realm")
    out = {}
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        run_dir = base / name
        assert main(["run", "realm", "--agent", "strategy", "--years", YEARS, "--seed", seed, "--run-dir", str(run_dir)]) == 0
        out[name] = run_dir
    return out


def test_same_seed_same_chronicle_byte_for_byte(runs):
    a, b, c = ((runs[k] / "chronicle.txt").read_bytes() for k in "abc")
    assert a == b and a != c
    assert a.count(b"\n") > 20 and b"start" in a


def test_outputs_of_a_world_run(runs):
    run_dir = runs["a"]
    assert (run_dir / "plots" / "realm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header, *rows = (run_dir / "series.csv").read_text().splitlines()
    assert header == "week,country,gdp,treasury,army" and len(rows) == 8 * (int(YEARS) * 13)
    assert "years: 6" in (run_dir / "config.yaml").read_text()


def test_the_chronicle_is_printed(tmp_path, capsys):
    assert main(["run", "realm", "--agent", "strategy", "--years", "2", "--seed", "3", "--run-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert out.startswith((tmp_path / "r" / "chronicle.txt").read_text().rstrip("\n"))
    assert "country     states" in out


def test_explain_a_countrys_decisions_on_a_date(runs, capsys):
    assert main(["explain", str(runs["a"]), "--country", "Avaria", "--date", "1838-06-01"]) == 0
    out = capsys.readouterr().out
    assert "agent=Avaria" in out and "decision " in out and "active strategies:" in out
    assert main(["explain", "--game", "realm", "--seed", "7", "--country", "borvonia", "--date", "1837-03-01", "--json"]) == 0
    assert '"agent": "Borvonia"' in capsys.readouterr().out


def test_explain_errors_are_one_line(runs, capsys):
    assert main(["explain", str(runs["a"]), "--country", "Atlantis", "--date", "1838-06-01"]) == 2
    assert "unknown country 'Atlantis'; countries: Avaria" in capsys.readouterr().err
    assert main(["explain", str(runs["a"]), "--country", "Avaria", "--date", "1900-01-01"]) == 2
    assert "outside the simulated years" in capsys.readouterr().err
    assert main(["explain", str(runs["a"]), "--country", "Avaria"]) == 2
    assert "give both --country" in capsys.readouterr().err


def test_ddqn_trains_the_player_country(tmp_path, capsys):
    run_dir = tmp_path / "ddqn"
    code = main(["run", "realm", "--learner", "ddqn", "--steps", "60", "--seed", "1", "--run-dir", str(run_dir),
                 "--set", "game.env_years=1", "--set", "train.learning_starts=20", "--set", "train.batch_size=8",
                 "--set", "train.eval_every=60", "--set", "train.eval_episodes=1", "--set", "encoder.hidden=[8]",
                 "--set", "train.log_every=30"])
    assert code == 0
    out = capsys.readouterr().out
    assert "finished 60 steps" in out
    assert (run_dir / "checkpoints").is_dir() and (run_dir / "episodes.csv").read_text().count("\n") >= 5


def test_spending_explanations_carry_the_budget(runs, capsys):
    for date in ("1836-01-29", "1836-02-26", "1836-03-25", "1836-04-22", "1836-05-20"):
        assert main(["explain", str(runs["a"]), "--country", "Avaria", "--date", date, "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    spending = [r for r in records if r["kind"] == "spending"]
    assert spending and all(r["note"].startswith("budget: ") for r in spending)
    assert {r["direction"] for r in spending} >= {"increase"}


def test_years_is_only_for_games_with_years(tmp_path, capsys):
    assert main(["run", "CartPole-v1", "--learner", "ddqn", "--years", "5", "--run-dir", str(tmp_path / "x")]) == 2
    assert "game.years: unknown field" in capsys.readouterr().err
    assert main(["run", "realm", "--agent", "strategy", "--years", "0", "--run-dir", str(tmp_path / "y")]) == 2
    assert "game.years" in capsys.readouterr().err and not (tmp_path / "y").exists()
