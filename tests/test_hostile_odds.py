"""``gaikit odds`` under hostile input: documented limits, one-line errors, bounded time and memory, finite odds."""

from __future__ import annotations

import json
import time
import tracemalloc

import numpy as np
import pytest

from gaikit.cli import main
from gaikit.core.scoring import (
    MAX_EXACT_OPTIONS, MAX_SIMULATED_VALUES, SIMULATION_CHUNK_VALUES, simulate_win_probabilities, win_probabilities,
)


def one_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    start = time.perf_counter()
    code = main(list(args))
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err + out, err
    assert elapsed < 2.0, f"refused only after {elapsed:.1f}s"
    return err


def test_thousands_of_options_are_refused_at_once_naming_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line(capsys, "odds", *(str(i) for i in range(1, 3001)))
    assert "3,000 options" in err and f"at most {MAX_EXACT_OPTIONS} positive options" in err


def test_an_enormous_simulate_count_is_refused_at_once_naming_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line(capsys, "odds", "50", "100", "--simulate", str(10**30))
    assert f"{MAX_SIMULATED_VALUES:,} values" in err and f"at most {MAX_SIMULATED_VALUES // 2:,} draws" in err
    err = one_line(capsys, "odds", *(str(i) for i in range(1, 101)), "--simulate", str(MAX_SIMULATED_VALUES // 100 + 1))
    assert "x 100 options" in err


@pytest.mark.parametrize("args, needle", [
    (["50", "inf"], "option 'inf': expected a finite score"),
    (["50", "1e999"], "option '1e999': expected a finite score"),
    (["50", "nan"], "not a number"),
    (["50", "100", "--randomness", "inf"], "--randomness inf: expected a number >= 0"),
    (["50", "100", "--simulate", "10", "--seed", "-1"], "--seed -1: expected a seed >= 0"),
])
def test_non_finite_or_out_of_range_input_is_one_line(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    assert needle in one_line(capsys, "odds", *args)


def test_many_non_positive_options_are_fine_only_positive_ones_are_integrated(capsys) -> None:
    args = [*(f"-{i}" for i in range(1, 301)), "50", "100"]
    code = main(["odds", "--json", "--", *args])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and [o["exact"] for o in data["options"][-2:]] == pytest.approx([1 / 9, 8 / 9])


@pytest.mark.parametrize("scale", [1e-320, 1e-300, 1.0, 1e300, 1e307])
def test_odds_are_finite_and_the_same_at_any_scale(scale: float) -> None:
    """Both draw distributions are scale-free; extreme scores must not overflow into NaN."""
    base = np.array([0.5, 1.0]) * scale
    assert win_probabilities(base, 1.0) == pytest.approx([1 / 9, 8 / 9], rel=1e-6)
    assert win_probabilities(base, 1.0, "log-uniform") == pytest.approx([1 / 8, 7 / 8], rel=1e-6)
    p, err = simulate_win_probabilities(base, 1.0, 20_000, np.random.default_rng(0))
    assert np.all(np.isfinite(p)) and abs(p[0] - 1 / 9) < 5 * err[0]


def test_an_enormous_randomness_gives_finite_odds() -> None:
    p = win_probabilities(np.array([50.0, 100.0]), 1e308)
    assert np.all(np.isfinite(p)) and p == pytest.approx([0.25, 0.75], abs=1e-9)


def test_the_exact_odds_of_the_most_options_allowed_take_seconds_not_minutes() -> None:
    base = np.random.default_rng(1).uniform(1.0, 100.0, MAX_EXACT_OPTIONS)
    start = time.perf_counter()
    p = win_probabilities(base, 1.0)
    assert time.perf_counter() - start < 20.0
    assert p.sum() == pytest.approx(1.0) and np.all(p >= 0)


def test_simulation_memory_does_not_grow_with_the_number_of_draws() -> None:
    options, draws = 1_000, 20_000  # 2e7 draws in all; held whole that would be 160 MB per array
    base = np.linspace(1.0, 100.0, options)
    tracemalloc.start()
    try:
        p, _ = simulate_win_probabilities(base, 1.0, draws, np.random.default_rng(0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert p.sum() == pytest.approx(1.0)
    assert peak < 16 * SIMULATION_CHUNK_VALUES * 8, f"peak {peak / 2**20:.0f} MiB"
