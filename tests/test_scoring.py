"""Semi-random scoring: the draw, its exact odds, tiers and non-positive scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gaikit.core.scoring import (
    NEVER,
    choose,
    choose_fast,
    multipliers,
    pairwise_win_probability,
    simulate_win_probabilities,
    tier_rank,
    win_probabilities,
)

# Worked by hand, independently of the code under test (R = 1, scores 50 and 100):
# uniform: S50 ~ U(25, 100), S100 ~ U(50, 200). P(S50 > S100) = int_50^100 (s - 50)/150 ds / 75
#          = (50^2 / 2) / (150 * 75) = 1/9.
# log-uniform: ln S50 ~ U(ln 25, ln 100), ln S100 ~ U(ln 50, ln 200), both of width w = 2 ln 2,
#          overlapping on [ln 50, ln 100] (length ln 2): P = ((ln 2)^2 / 2) / w^2 = 1/8.
ANALYTIC_50_VS_100 = {"uniform": 1.0 / 9.0, "log-uniform": 1.0 / 8.0}
DRAWS = 400_000


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.mark.parametrize("distribution", ["uniform", "log-uniform"])
def test_50_vs_100_matches_the_analytic_probability(distribution: str, rng: np.random.Generator) -> None:
    expected = ANALYTIC_50_VS_100[distribution]
    assert pairwise_win_probability(50, 100, 1.0, distribution) == pytest.approx(expected, abs=1e-12)
    assert win_probabilities([50, 100], 1.0, distribution) == pytest.approx([expected, 1 - expected], abs=1e-9)
    winners = choose(np.tile([50.0, 100.0], (DRAWS, 1)), 1.0, rng, distribution=distribution).winners
    observed = float(np.mean(winners == 0))
    sigma = math.sqrt(expected * (1 - expected) / DRAWS)
    assert abs(observed - expected) < 4 * sigma, (observed, expected, sigma)


def test_the_two_distributions_give_different_odds() -> None:
    """The documented choice matters: a test that mixed them up would fail here."""
    assert abs(ANALYTIC_50_VS_100["uniform"] - ANALYTIC_50_VS_100["log-uniform"]) > 0.01
    assert win_probabilities([50, 100], 1.0, "uniform")[0] != pytest.approx(win_probabilities([50, 100], 1.0, "log-uniform")[0])


@pytest.mark.parametrize("distribution", ["uniform", "log-uniform"])
def test_draws_stay_inside_the_range(distribution: str, rng: np.random.Generator) -> None:
    m = multipliers((100_000,), 1.0, rng, distribution)
    assert m.min() >= 0.5 and m.max() <= 2.0
    assert m.min() < 0.51 and m.max() > 1.99  # the whole range is reached
    if distribution == "log-uniform":  # symmetric in ratio: as likely to halve as to double
        assert abs(np.mean(np.log(m))) < 0.01
    else:
        assert abs(np.mean(m) - 1.25) < 0.01


@pytest.mark.parametrize("distribution", ["uniform", "log-uniform"])
def test_100_vs_10_never_loses(distribution: str, rng: np.random.Generator) -> None:
    base = np.tile([10.0, 100.0], (1_000_000, 1))
    assert np.all(choose_fast(base, 1.0, rng, distribution) == 1)
    assert win_probabilities([10, 100], 1.0, distribution).tolist() == [0.0, 1.0]
    # Up to R = sqrt(10) - 1 the ranges [10/(1+R), 10(1+R)] and [100/(1+R), 100(1+R)] still cannot overlap.
    assert np.all(choose(base[:100_000], math.sqrt(10) - 1.001, rng, distribution=distribution).winners == 1)


def test_many_options_exact_matches_simulation(rng: np.random.Generator) -> None:
    base = [50.0, 100.0, 70.0, 20.0, 90.0]
    for distribution in ("uniform", "log-uniform"):
        exact = win_probabilities(base, 0.8, distribution)
        assert exact.sum() == pytest.approx(1.0, abs=1e-9)
        sim, err = simulate_win_probabilities(base, 0.8, 300_000, rng, distribution)
        assert np.all(np.abs(sim - exact) < 4 * err + 1e-9), (sim, exact, err)
        assert exact[3] == 0.0  # 20 * 1.8 = 36 < 100 / 1.8: out of reach


def test_tiers_dominate_scores(rng: np.random.Generator) -> None:
    base = np.tile([1e-6, 1e9, 5.0], (10_000, 1))
    ranks = np.tile([tier_rank("must-have"), tier_rank("nice-to-have"), tier_rank("should-have")], (10_000, 1))
    assert np.all(choose(base, 5.0, rng, ranks=ranks).winners == 0)
    assert win_probabilities([1e-6, 1e9, 5.0], 5.0, ranks=ranks[0]).tolist() == [1.0, 0.0, 0.0]
    # Within one tier the draw decides: both of two equal-tier options win sometimes.
    same = choose(np.tile([50.0, 100.0], (10_000, 1)), 1.0, rng, ranks=np.full((10_000, 2), 2)).winners
    assert 0 < np.mean(same == 0) < 0.5


def test_must_not_have_is_never_chosen(rng: np.random.Generator) -> None:
    never = tier_rank("must-not-have")
    assert never == NEVER
    base = np.tile([1e12, 1.0], (50_000, 1))
    ranks = np.tile([never, tier_rank("nice-to-have")], (50_000, 1))
    assert np.all(choose(base, 3.0, rng, ranks=ranks).winners == 1)
    alone = choose([[1e12]], 3.0, rng, ranks=[[never]])
    assert alone.winners.tolist() == [-1]


def test_decreasing_reverses_tiers_and_never_cuts_a_must_have() -> None:
    assert tier_rank("must-not-have", "decrease") > tier_rank("nice-to-have", "decrease") > tier_rank("should-have", "decrease")
    assert tier_rank("must-have", "decrease") == NEVER
    with pytest.raises(ValueError, match="unknown tier"):
        tier_rank("could-have")
    with pytest.raises(ValueError, match="direction"):
        tier_rank("must-have", "sideways")


def test_non_positive_scores_are_last_resorts(rng: np.random.Generator) -> None:
    n = 20_000
    positive_present = choose(np.tile([0.0, -5.0, 0.001, float("nan")], (n, 1)), 2.0, rng).winners
    assert np.all(positive_present == 2)
    only_non_positive = choose(np.tile([-3.0, 0.0, -1.0, float("nan")], (n, 1)), 2.0, rng).winners
    assert np.all(only_non_positive == 1)  # the highest X, no randomness
    assert win_probabilities([-3.0, 0.0, -1.0], 2.0).tolist() == [0.0, 1.0, 0.0]
    assert win_probabilities([-3.0, 2.0], 2.0).tolist() == [0.0, 1.0]


def test_zero_randomness_is_argmax_and_needs_no_generator() -> None:
    result = choose([[3.0, 7.0, 5.0], [9.0, 1.0, 2.0]], 0.0, None)
    assert result.winners.tolist() == [1, 0]
    assert win_probabilities([3.0, 7.0, 7.0], 0.0).tolist() == [0.0, 1.0, 0.0]


def test_masks_and_per_decision_randomness(rng: np.random.Generator) -> None:
    base = np.array([[100.0, 50.0], [100.0, 50.0]])
    out = choose(base, np.array([0.0, 0.0]), rng, mask=[[False, True], [True, True]])
    assert out.winners.tolist() == [1, 0]
    per_row = choose(np.tile([100.0, 60.0], (20_000, 1)), np.r_[np.zeros(10_000), np.full(10_000, 1.0)], rng)
    assert np.all(per_row.winners[:10_000] == 0) and np.any(per_row.winners[10_000:] == 1)


def test_seeded_draws_are_reproducible() -> None:
    a = choose(np.tile([5.0, 6.0, 7.0], (100, 1)), 1.0, np.random.default_rng(7))
    b = choose(np.tile([5.0, 6.0, 7.0], (100, 1)), 1.0, np.random.default_rng(7))
    assert np.array_equal(a.winners, b.winners) and np.array_equal(a.draws, b.draws)


def test_explain_names_base_range_draw_and_winner(rng: np.random.Generator) -> None:
    out = choose([[50.0, 100.0]], 1.0, rng, ranks=[[2, 2]])
    info = out.explain(0)
    assert info["winner"] in (0, 1)
    assert info["options"][0]["range"] == [25.0, 100.0] and info["options"][1]["range"] == [50.0, 200.0]
    for option in info["options"]:
        assert option["range"][0] <= option["draw"] <= option["range"][1]
        assert option["rank"] == 2 and option["eligible"]


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_invalid_randomness_is_rejected(bad: float, rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="randomness"):
        choose([[1.0, 2.0]], bad, rng)
    with pytest.raises(ValueError, match="distribution"):
        choose([[1.0, 2.0]], 1.0, rng, distribution="gaussian")
