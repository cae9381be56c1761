"""The one JSON Lines reader (:mod:`gaikit.core.jsonl`) and the evaluation readers built on it.

``compare --by-config`` (:func:`last_evaluation`), ``compare --episodes eval``
(:func:`read_eval_episodes`) and the sweep (:func:`last_eval`) read eval
rows through :func:`read_evaluations`; a run without evaluations must stay
distinguishable from a damaged ``metrics.jsonl``, and a row torn by a crash
(no line break) is skipped as resuming the run would drop it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaikit.cli.compare_groups import last_evaluation
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.core.eval_episodes import read_eval_episodes, read_evaluations
from gaikit.core.jsonl import jsonl_rows
from gaikit.core.plots import read_evals
from gaikit.experiments.sweep_trial import last_eval

TRAIN = json.dumps({"kind": "train", "step": 100, "loss": 0.5})


def evaluation(step: int, returns: list) -> str:
    """One eval row as the runner writes it."""
    numbers = [r for r in returns if isinstance(r, float)]
    mean = sum(numbers) / len(numbers) if numbers else 0.0
    return json.dumps({"kind": "eval", "step": step, "mean": mean, "std": 0.0, "returns": returns})


def write_metrics(run: Path, text: str) -> Path:
    """``run/metrics.jsonl`` holding exactly ``text``."""
    run.mkdir(parents=True, exist_ok=True)
    (run / "metrics.jsonl").write_text(text, encoding="utf-8")
    return run


def test_rows_come_with_their_line_numbers_and_blank_lines_are_skipped(tmp_path) -> None:
    path = write_metrics(tmp_path, '{"a": 1}\n\n[2, 3]\n"text"\n') / "metrics.jsonl"
    assert list(jsonl_rows(path)) == [(1, {"a": 1}), (3, [2, 3]), (4, "text")]


def test_a_malformed_line_names_file_and_line_even_with_torn_tail(tmp_path) -> None:
    path = write_metrics(tmp_path, f"{TRAIN}\n{{broken\n{TRAIN}\n") / "metrics.jsonl"
    for torn_tail in (False, True):
        with pytest.raises(GaikitError, match=r"metrics\.jsonl:2: not a JSON object \(Expecting"):
            list(jsonl_rows(path, torn_tail=torn_tail))


def test_a_torn_last_line_is_skipped_only_when_asked(tmp_path) -> None:
    path = write_metrics(tmp_path, f'{TRAIN}\n{TRAIN}\n{{"kind": "ev') / "metrics.jsonl"
    assert [n for n, _ in jsonl_rows(path, torn_tail=True)] == [1, 2]
    with pytest.raises(GaikitError, match=r"metrics\.jsonl:3: not a JSON object"):
        list(jsonl_rows(path))
    complete = write_metrics(tmp_path / "b", f"{TRAIN}\n{TRAIN}") / "metrics.jsonl"  # no line break, but whole
    assert [n for n, _ in jsonl_rows(complete, torn_tail=True)] == [1, 2]


def test_callers_choose_the_noun_and_error_class(tmp_path) -> None:
    path = write_metrics(tmp_path, "nope\n") / "metrics.jsonl"
    with pytest.raises(CheckpointError, match=r"metrics\.jsonl:1: not a JSON record"):
        list(jsonl_rows(path, noun="JSON record", error=CheckpointError))


def test_read_evaluations_tells_no_evaluation_from_a_damaged_file(tmp_path) -> None:
    run = write_metrics(tmp_path / "run", f"{TRAIN}\n{evaluation(1000, [1.0, 3.0])}\n{TRAIN}\n"
                                          f"{evaluation(2000, [5.0, None])}\n")
    found = read_evaluations(run)
    assert [(e.line, e.step, e.returns) for e in found] == [(2, 1000, (1.0, 3.0)), (4, 2000, (5.0, None))]
    assert found[0].non_finite() == [] and found[1].non_finite() == [None]
    assert [e.step for e in read_evaluations(run, until=1999)] == [1000]
    assert read_evaluations(run, until=999) == []
    assert read_evaluations(write_metrics(tmp_path / "untrained", f"{TRAIN}\n")) == []
    with pytest.raises(GaikitError, match="no metrics.jsonl"):
        read_evaluations(tmp_path / "nowhere")
    bad = write_metrics(tmp_path / "bad", f'{TRAIN}\n{{"kind": "eval", "step": 5.5, "returns": [1]}}\n')
    with pytest.raises(GaikitError, match=r"metrics\.jsonl:2: expected an eval row with an integer 'step'"):
        read_evaluations(bad)


def test_last_evaluation_reports_each_case_as_before(tmp_path) -> None:
    run = write_metrics(tmp_path / "run", f"{evaluation(500, [0.0, 0.0])}\n{evaluation(1000, [2.0, 4.0, 6.0])}\n")
    assert last_evaluation(run, None) == (4.0, 3, 1000)
    assert last_evaluation(run, 999) == (0.0, 2, 500)
    assert last_evaluation(run, 499) == "no greedy evaluation by step 499"
    assert last_evaluation(write_metrics(tmp_path / "none", f"{TRAIN}\n"), None) == "no greedy evaluation"
    assert last_evaluation(tmp_path / "empty", None) == "no metrics.jsonl"
    for returns in ([], [1.0, float("nan")], [1.0, None]):
        broken = write_metrics(tmp_path / f"broken-{len(returns)}-{returns[-1:]}", f"{TRAIN}\n{evaluation(9, returns)}\n")
        with pytest.raises(GaikitError, match=r"metrics\.jsonl:2: evaluation without finite returns \(\"returns\": "):
            last_evaluation(broken, None)
    torn = write_metrics(tmp_path / "torn", f'{evaluation(1000, [2.0])}\n{{"kind": "eval", "step": 2000, "ret')
    assert last_evaluation(torn, None) == (2.0, 1, 1000)
    damaged = write_metrics(tmp_path / "damaged", f'{evaluation(1000, [2.0])}\n{{"kind": "tra\n{TRAIN}\n')
    with pytest.raises(GaikitError, match=r"metrics\.jsonl:2: not a JSON object"):
        last_evaluation(damaged, None)  # damage is an error, never "no greedy evaluation"


def test_eval_episodes_skip_a_torn_row_of_a_live_run(tmp_path) -> None:
    run = write_metrics(tmp_path / "run", f'{evaluation(1000, [1.0, 3.0])}\n{{"kind": "eval", "step": 20')
    steps, returns = read_eval_episodes(run)
    assert steps.tolist() == [1000, 1000] and returns.tolist() == [1.0, 3.0]


def test_last_eval_keeps_its_none_contract(tmp_path) -> None:
    run = write_metrics(tmp_path / "run", f"{evaluation(1000, [1.0])}\n{TRAIN}\n{evaluation(2000, [3.0])}\n{TRAIN}\n")
    assert last_eval(run)["step"] == 2000
    torn = write_metrics(tmp_path / "torn", f'{evaluation(1000, [1.0])}\n{{"kind": "eval", "st')
    assert last_eval(torn)["step"] == 1000, "a row torn by a crash hid the evaluation before it"
    assert last_eval(write_metrics(tmp_path / "bad", f"{evaluation(1000, [1.0])}\nnot json\n")) is None
    (tmp_path / "binary").mkdir()
    (tmp_path / "binary" / "metrics.jsonl").write_bytes(b'{"kind": "eval", "step": 1, "x": "\xff"}\n')
    assert last_eval(tmp_path / "binary") is None
    assert last_eval(tmp_path / "missing") is None
    assert last_eval(write_metrics(tmp_path / "untrained", f"{TRAIN}\n")) is None


def test_learning_curve_reader_skips_a_torn_row(tmp_path) -> None:
    run = write_metrics(tmp_path / "run", f'{TRAIN}\n{evaluation(1000, [1.0, 3.0])}\n{{"kind": "eval", "st')
    steps, means, stds = read_evals(run)
    assert steps.tolist() == [1000] and means.tolist() == [2.0] and stds.tolist() == [0.0]
