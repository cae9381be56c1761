"""``gaikit compare --episodes train|eval``: which episodes are scored, said in the output; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.core.compare import compare_runs
from gaikit.core.errors import GaikitError
from gaikit.core.metrics import EPISODES_HEADER

#: Training episodes (step, return) and evaluations (step, returns) of one synthetic run.
TRAIN = [(300, 9.0), (700, 12.0), (1200, 15.0)]
EVALS = [(1000, [10.0, 20.0]), (2000, [30.0, 50.0])]


def write_run(root: Path, name: str = "run", evals: list = EVALS, extra_lines: tuple[str, ...] = ()) -> Path:
    run = root / name
    run.mkdir(parents=True)
    rows = [f"{step},0,{ret!r},20,1.0\n" for step, ret in TRAIN]
    (run / "episodes.csv").write_text(EPISODES_HEADER + "".join(rows))
    lines = [json.dumps({"kind": "train", "step": 500, "episodes": 1, "mean_return_100": 9.0})]
    for step, returns in evals:
        mean = sum(returns) / len(returns)
        lines.append(json.dumps({"kind": "train", "step": step, "episodes": 2}))
        lines.append(json.dumps({"kind": "eval", "step": step, "mean": mean, "episodes": len(returns),
                                 "returns": returns}))
    (run / "metrics.jsonl").write_text("\n".join([*lines, *extra_lines]) + "\n")
    return run


def test_eval_scores_every_evaluation_episode(tmp_path) -> None:
    run = write_run(tmp_path)
    train = compare_runs([run], tmp_path / "train").summaries[0]
    evaluated = compare_runs([run], tmp_path / "eval", episodes="eval").summaries[0]
    assert (train.total_games, train.total_score, train.high_score, train.last_step) == (3, 36.0, 15.0, 1200)
    assert (evaluated.total_games, evaluated.total_score, evaluated.average_score, evaluated.high_score,
            evaluated.last_step) == (4, 110.0, 27.5, 50.0, 2000)
    early = compare_runs([run], tmp_path / "early", episodes="eval", until=1999).summaries[0]
    assert (early.total_games, early.total_score, early.last_step) == (2, 30.0, 1000)


@pytest.mark.parametrize(("flag", "scored", "other", "other_kind"), [
    ([], "training", "eval", "evaluation"), (["--episodes", "eval"], "evaluation", "train", "training")])
def test_cli_says_which_episodes_it_scores(tmp_path, capsys, flag, scored, other, other_kind) -> None:
    run = write_run(tmp_path)
    assert main(["compare", str(run), "--out", str(tmp_path / "out"), *flag]) == 0
    first, blank, header, *_ = capsys.readouterr().out.splitlines()
    assert first.startswith(f"Scoring the {scored} episodes (")
    assert first.endswith(f"; --episodes {other} scores the {other_kind} episodes instead.")
    assert ("(the default)" in first) == (not flag)
    assert blank == "" and header.startswith("| run | total games")


def eval_error(tmp_path: Path, capsys, run: Path) -> str:
    with pytest.raises(GaikitError):
        compare_runs([run], tmp_path / "api-out", episodes="eval")
    assert main(["compare", str(run), "--episodes", "eval", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_run_without_evaluations_points_at_train(tmp_path, capsys) -> None:
    err = eval_error(tmp_path, capsys, write_run(tmp_path, evals=[]))
    assert "metrics.jsonl: no evaluation episodes" in err and "--episodes train" in err


def test_missing_metrics_file_is_named(tmp_path, capsys) -> None:
    run = write_run(tmp_path)
    (run / "metrics.jsonl").unlink()
    assert "no metrics.jsonl" in eval_error(tmp_path, capsys, run)


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", r"metrics.jsonl:6: not a JSON object"),
    ('{"kind": "eval", "step": 3000, "mean": 0, "returns": [1.0, null]}', r"metrics.jsonl:6: evaluation return None"),
    ('{"kind": "eval", "step": "late", "returns": [1.0]}', r"metrics.jsonl:6: expected an eval row with an integer"),
])
def test_malformed_eval_rows_name_file_and_line(tmp_path, capsys, line, message) -> None:
    err = eval_error(tmp_path, capsys, write_run(tmp_path, extra_lines=(line,)))
    assert message in err


def test_unknown_episode_source_is_one_line(tmp_path, capsys) -> None:
    run = write_run(tmp_path)
    assert main(["compare", str(run), "--episodes", "greedy", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--episodes 'greedy': expected one of train, eval" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
