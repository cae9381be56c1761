"""``gaikit compare``: the study's table from episodes.csv, CSV and plots, clear errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.compare import PLOT_FILES, SUMMARY_FILE, compare_runs
from gaikit.core.errors import GaikitError
from gaikit.core.metrics import EPISODES_HEADER


def write_run(root: Path, name: str, returns: list[float]) -> Path:
    run = root / name
    run.mkdir(parents=True)
    lines = [EPISODES_HEADER]
    for i, ret in enumerate(returns):
        lines.append(f"{(i + 1) * 500},0,{ret!r},{120 + i},{i * 1.5:.3f}\n")
    (run / "episodes.csv").write_text("".join(lines))
    return run


@pytest.fixture
def two_runs(tmp_path: Path) -> list[Path]:
    return [
        write_run(tmp_path, "asterix-ram", [200.0, 650.0, 1650.0, 300.0]),
        write_run(tmp_path, "asterix-image", [50.0, 150.0, 100.0]),
    ]


def test_table_has_the_study_metrics(two_runs, tmp_path) -> None:
    result = compare_runs(two_runs, tmp_path / "out", window=2)
    ram, image = result.summaries
    assert (ram.total_games, ram.total_score, ram.average_score, ram.high_score) == (4, 2800.0, 700.0, 1650.0)
    assert (image.total_games, image.total_score, image.average_score, image.high_score) == (3, 300.0, 100.0, 150.0)
    assert ram.last_step == 2000
    lines = result.markdown.splitlines()
    assert lines[0].startswith("| run | total games | total score | average score | high score")
    assert lines[2] == "| asterix-ram | 4 | 2,800 | 700.00 | 1,650 | 2,000 |"
    assert lines[3] == "| asterix-image | 3 | 300 | 100.00 | 150 | 1,500 |"


def test_writes_csv_and_four_plots(two_runs, tmp_path) -> None:
    out = tmp_path / "out"
    result = compare_runs(two_runs, out)
    with (out / SUMMARY_FILE).open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["run"] for r in rows] == ["asterix-ram", "asterix-image"]
    assert float(rows[0]["average_score"]) == 700.0 and float(rows[1]["high_score"]) == 150.0
    for name in PLOT_FILES:
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
    assert sorted(p.name for p in result.files) == sorted([SUMMARY_FILE, *PLOT_FILES])


def test_cli_prints_markdown_to_stdout(two_runs, tmp_path, capsys) -> None:
    out = tmp_path / "cli-out"
    code = main(["compare", *map(str, two_runs), "--out", str(out), "--label", "RAM", "--label", "Image"])
    captured = capsys.readouterr()
    assert code == 0
    assert "| RAM | 4 | 2,800 | 700.00 | 1,650 |" in captured.out
    assert "| Image | 3 | 300 | 100.00 | 150 |" in captured.out
    assert "wrote" not in captured.out and "summary.csv" in captured.err
    assert (out / "violin_plot.png").is_file()


def test_cli_default_out_dir_is_timestamped_under_runs(two_runs, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(two_runs[0])]) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("compare-")]  # not in the current directory
    made = [p for p in (tmp_path / "runs").iterdir() if p.name.startswith("compare-")]
    assert len(made) == 1 and (made[0] / SUMMARY_FILE).is_file()
    assert f"runs/{made[0].name}/{SUMMARY_FILE}" in capsys.readouterr().err


def test_same_directory_names_are_told_apart(tmp_path) -> None:
    a = write_run(tmp_path / "first", "run", [1.0])
    b = write_run(tmp_path / "second", "run", [2.0])
    result = compare_runs([a, b], tmp_path / "out")
    assert [s.name for s in result.summaries] == ["first/run", "second/run"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "missing", "no such run directory"),
        (lambda root: (root / "empty-dir").mkdir() or root / "empty-dir", "no episodes.csv"),
        (lambda root: write_run(root, "no-episodes", []), "no finished episodes yet"),
    ],
)
def test_missing_and_empty_runs_are_clear_errors(tmp_path, make, message, capsys) -> None:
    run = make(tmp_path)
    with pytest.raises(GaikitError, match=message):
        compare_runs([run], tmp_path / "out")
    assert main(["compare", str(run), "--out", str(tmp_path / "out2")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_malformed_rows_name_file_and_line(tmp_path) -> None:
    run = write_run(tmp_path, "bad", [10.0, 20.0])
    path = run / "episodes.csv"
    path.write_text(path.read_text() + "3000,0,lots,5,1.0\n")
    with pytest.raises(GaikitError, match=r"episodes\.csv:4: expected an integer step and a numeric return"):
        compare_runs([run], tmp_path / "out")


def test_missing_column_is_named(tmp_path) -> None:
    run = tmp_path / "old"
    run.mkdir()
    (run / "episodes.csv").write_text("step,score\n1,2\n")
    with pytest.raises(GaikitError, match=r"episodes\.csv:1: missing column\(s\) return"):
        compare_runs([run], tmp_path / "out")


def test_label_count_must_match(two_runs, tmp_path) -> None:
    with pytest.raises(GaikitError, match="--label given 1 time"):
        compare_runs(two_runs, tmp_path / "out", labels=["only-one"])


def test_until_compares_runs_at_one_budget(two_runs, tmp_path) -> None:
    """``--until 1500``: episodes finished after env step 1,500 are left out of every run."""
    result = compare_runs(two_runs, tmp_path / "out", until=1500)
    ram, image = result.summaries
    assert (ram.total_games, ram.total_score, ram.high_score, ram.last_step) == (3, 2500.0, 1650.0, 1500)
    assert (image.total_games, image.total_score) == (3, 300.0)
    assert main(["compare", *map(str, two_runs), "--out", str(tmp_path / "cli"), "--until", "1000"]) == 0
    rows = list(csv.DictReader((tmp_path / "cli" / SUMMARY_FILE).open()))
    assert [int(r["total_games"]) for r in rows] == [2, 2]


@pytest.mark.parametrize(("until", "message"), [(0, "--until 0: must be a positive env step"),
                                                (100, "no episode finished by step 100")])
def test_until_without_episodes_is_a_clear_error(two_runs, tmp_path, until, message) -> None:
    with pytest.raises(GaikitError, match=message):
        compare_runs(two_runs, tmp_path / "out", until=until)
