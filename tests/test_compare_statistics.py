"""Grouped comparison: IQM, mean, median, optimality gap and their stratified bootstrap CIs against hand-computed
values, probability of improvement, performance profiles, grouping run directories by config, human-normalised
Atari scores, and bad input as one clear line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from gaikit.cli import main
from gaikit.cli.compare_groups import build_groups, group_key, load_scores
from gaikit.core.errors import GaikitError
from gaikit.core.metrics import EPISODES_HEADER
from gaikit.core.reference_scores import atari_references, human_reference
from gaikit.core.statistics import (
    interval_estimates,
    iqm_rows,
    performance_profile,
    point_estimate,
    probability_of_improvement,
)

# Three tasks, four runs each. By hand:
#   task means 25.75, 5.5, 1.0 -> mean 32.25 / 3 = 10.75, median 5.5;
#   pooled sorted [0,1,1,1,1,1,2,4,5,6,7,100], 3 cut from each end -> IQM (1+1+1+2+4+5)/6 = 14/6;
#   min(x, 5) task means 2.0, 4.75, 1.0 -> optimality gap 5 - 7.75/3.
TASKS = [np.array([0.0, 1.0, 2.0, 100.0]), np.array([4.0, 5.0, 6.0, 7.0]), np.array([1.0, 1.0, 1.0, 1.0])]


def test_point_estimates_match_hand_computed_values() -> None:
    assert point_estimate(TASKS, "mean") == pytest.approx(10.75)
    assert point_estimate(TASKS, "median") == pytest.approx(5.5)
    assert point_estimate(TASKS, "iqm") == pytest.approx(14 / 6)
    assert point_estimate(TASKS, "optimality_gap", target=5.0) == pytest.approx(5 - 7.75 / 3)
    # IQM cuts floor(n/4) from each end: n=8 drops 2, n=7 drops 1, n=3 drops none
    assert iqm_rows(np.array([[0.0, 1, 2, 3, 4, 5, 6, 100]]))[0] == pytest.approx(3.5)
    assert iqm_rows(np.array([[100.0, 1, 2, 3, 4, 5, -50]]))[0] == pytest.approx(3.0)
    assert iqm_rows(np.array([[1.0, 2, 9]]))[0] == pytest.approx(4.0)


def test_bootstrap_interval_of_two_runs_is_the_exact_bootstrap_distribution() -> None:
    # Resampling [0, 1] twice gives mean 0, 0.5, 1 with chance 1/4, 1/2, 1/4: the 95% interval is [0, 1],
    # the 40% interval (quantiles 0.3 and 0.7) is [0.5, 0.5].
    wide = interval_estimates("g", [np.array([0.0, 1.0])], ["mean"], reps=4000)["mean"]
    assert (wide.point, wide.low, wide.high) == (0.5, 0.0, 1.0)
    narrow = interval_estimates("g", [np.array([0.0, 1.0])], ["mean"], reps=4000, confidence=0.4)["mean"]
    assert (narrow.low, narrow.high) == (0.5, 0.5)


def test_iqm_interval_by_hand_ignores_one_outlier_seed() -> None:
    # Seven runs score 0, one 100. A resample holds K ~ Binomial(8, 1/8) copies of 100: P(K<=2) = 0.933,
    # P(K<=3) = 0.989, so the 97.5% quantile is at K = 3. The IQM of a resample keeps sorted places 2..5:
    # 0 for K <= 2, 25 for K = 3 -> CI [0, 25] around 0; the mean is 12.5 K -> CI [0, 37.5] around 12.5.
    runs = [np.array([0.0] * 7 + [100.0])]
    found = interval_estimates("outlier", runs, ["iqm", "mean"], reps=4000, rng=np.random.default_rng(3))
    assert (found["iqm"].point, found["iqm"].low, found["iqm"].high) == (0.0, 0.0, 25.0)
    assert (found["mean"].point, found["mean"].low, found["mean"].high) == (12.5, 0.0, 37.5)


def test_intervals_hold_their_points_and_constant_tasks_do_not_vary() -> None:
    found = interval_estimates("g", TASKS, target=5.0, reps=2000, rng=np.random.default_rng(1))
    assert set(found) == {"mean", "median", "iqm", "optimality_gap"}
    for estimate in found.values():
        assert estimate.low <= estimate.point <= estimate.high
    assert found["iqm"].low < found["iqm"].high  # resampling does move it
    constant = interval_estimates("c", [np.full(5, 3.0), np.full(4, 7.0)], reps=500, target=5.0)
    assert (constant["mean"].low, constant["mean"].high) == (5.0, 5.0)
    assert constant["optimality_gap"].point == pytest.approx(5 - (3 + 5) / 2)


def test_stratified_resampling_keeps_every_task() -> None:
    # Task 1 is always 1000, task 2 always 0: a resample that mixed tasks would move the mean off 500.
    found = interval_estimates("g", [np.full(3, 1000.0), np.zeros(6)], ["mean"], reps=1000)["mean"]
    assert (found.low, found.point, found.high) == (500.0, 500.0, 500.0)


def test_iqm_interval_covers_the_true_iqm() -> None:
    # Normal(0, 1) runs: the population IQM is 0 by symmetry; a 95% CI must hold it in >= ~90% of repeats.
    rng = np.random.default_rng(2021)
    hits = 0
    for _ in range(200):
        runs = rng.normal(size=20)
        found = interval_estimates("n", [runs], ["iqm"], reps=1000, rng=rng)["iqm"]
        hits += found.low <= 0.0 <= found.high
    assert hits >= 180, f"95% CI held the true IQM in {hits}/200 repeats"


def test_probability_of_improvement_known_answers() -> None:
    better, worse = [np.array([5.0, 6.0, 7.0])], [np.array([1.0, 2.0, 3.0])]
    dominant = probability_of_improvement("a", better, "b", worse, reps=500)
    assert (dominant.point, dominant.low, dominant.high) == (1.0, 1.0, 1.0)
    assert probability_of_improvement("b", worse, "a", better, reps=500).point == 0.0
    same = probability_of_improvement("a", better, "c", [np.array([5.0, 6.0, 7.0])], reps=500)
    assert same.point == 0.5 and same.low < 0.5 < same.high
    # pairs (1,2) (1,3) (2,2) (2,3): 0 + 0 + 1/2 + 0 over 4 -> 0.125; two tasks average
    tied = probability_of_improvement("x", [np.array([1.0, 2.0]), np.array([9.0, 9.0])],
                                      "y", [np.array([2.0, 3.0]), np.array([0.0, 0.0])], reps=500)
    assert tied.point == pytest.approx((0.125 + 1.0) / 2)


def test_performance_profile_is_the_fraction_above_each_threshold() -> None:
    profile = performance_profile("g", [np.array([0.0, 1.0, 2.0, 3.0])], np.array([-1.0, 0.0, 1.5, 3.0]), reps=500)
    assert profile.fraction.tolist() == [1.0, 0.75, 0.5, 0.0]
    assert np.all(profile.low <= profile.fraction) and np.all(profile.fraction <= profile.high)
    assert profile.low[0] == profile.high[0] == 1.0


def test_statistics_bad_input_is_one_clear_error() -> None:
    with pytest.raises(GaikitError, match="task 0 has 1 run.*at least 2 runs"):
        interval_estimates("solo", [np.array([3.0])])
    with pytest.raises(GaikitError, match="optimality_gap needs a target"):
        point_estimate(TASKS, "optimality_gap")
    with pytest.raises(GaikitError, match="same tasks"):
        probability_of_improvement("a", TASKS, "b", TASKS[:2], reps=200)


# --- run directories -------------------------------------------------------------------------------------------

CONFIG = {
    "game": {"name": "gymnasium", "options": {"env_id": "CartPole-v1", "kwargs": {}}},
    "agent": "learned",
    "learner": {"name": "ddqn", "options": {"lr": 0.001, "gamma": 0.99}},
    "train": {"steps": 1000, "seed": 0, "log_every": 100, "checkpoint_every": 500},
}


def write_run(root: Path, name: str, *, seed: int, returns: list[float], eval_returns: list[float] | None = None,
              lr: float = 0.001, game: str = "CartPole-v1", log_every: int = 100) -> Path:
    """A run directory as gaikit run writes it: config.yaml, episodes.csv and (with an evaluation) metrics.jsonl."""
    run = root / name
    run.mkdir(parents=True)
    config = json.loads(json.dumps(CONFIG))
    config["game"]["options"]["env_id"] = game
    config["learner"]["options"]["lr"] = lr
    config["train"].update(seed=seed, log_every=log_every)
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    rows = [EPISODES_HEADER] + [f"{(i + 1) * 100},0,{r!r},10,0.0\n" for i, r in enumerate(returns)]
    (run / "episodes.csv").write_text("".join(rows))
    lines = [json.dumps({"kind": "train", "step": 100, "loss": 0.5})]
    if eval_returns is not None:
        lines.append(json.dumps({"kind": "eval", "step": 500, "mean": 0.0, "returns": [0.0, 0.0]}))
        lines.append(json.dumps({"kind": "eval", "step": 1000, "mean": float(np.mean(eval_returns)),
                                 "returns": eval_returns}))
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return run


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """Two configs (lr 0.001 and 0.01), three seeds each, under one experiment directory."""
    root = tmp_path / "sweep"
    for seed in range(3):
        write_run(root, f"slow-{seed}", seed=seed, lr=0.001, returns=[10.0, 20.0 + seed],
                  eval_returns=[100.0 + seed] * 2, log_every=100 if seed else 50)
        write_run(root, f"fast-{seed}", seed=seed, lr=0.01, returns=[10.0, 200.0 + seed],
                  eval_returns=[400.0 + seed] * 2)
    return root


def test_runs_are_grouped_by_config_with_seeds_pooled(sweep: Path) -> None:
    groups = build_groups([sweep])
    assert [g.name for g in groups] == ["learner.lr=0.01", "learner.lr=0.001"]  # sorted run dirs: fast-* first
    assert [sorted(r.path.name for r in g.runs) for g in groups] == [
        ["fast-0", "fast-1", "fast-2"], ["slow-0", "slow-1", "slow-2"]]  # log_every differs in slow-0: still pooled
    assert sorted(r.seed for r in groups[1].runs) == [0, 1, 2]
    assert group_key(CONFIG) == {**CONFIG, "game": {"name": "gymnasium", "options": {"kwargs": {}}},
                                 "train": {"steps": 1000}}
    labels = load_scores(groups, window=1, until=None)
    fast = sorted(r.scores["eval"] for r in groups[0].runs), sorted(r.scores["train"] for r in groups[0].runs)
    assert fast == ([400.0, 401.0, 402.0], [200.0, 201.0, 202.0])  # last evaluation; last `window` episodes
    assert labels["eval"].startswith("eval: ") and "(2 episodes)" in labels["eval"]
    assert labels["train"].startswith("train: ") and "last 1 training episodes" in labels["train"]


def test_a_seed_run_twice_is_warned_about(sweep: Path, capsys) -> None:
    write_run(sweep, "fast-again", seed=1, lr=0.01, returns=[1.0])
    groups = build_groups([sweep])
    assert len(groups[0].runs) == 4
    assert "group learner.lr=0.01: seed 1 on CartPole-v1 appears in more than one run" in capsys.readouterr().err


def test_cli_writes_tables_and_plots_for_both_sources(sweep: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["compare", "--by-config", str(sweep), "--out", str(out), "--window", "1", "--reps", "500"]) == 0
    printed = capsys.readouterr()
    assert "### eval: mean return of each run's last greedy evaluation" in printed.out
    assert "### train: mean return of each run's last 1 training episodes" in printed.out
    assert "| learner.lr=0.01 | learner.lr=0.001 | 1.000 [1.000, 1.000] |" in printed.out
    assert "Optimality gap left out" in printed.out
    with (out / "aggregates.csv").open() as handle:
        rows = {(r["source"], r["group"], r["metric"]): r for r in csv.DictReader(handle)}
    assert float(rows[("eval", "learner.lr=0.01", "iqm")]["point"]) == pytest.approx(401.0)
    assert float(rows[("train", "learner.lr=0.001", "mean")]["point"]) == pytest.approx(21.0)
    for name in ("interval_estimates_eval.png", "performance_profile_eval.png",
                 "interval_estimates_train.png", "performance_profile_train.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
    assert (out / "statistics.md").read_text() == printed.out


def test_explicit_groups_and_gap_target(sweep: Path, tmp_path: Path, capsys) -> None:
    fast = ",".join(str(sweep / f"fast-{s}") for s in range(3))
    slow = ",".join(str(sweep / f"slow-{s}") for s in range(3))
    out = tmp_path / "named"
    assert main(["compare", "--group", f"A={fast}", "--group", f"B={slow}", "--out", str(out),
                 "--gap-target", "500", "--reps", "300"]) == 0
    printed = capsys.readouterr().out
    assert "| A | B | 1.000 [1.000, 1.000] |" in printed and "optimality gap (target 500.0)" in printed
    with (out / "aggregates.csv").open() as handle:
        gap = [r for r in csv.DictReader(handle) if (r["source"], r["group"], r["metric"]) ==
               ("eval", "B", "optimality_gap")]
    assert float(gap[0]["point"]) == pytest.approx(500 - 101.0)


def test_human_normalised_atari_scores(tmp_path: Path, capsys) -> None:
    # Breakout: random 1.7, human 30.5; Pong: random -20.7, human 14.6 (Badia et al. 2020 table).
    root = tmp_path / "atari"
    for seed, (breakout, pong) in enumerate([(30.5, 14.6), (1.7, -20.7)]):
        write_run(root, f"breakout-{seed}", seed=seed, game="ALE/Breakout-v5", returns=[breakout])
        write_run(root, f"pong-{seed}", seed=seed, game="ALE/Pong-v5", returns=[pong])
    assert human_reference("ALE/Breakout-v5").human == 30.5 and human_reference("Pong").random == -20.7
    assert len(atari_references()) == 56
    out = tmp_path / "out"
    assert main(["compare", "--by-config", str(root), "--normalise", "human", "--out", str(out), "--reps", "300"]) == 0
    printed = capsys.readouterr()
    assert "eval scores left out" in printed.out  # these runs have no evaluation
    with (out / "scores.csv").open() as handle:
        normalised = sorted(float(r["normalised"]) for r in csv.DictReader(handle))
    assert normalised == pytest.approx([0.0, 0.0, 1.0, 1.0])
    with (out / "aggregates.csv").open() as handle:
        found = {r["metric"]: float(r["point"]) for r in csv.DictReader(handle)}
    assert found["mean"] == pytest.approx(0.5) and found["optimality_gap"] == pytest.approx(0.5)


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI; assert exit 2 and one line on stderr without a traceback; return it."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gaikit: error: ") and "Traceback" not in err[0]
    return err[0]


def test_bad_input_is_one_clear_line(sweep: Path, tmp_path: Path, capsys) -> None:
    out = ["--out", str(tmp_path / "o"), "--reps", "200"]
    solo = write_run(tmp_path / "solo", "only", seed=0, returns=[1.0])
    assert "a bootstrap confidence interval needs at least 2 runs" in one_line_error(
        capsys, ["compare", "--by-config", str(solo), *out])
    two_games = tmp_path / "two-games"
    for seed in range(2):
        write_run(two_games, f"c{seed}", seed=seed, returns=[1.0])
        write_run(two_games, f"a{seed}", seed=seed, returns=[1.0], game="Acrobot-v1")
    assert "raw returns of different games cannot be pooled; use --normalise human" in one_line_error(
        capsys, ["compare", "--by-config", str(two_games), *out])
    assert "game CartPole-v1: no human reference score" in one_line_error(
        capsys, ["compare", "--by-config", str(sweep), "--normalise", "human", *out])
    assert "must cover the same games" in one_line_error(
        capsys, ["compare", "--group", f"c={two_games / 'c0'},{two_games / 'c1'}",
                 "--group", f"a={two_games / 'a0'},{two_games / 'a1'}", *out])
    assert "expected NAME=DIR,DIR" in one_line_error(capsys, ["compare", "--group", str(sweep), *out])
    assert "in group" in one_line_error(capsys, ["compare", "--by-config", str(sweep), "--group",
                                                 f"x={sweep / 'fast-0'},{sweep / 'fast-1'}", *out])
    assert "--normalise minmax: expected raw or human" in one_line_error(
        capsys, ["compare", "--by-config", str(sweep), "--normalise", "minmax", *out])
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    assert f"{blocker / 'out'}: cannot write" in one_line_error(
        capsys, ["compare", "--by-config", str(sweep), "--out", str(blocker / "out"), "--reps", "200"])
    (sweep / "slow-0" / "metrics.jsonl").write_text('{"kind": "eval", "step": 9, "returns": [NaN]}\n')
    assert "metrics.jsonl:1: evaluation without finite returns" in one_line_error(
        capsys, ["compare", "--by-config", str(sweep), *out])
    (sweep / "fast-1" / "episodes.csv").write_bytes(EPISODES_HEADER.encode() + b"100,0,\xff\xfe,1,0\n")
    assert f"{sweep / 'fast-1' / 'episodes.csv'}: cannot read: not UTF-8" in one_line_error(
        capsys, ["compare", "--by-config", str(sweep), *out])
