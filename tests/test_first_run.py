"""First-run friction: the budget line before a run, final-evaluation progress, the learning_starts
warning, comparing evaluation episodes of a real run, and packaging metadata without deprecations."""

from __future__ import annotations

import contextlib
import io
import json
import re
import tomllib
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.cli.run_budget import MEASURED_SPEEDS, budget_lines, format_duration
from gaikit.core.compare import compare_runs
from gaikit.core.registry import get_registry
from gaikit.resolve import resolve_cli_config

ROOT = Path(__file__).resolve().parents[1]
#: A CartPole run that evaluates twice (at 200 and, finally, at 400 steps), 3 episodes each.
SMALL = ["--steps", "400", "--seed", "1", "--set", "train.eval_every=200", "--set", "train.eval_episodes=3",
         "--set", "train.checkpoint_every=0", "--set", "train.log_every=200", "--set", "train.threads=1",
         "--set", "train.batch_size=8", "--set", "encoder.hidden=[8]"]


def resolved(game: str, *overrides: str, **choices: str):
    """The config ``gaikit run GAME`` would run with these choices and ``--set`` overrides."""
    return resolve_cli_config(get_registry(), game, config_file=None, choices=choices, train_flags={},
                              overrides=list(overrides))


def test_make_run_states_its_budget_and_expected_time() -> None:
    """``make run`` (asterix, mixed, ddqn): 1M agent steps at the 117.9 steps/s of docs/benchmarks.md: ~2.4 h."""
    first, source = budget_lines(resolved("asterix", encoder="mixed", learner="ddqn"))
    assert first == ("budget: 1,000,000 agent steps; expected ~2.4 h at the measured 117.9 agent steps/s "
                     "on this machine class")
    assert "docs/benchmarks.md: Asterix mixed DDQN+PER" in source and "1 torch thread" in source


def test_ale_default_budget_is_days() -> None:
    first, source = budget_lines(resolved("ALE/Breakout-v5"))
    assert first.startswith("budget: 10,000,000 agent steps; expected ~1.2 days (28 h) at the measured 99.1")
    assert "this game's speed not measured" in source


@pytest.mark.parametrize(("game", "overrides", "choices"), [
    ("asterix", ("train.threads=2",), {"encoder": "mixed"}),   # measured at one thread only
    ("CartPole-v1", (), {}),
])
def test_unmeasured_setups_get_the_budget_alone(game, overrides, choices) -> None:
    (line,) = budget_lines(resolved(game, *overrides, **choices))
    assert re.fullmatch(r"budget: [\d,]+ agent steps \(no measured speed on record for this setup; "
                        r"the progress line shows the ETA once running\)", line)


def test_every_measured_speed_is_written_in_the_document_it_names() -> None:
    for speed in MEASURED_SPEEDS.values():
        document = re.search(r"docs/[\w/]+\.md", speed.source).group(0)
        text = (ROOT / document).read_text(encoding="utf-8")
        if document == "docs/benchmarks.md":
            assert f"| {speed.steps_per_sec:.1f} |" in text, speed
        else:  # the 1M-step RAM run: 1 h 40 min, i.e. 1,000,000 / 6,000 s
            assert "about 1 h 40 min" in text and round(1_000_000 / 6_000) == round(speed.steps_per_sec)


@pytest.mark.parametrize(("seconds", "text"), [(90, "~2 min"), (8_481, "~2.4 h"), (100_908, "~1.2 days (28 h)")])
def test_format_duration(seconds, text) -> None:
    assert format_duration(seconds) == text


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A small CartPole run whose learning_starts (500) is beyond its 400 steps; its stdout and stderr."""
    run_dir = tmp_path_factory.mktemp("first") / "run"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "CartPole-v1", "--run-dir", str(run_dir), *SMALL, "--set", "train.learning_starts=500"])
    assert code == 0, err.getvalue()
    return run_dir, out.getvalue(), err.getvalue()


def test_learning_starts_beyond_steps_is_one_warning(small_run) -> None:
    _, _, err = small_run
    warnings = [line for line in err.splitlines() if "learning_starts" in line]
    assert warnings == ["gaikit: warning: train.learning_starts (500) >= train.steps (400) leaves the ddqn "
                        "learner no steps to learn on, so nothing will be learned; lower train.learning_starts "
                        "or raise --steps"]


def test_no_warning_when_learning_starts_in_time(tmp_path, capfd) -> None:
    assert main(["run", "CartPole-v1", "--run-dir", str(tmp_path / "run"), *SMALL,
                 "--set", "train.learning_starts=100", "--set", "train.eval_every=0"]) == 0
    out, err = capfd.readouterr()
    assert "learning_starts" not in err
    assert out.splitlines()[0].startswith("budget: 400 agent steps (no measured speed")


def test_final_evaluation_shows_episodes_done_of_total(small_run) -> None:
    run_dir, out, _ = small_run
    lines = out.splitlines()
    assert lines[0].startswith("budget: 400 agent steps") and lines[1] == "gaikit run: CartPole-v1"
    start = lines.index("final eval at step 400: 3 evaluation episodes (greedy)")
    episodes = [re.fullmatch(r"  final eval episode (\d)/3: return (\d+\.\d)", line)
                for line in lines[start + 1:start + 4]]
    assert [int(m.group(1)) for m in episodes] == [1, 2, 3]
    assert lines[start + 4].startswith("eval at step 400: mean return")
    assert sum(line.startswith("final eval at step") for line in lines) == 1  # not for the evaluation at 200
    final = [json.loads(row) for row in (run_dir / "metrics.jsonl").read_text().splitlines()][-1]
    assert final["kind"] == "eval" and [float(m.group(2)) for m in episodes] == pytest.approx(final["returns"], abs=0.05)


def test_compare_scores_the_evaluation_episodes_of_a_real_run(small_run, tmp_path) -> None:
    run_dir, _, _ = small_run
    evals = [row for row in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines())
             if row["kind"] == "eval"]
    assert [row["step"] for row in evals] == [200, 400]
    (summary,) = compare_runs([run_dir], tmp_path / "out", episodes="eval").summaries
    returns = [r for row in evals for r in row["returns"]]
    assert (summary.total_games, summary.total_score, summary.high_score) == (6, sum(returns), max(returns))
    (train,) = compare_runs([run_dir], tmp_path / "out-train").summaries
    assert train.total_games > 6  # random CartPole play ends episodes every ~20 steps


def test_packaging_metadata_uses_an_spdx_license() -> None:
    """setuptools >= 77 deprecates ``license = {text = ...}``; an SPDX string needs setuptools >= 77 to build."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]


def test_readme_says_how_to_activate_the_environment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme
