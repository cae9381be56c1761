"""``gaikit sweep`` on a local Ray instance with 2 CPUs: seeds, a grid, resuming, bad input.

One Ray instance serves the module (gaikit uses an instance already
initialised in the process, as in a notebook). Trials are tiny CartPole
runs that learn nothing (``learning_starts`` past the budget): what is
tested is the sweep's bookkeeping, not learning.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gaikit.cli import main
from gaikit.experiments.sweep_spec import MAX_TRIALS, parse_grid, parse_seeds
from gaikit.experiments.sweep_trial import TrialJob, read_status, run_trial

ray = pytest.importorskip("ray")

TINY = """
train:
  steps: 60
  learning_starts: 1000
  eval_every: 60
  eval_episodes: 2
  checkpoint_every: 30
  keep_checkpoints: 5
  log_every: 30
  save_best: false
encoder:
  vector: {hidden: [8]}
"""


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def _rows(text: str) -> list[list[str]]:
    """``episodes.csv`` rows (step, env, return, length, time) without the header."""
    return [line.split(",") for line in text.splitlines()[1:]]


def _sweep(*args: object) -> int:
    return main(["sweep", "CartPole-v1", "--learner", "ddqn", *map(str, args)])


def test_two_seeds_then_rerun_skips_finished_and_resumes_interrupted(local_ray, tiny, tmp_path, capsys):
    exp = tmp_path / "exp"
    assert _sweep("--seeds", "0-1", "--config", tiny, "--out", exp) == 0
    first = capsys.readouterr().out
    manifest = json.loads((exp / "experiment.json").read_text())
    assert [t["name"] for t in manifest["trials"]] == ["seed_0", "seed_1"]
    assert manifest["spec"]["seeds"] == [0, 1]
    for seed in (0, 1):
        run = exp / f"seed_{seed}"
        assert (run / "checkpoints" / "step_60").is_dir()
        config = (run / "config.yaml").read_text()
        assert f"seed: {seed}" in config and "threads: 1" in config  # one torch thread per one-CPU trial
        assert read_status(exp / "logs" / f"seed_{seed}.status.json")["status"] == "finished"
    assert "gaikit compare --by-config" in first and first.count("finished") >= 2

    # seed_1 "killed" after its mid checkpoint: the final checkpoint and its outcome never written
    episodes_0 = (exp / "seed_0" / "episodes.csv").read_text()
    head_1 = (exp / "seed_1" / "episodes.csv").read_text()
    shutil.rmtree(exp / "seed_1" / "checkpoints" / "step_60")
    (exp / "logs" / "seed_1.status.json").unlink()
    assert _sweep("--seeds", "0-1", "--config", tiny, "--out", exp) == 0
    out = capsys.readouterr().out
    assert "skip    seed_0: already finished" in out
    assert "resume  seed_1" in out and "start   seed_0" not in out
    assert (exp / "seed_0" / "episodes.csv").read_text() == episodes_0  # no new episodes for the finished trial
    assert "resuming" in (exp / "logs" / "seed_1.log").read_text() and "from step_30" in (
        exp / "logs" / "seed_1.log").read_text()
    assert (exp / "seed_1" / "checkpoints" / "step_60").is_dir()
    rows_before, rows_after = _rows(head_1), _rows((exp / "seed_1" / "episodes.csv").read_text())
    # resumed, not restarted: the episodes up to the checkpoint are the very rows written before (their wall
    # times too), and the rest replays exactly (same steps, returns, lengths; only the wall time differs)
    kept = [row for row in rows_before if int(row[0]) <= 30]
    assert kept and rows_after[:len(kept)] == kept
    assert [row[:4] for row in rows_after] == [row[:4] for row in rows_before]

    # a third time, by --resume: nothing runs
    assert main(["sweep", "--resume", str(exp)]) == 0
    assert "2 already finished, 0 to run" in capsys.readouterr().out

    # the same directory with other arguments is refused, not mixed
    assert _sweep("--seeds", "0-2", "--config", tiny, "--out", exp) == 2
    err = capsys.readouterr().err
    assert "different sweep" in err and "seeds" in err and len(err.strip().splitlines()) == 1


def test_two_by_two_grid_times_two_seeds_makes_eight_runs(local_ray, tiny, tmp_path, capsys):
    exp = tmp_path / "grid"
    grid = ["--grid", "learner.lr=0.001,0.0005", "--grid", "train.batch_size=16,8"]
    assert _sweep("--seeds", "3-4", *grid, "--config", tiny, "--out", exp, "--max-concurrent", "2") == 0
    names = [t["name"] for t in json.loads((exp / "experiment.json").read_text())["trials"]]
    cells = [f"learner.lr={lr},train.batch_size={bs}" for lr in ("0.001", "0.0005") for bs in ("16", "8")]
    assert names == [f"{cell}/seed_{seed}" for cell in cells for seed in (3, 4)]
    for cell in cells:
        lr, bs = (part.split("=")[1] for part in cell.split(","))
        for seed in (3, 4):
            config = (exp / cell / f"seed_{seed}" / "config.yaml").read_text()
            assert f"lr: {lr}" in config and f"batch_size: {bs}" in config and f"seed: {seed}" in config
    capsys.readouterr()

    # one trial cannot run (its run directory is a file), one was lost: the lost one runs, the sweep fails
    broken, lost = exp / names[0], exp / names[7]
    shutil.rmtree(broken)
    broken.write_text("not a directory")
    shutil.rmtree(lost)
    assert _sweep("--seeds", "3-4", *grid, "--config", tiny, "--out", exp) == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and names[0] in failed[0] and "already exists" in failed[0]
    assert f"start   {names[7]}" in out and f"finished {names[7]}: step 60" in out
    assert "1 of 8 trials did not finish" in out
    broken.unlink()
    from gaikit.cli.compare_groups import build_groups

    groups = build_groups([exp])
    assert sorted(len(g.runs) for g in groups) == [1, 2, 2, 2]  # grid cells are groups, seeds pooled
    assert {g.name for g in groups} == {cell.replace(",", ", ") for cell in cells}


def test_more_concurrent_trials_than_cpus_is_one_line(local_ray, tiny, tmp_path, capsys):
    assert _sweep("--seeds", "0-2", "--config", tiny, "--out", tmp_path / "x", "--max-concurrent", "3") == 2
    err = capsys.readouterr().err.strip()
    assert "--max-concurrent 3" in err and "2 CPUs" in err and len(err.splitlines()) == 1


def test_a_failing_trial_is_one_line_and_written_down(tmp_path):
    job = TrialJob(name="seed_0", game="CartPole-v1", seed=0, run_dir=str(tmp_path / "seed_0"),
                   log_file=str(tmp_path / "logs" / "seed_0.log"), status_file=str(tmp_path / "logs" / "s.json"),
                   choices={"learner": "ddqn"}, steps=10, envs=None, config=None,
                   overrides=["learner.lr=-1"])
    outcome = run_trial(job)
    assert outcome["status"] == "failed" and "lr" in outcome["error"] and "\n" not in outcome["error"]
    assert read_status(tmp_path / "logs" / "s.json")["status"] == "failed"


@pytest.mark.parametrize("text, expected", [
    ("0-", "not a seed or range"), ("5-2", "ends before it starts"), ("a", "not a seed or range"),
    ("-1", "at least 0"), ("0-5000", f"at most {MAX_TRIALS:,}"), ("1,1", "given twice"), ("", "not a seed"),
])
def test_bad_seeds(text, expected, tmp_path, capsys):
    assert main(["sweep", "CartPole-v1", "--seeds", text, "--out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("grid, expected", [
    ("learner.lr", "expected section.field=v1,v2"), ("learner.lr=", "empty value"),
    ("learner.lr=0.1,,0.2", "empty value"), ("=0.1", "expected section.field"),
    ("learner.nope=1,2", "--grid cell learner.nope=1: learner.ddqn.nope: unknown field"), ("learner.lr=0.001,-5", "--grid cell learner.lr=-5"),
])
def test_bad_grid_is_refused_before_anything_runs(grid, expected, tmp_path, capsys):
    exp = tmp_path / "e"
    assert main(["sweep", "CartPole-v1", "--learner", "ddqn", "--seeds", "0", "--grid", grid, "--out", str(exp)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1
    assert not exp.exists()


def test_other_bad_arguments_are_one_line(tmp_path, capsys):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    cases = [
        (["--seeds", "0", "--set", "learner.zz=1", "--grid", "learner.lr=1,2"], "--set: learner.ddqn.zz"),
        (["--seeds", "0", "--out", str(tmp_path / "other")], "not a sweep's experiment directory"),
        (["--seeds", "0", "--set", "train.actors=1"], "train synchronously"),
        (["--seeds", "0", "--max-concurrent", "0"], "at least 1"),
        (["--resume", str(tmp_path / "other"), "--seeds", "1"], "drop --seeds"),
    ]
    for args, expected in cases:
        argv = ["sweep", *args] if "--resume" in args else ["sweep", "CartPole-v1", "--learner", "ddqn", *args]
        if "--out" not in args and "--resume" not in args:
            argv += ["--out", str(tmp_path / "e")]
        assert main(argv) == 2, args
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1, (args, err)
    assert main(["sweep", "--resume", str(tmp_path / "other")]) == 2
    assert "experiment.json is missing" in capsys.readouterr().err
    assert not (tmp_path / "e").exists() and (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_seed_and_grid_parsing():
    assert parse_seeds("0-3,7") == [0, 1, 2, 3, 7]
    assert parse_grid(["encoder.hidden=[64,64],[32]"]) == [("encoder.hidden", ["[64,64]", "[32]"])]


def test_ray_missing_is_one_line_naming_the_extra(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    assert main(["sweep", "CartPole-v1", "--learner", "ddqn", "--seeds", "0", "--out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err.strip()
    assert "gaikit[distributed]" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "e").exists()
