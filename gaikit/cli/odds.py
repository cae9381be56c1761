"""``gaikit odds 50 100 --randomness 1``: how often does each option win a semi-random draw?

Modders ask "how often will this win?": this answers exactly (piecewise
integration, see :func:`gaikit.core.scoring.win_probabilities`) and, with
``--simulate N``, by drawing N decisions, with each estimate's standard error.
Options may be named (``conquer=50``) and carry tiers (``--tier``). Work is
bounded: at most :data:`~gaikit.core.scoring.MAX_EXACT_OPTIONS` positive
options and :data:`~gaikit.core.scoring.MAX_SIMULATED_VALUES` simulated
values (draws x options), in chunks of bounded memory; beyond, one clear error.
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional

import numpy as np
import typer

from gaikit.cli.app import app
from gaikit.core.errors import ConfigError
from gaikit.core.scoring import (
    DISTRIBUTIONS, MAX_EXACT_OPTIONS, MAX_SIMULATED_VALUES, TIERS, canonical_tier, simulate_win_probabilities,
    tier_rank, win_probabilities,
)


def parse_options(items: list[str]) -> tuple[list[str], np.ndarray]:
    """``["50", "big=100"]`` -> names and scores; a bad number is a clear error."""
    names, scores = [], []
    for i, item in enumerate(items):
        name, _, raw = item.rpartition("=")
        try:
            score = float(raw)
        except ValueError:
            raise ConfigError(f"option {item!r}: expected a score such as 50 or name=50") from None
        if math.isnan(score):
            raise ConfigError(f"option {item!r}: the score is not a number")
        if math.isinf(score):
            raise ConfigError(f"option {item!r}: expected a finite score")
        names.append(name or f"option{i + 1}")
        scores.append(score)
    return names, np.array(scores)


def check_odds_size(options: int, positive: int, simulate: int | None) -> None:
    """Refuse work beyond the documented limits (before any is done): one line naming the limit.

    The exact answer integrates at most :data:`MAX_EXACT_OPTIONS` positive options; a
    simulation draws at most :data:`MAX_SIMULATED_VALUES` values (draws x options).
    """
    if positive > MAX_EXACT_OPTIONS:
        raise ConfigError(
            f"{options:,} options ({positive:,} with a positive score): the exact odds are computed for at most "
            f"{MAX_EXACT_OPTIONS} positive options (the work grows with the cube of the count)"
        )
    if simulate is not None and simulate * options > MAX_SIMULATED_VALUES:
        most = MAX_SIMULATED_VALUES // options
        raise ConfigError(
            f"--simulate {simulate:,}: {simulate:,} draws x {options:,} options is more than the "
            f"{MAX_SIMULATED_VALUES:,} values gaikit odds simulates; use at most {most:,} draws "
            f"(the standard error shrinks as 1/sqrt(N): 1,000,000 draws give at most +-0.0005)"
        )


@app.command("odds")
def odds_command(
    scores: list[str] = typer.Argument(..., help="Base scores, optionally named: 50 100 or small=50 big=100."),
    randomness: float = typer.Option(1.0, "--randomness", "-r", help="R: draws fall in [X/(1+R), X*(1+R)]."),
    distribution: str = typer.Option("uniform", "--distribution", "-d", help="uniform or log-uniform."),
    tier: Optional[list[str]] = typer.Option(None, "--tier", help="Tier of each option, in order (repeat per option)."),
    direction: str = typer.Option("increase", "--direction", help="increase or decrease (decides how tiers rank)."),
    simulate: Optional[int] = typer.Option(None, "--simulate", help="Also estimate by drawing N decisions."),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> int:
    """Each option's probability of winning one semi-random decision."""
    names, base = parse_options(scores)
    if not math.isfinite(randomness) or randomness < 0:
        raise ConfigError(f"--randomness {randomness}: expected a number >= 0")
    if distribution not in DISTRIBUTIONS:
        raise ConfigError(f"--distribution {distribution!r}: expected one of {', '.join(DISTRIBUTIONS)}")
    if direction not in ("increase", "decrease"):
        raise ConfigError(f"--direction {direction!r}: expected increase or decrease")
    if simulate is not None and simulate <= 0:
        raise ConfigError(f"--simulate {simulate}: expected a number of draws > 0")
    if seed < 0:
        raise ConfigError(f"--seed {seed}: expected a seed >= 0")
    check_odds_size(len(names), int(np.sum(base > 0)), simulate)
    tiers = [canonical_tier(t) for t in tier or []]
    if tiers and len(tiers) != len(names):
        raise ConfigError(f"--tier given {len(tiers)} times for {len(names)} options; give one per option, in order")
    for t in tiers:
        if t not in TIERS:
            raise ConfigError(f"--tier {t!r}: expected one of {', '.join(TIERS)} (or with underscores, as in Victoria 3)")
    ranks = np.array([tier_rank(t, direction) for t in tiers]) if tiers else None
    exact = win_probabilities(base, randomness, distribution, ranks=ranks)
    sim = err = None
    if simulate is not None:
        sim, err = simulate_win_probabilities(base, randomness, simulate, np.random.default_rng(seed), distribution, ranks=ranks)
    f = 1.0 + randomness
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        x = float(base[i])
        row: dict[str, Any] = {"option": name, "score": x, "tier": tiers[i] if tiers else None,
                               "range": [x / f, x * f] if x > 0 else [x, x], "exact": float(exact[i])}
        if sim is not None and err is not None:
            row.update({"simulated": float(sim[i]), "stderr": float(err[i])})
        rows.append(row)
    if as_json:
        typer.echo(json.dumps({"randomness": randomness, "distribution": distribution, "simulated_draws": simulate,
                               "options": rows}, indent=2))
        return 0
    typer.echo(f"R = {randomness:g}, {distribution} draws in [X/{f:g}, X*{f:g}]" + (f", {simulate:,} simulated decisions" if simulate else ""))
    head = f"{'option':<14} {'score':>10} {'tier':<14} {'range':>24} {'P(win) exact':>13}"
    typer.echo(head + (f" {'simulated':>10} {'± stderr':>9}" if sim is not None else ""))
    for row in rows:
        rng = f"[{row['range'][0]:.4g}, {row['range'][1]:.4g}]"
        line = f"{row['option']:<14} {row['score']:>10.4g} {row['tier'] or '-':<14} {rng:>24} {row['exact']:>13.6f}"
        if sim is not None:
            line += f" {row['simulated']:>10.6f} {row['stderr']:>9.6f}"
        typer.echo(line)
    if np.any(base <= 0):
        typer.echo("non-positive scores are last resorts: they win only if no option of their tier scores above 0")
    return 0
