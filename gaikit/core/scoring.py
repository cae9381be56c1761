"""Semi-random scoring and priority tiers (the Victoria 3 AI design).

Shared by the ``semi-random`` action selector and the strategy engine.

**The draw.** An option with base score ``X > 0`` under randomness factor
``R >= 0`` scores a draw in ``[X / (1 + R), X * (1 + R)]``; the highest draw
wins. Every draw is ``X * M`` where the multiplier ``M`` does not depend on X:

* ``uniform``: ``M ~ U(1/(1+R), 1+R)`` -- the draw is uniform over the range.
* ``log-uniform``: ``log M ~ U(-log(1+R), log(1+R))`` -- the draw is uniform in
  log space, so it is as likely to halve as to double (symmetric in ratio).

With ``R = 1`` options scored 50 and 100 both can win (50 wins with
probability 1/9 under ``uniform`` and 1/8 under ``log-uniform``); 100 against
10 always picks 100, because [10/2, 10*2] and [100/2, 100*2] cannot overlap.
``R = 0`` (or ``explore=False``) is a deterministic argmax.

**Non-positive scores** (``X <= 0``, and NaN, which counts as ``-inf``) are
*last resorts*: within a tier, such an option loses to every option with a
positive score; if no candidate of the best tier is positive, the one with
the highest ``X`` wins without any randomness (first in order on ties).
Never a crash, never a division by zero.

**Tiers.** Options carry a tier rank: higher ranks always win over lower
ones, the semi-random draw only breaks ties within the best tier present,
and a negative rank (``must-not-have`` when increasing, ``must-have`` when
decreasing) is never chosen. A masked-out option is never chosen either. A
decision with no eligible option has winner ``-1``.

Everything is vectorised over a ``(decisions, options)`` array and driven by
a seeded :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

#: Draw distributions over the range ``[X/(1+R), X*(1+R)]``.
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "log-uniform")
Distribution = Literal["uniform", "log-uniform"]

#: Priority tiers, highest first (Victoria 3 spending priorities).
TIERS: tuple[str, ...] = ("must-have", "should-have", "wants-to-have", "nice-to-have", "must-not-have")
#: Rank of never chosen.
NEVER = -1
#: Most positive options :func:`win_probabilities` integrates exactly for ``gaikit odds`` (its cost grows
#: with the cube of the count: about a second at this size; real decisions have a few dozen options).
MAX_EXACT_OPTIONS = 256
#: Most draws x options ``gaikit odds --simulate`` computes (tens of millions of values a second: seconds).
MAX_SIMULATED_VALUES = 500_000_000
#: Draws x options held in memory at once while simulating (a few tens of megabytes whatever ``n``).
SIMULATION_CHUNK_VALUES = 2_000_000
_INCREASE = {"must-have": 4, "should-have": 3, "wants-to-have": 2, "nice-to-have": 1, "must-not-have": NEVER}
_DECREASE = {"must-not-have": 4, "nice-to-have": 3, "wants-to-have": 2, "should-have": 1, "must-have": NEVER}


def canonical_tier(name: str) -> str:
    """``name`` in gaikit's spelling: Victoria 3's script spelling ``should_have`` becomes ``should-have``.

    Both spellings of the five tiers are accepted wherever a tier is named;
    anything else is returned unchanged (and rejected by whoever checks it).
    """
    if not isinstance(name, str):  # a list or mapping where a tier belongs: the schema rejects it
        return name
    spelled = name.replace("_", "-")
    return spelled if spelled in _INCREASE else name


def tier_rank(name: str, direction: str = "increase") -> int:
    """Rank of tier ``name`` for a decision that increases or decreases something.

    Increasing: must-have (4) > should-have > wants-to-have > nice-to-have (1);
    must-not-have is never chosen. Decreasing (what to cut) is the reverse:
    must-not-have is cut first, nice-to-have next, ... and a must-have is
    never cut.
    """
    table = _INCREASE if direction == "increase" else _DECREASE if direction == "decrease" else None
    if table is None:
        raise ValueError(f"direction must be 'increase' or 'decrease', got {direction!r}")
    key = canonical_tier(name)
    if key not in table:
        raise ValueError(f"unknown tier {name!r}; tiers are {', '.join(TIERS)} (or with underscores)")
    return table[key]


def _check(randomness: Any, distribution: str) -> None:
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
    r = np.asarray(randomness, dtype=np.float64)
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError(f"randomness must be finite and >= 0, got {randomness!r}")


def multipliers(
    shape: tuple[int, ...], randomness: float | np.ndarray, rng: np.random.Generator, distribution: str = "uniform"
) -> np.ndarray:
    """Random multipliers ``M`` of the given shape; a draw is ``X * M``.

    ``randomness`` is a scalar or broadcasts against ``shape`` (e.g. ``(D, 1)``
    for one R per decision).
    """
    _check(randomness, distribution)
    return _multipliers(shape, randomness, rng, distribution)


def _multipliers(shape: tuple[int, ...], randomness: Any, rng: np.random.Generator, distribution: str) -> np.ndarray:
    f = 1.0 + (randomness if isinstance(randomness, float) else np.asarray(randomness, dtype=np.float64))
    u = rng.random(shape)
    if distribution == "uniform":
        u *= f - 1.0 / f
        u += 1.0 / f
        return u
    u *= 2.0
    u -= 1.0
    u *= np.log(f)
    return np.exp(u, out=u)


@dataclass
class Choice:
    """The result of a batch of semi-random decisions, with what explains it.

    Arrays are ``(decisions, options)``; ``winners`` is ``(decisions,)``.
    ``low``, ``high``, ``draws`` and ``eligible`` are computed on first use, so
    the hot path pays only for the winners.
    """

    winners: np.ndarray
    base: np.ndarray
    ranks: np.ndarray | None
    randomness: np.ndarray
    distribution: str
    _clean: np.ndarray
    _raw_draws: np.ndarray
    _positive: np.ndarray
    _candidates: np.ndarray | None
    _eligible: np.ndarray | None

    @property
    def low(self) -> np.ndarray:
        """Lower end of each option's range (``X`` itself for non-positive scores)."""
        f = (1.0 + self.randomness)[:, None]
        return np.where(self._clean > 0, self._clean / f, self._clean)

    @property
    def high(self) -> np.ndarray:
        """Upper end of each option's range (``X`` itself for non-positive scores)."""
        f = (1.0 + self.randomness)[:, None]
        with np.errstate(over="ignore"):
            return np.where(self._clean > 0, self._clean * f, self._clean)

    @property
    def eligible(self) -> np.ndarray:
        """Options not masked out and not of a never-chosen tier."""
        return np.ones(self.base.shape, dtype=bool) if self._eligible is None else self._eligible

    @property
    def draws(self) -> np.ndarray:
        """What each option drew: positive candidates of the best tier their draw, a
        last-resort candidate its ``X``, every other option NaN."""
        candidates = self.eligible if self._candidates is None else self._candidates
        last_resort = candidates & ~self._positive.any(axis=1, keepdims=True)
        return np.where(self._positive, self._raw_draws, np.where(last_resort, self._clean, np.nan))

    def explain(self, row: int = 0) -> dict[str, Any]:
        """Per-option base, range, draw, tier rank and eligibility of decision ``row``."""
        low, high, draws, eligible = self.low[row], self.high[row], self.draws[row], self.eligible[row]
        options = []
        for k in range(self.base.shape[1]):
            options.append(
                {
                    "index": k,
                    "base": float(self.base[row, k]),
                    "range": [float(low[k]), float(high[k])],
                    "draw": None if not np.isfinite(draws[k]) else float(draws[k]),
                    "rank": None if self.ranks is None else int(self.ranks[row, k]),
                    "eligible": bool(eligible[k]),
                }
            )
        return {
            "winner": int(self.winners[row]),
            "randomness": float(self.randomness[row]),
            "distribution": self.distribution,
            "options": options,
        }


def choose(
    base: np.ndarray,
    randomness: float | np.ndarray,
    rng: np.random.Generator | None,
    *,
    distribution: str = "uniform",
    ranks: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> Choice:
    """Pick one option per decision: tiers first, then the semi-random draw.

    :param base: ``(D, K)`` base scores (a 1-D array is one decision).
    :param randomness: R, a scalar or one per decision ``(D,)``; 0 is argmax.
    :param rng: the seeded generator (may be ``None`` only when R is all 0).
    :param ranks: ``(D, K)`` integer tier ranks (see :func:`tier_rank`); higher
        wins, negative is never chosen. ``None``: one tier for all.
    :param mask: ``(D, K)`` booleans, ``False`` is never chosen.
    """
    base = np.atleast_2d(np.asarray(base, dtype=np.float64))
    d, k = base.shape
    if np.ndim(randomness) == 0:
        scalar = float(randomness)
        if not (scalar >= 0 and math.isfinite(scalar)) or distribution not in DISTRIBUTIONS:
            _check(scalar, distribution)
        r = np.full(d, scalar)
        r_draw: Any = scalar
        random = scalar > 0
    else:
        r = np.broadcast_to(np.asarray(randomness, dtype=np.float64).reshape(-1), (d,))
        _check(r, distribution)
        r_draw = r[:, None]
        random = bool(np.any(r > 0))
    nan = np.isnan(base)
    clean = np.where(nan, -np.inf, base) if nan.any() else base
    eligible = candidates = None
    if mask is not None:
        eligible = np.atleast_2d(np.asarray(mask, dtype=bool))
    if ranks is not None:
        ranks = np.atleast_2d(np.asarray(ranks))
        if ranks.dtype.kind not in "iu":
            ranks = ranks.astype(np.int64)
        eligible = ranks >= 0 if eligible is None else eligible & (ranks >= 0)
        best = np.where(eligible, ranks, NEVER).max(axis=1, keepdims=True)
        candidates = eligible & (ranks == best)
    else:
        candidates = eligible
    positive = clean > 0
    if candidates is not None:
        positive &= candidates
    if random:
        if rng is None:
            raise ValueError("a random generator is needed when randomness > 0")
        draws = _multipliers((d, k), r_draw, rng, distribution)
        draws *= clean
        key = draws  # in place: only positive entries' draws are ever read back
        np.copyto(key, -np.inf, where=~positive)
    else:
        draws = clean
        key = np.where(positive, draws, -np.inf)
    any_positive = positive.any(axis=1)
    if not any_positive.all():  # last resorts: the highest X of the best tier, no randomness
        rows = ~any_positive
        fallback = clean[rows] if candidates is None else np.where(candidates[rows], clean[rows], -np.inf)
        key[rows] = fallback
    winners = np.argmax(key, axis=1)
    if candidates is not None:
        winners[~candidates.any(axis=1)] = -1
    return Choice(winners, base, ranks, r, distribution, clean, draws, positive, candidates, eligible)


def choose_fast(base: np.ndarray, randomness: float, rng: np.random.Generator, distribution: str = "uniform") -> np.ndarray:
    """Winners only, for all-positive ``(D, K)`` scores without tiers or masks (the hot path).

    Same rule as :func:`choose`; non-positive scores fall back to it.
    """
    base = np.asarray(base, dtype=np.float64)
    if not np.all(base > 0):
        return choose(base, randomness, rng, distribution=distribution).winners
    if randomness == 0:
        return np.argmax(base, axis=-1)
    draws = multipliers(base.shape, randomness, rng, distribution)
    draws *= base
    return np.argmax(draws, axis=-1)


def pairwise_win_probability(x: float, y: float, randomness: float, distribution: str = "uniform") -> float:
    """Closed-form probability that an option scored ``x`` beats one scored ``y`` (both > 0).

    With ``S ~ U(a1, b1)`` and ``T ~ U(a2, b2)`` (in log space for
    ``log-uniform``), ``P(S > T) = (G(b1) - G(a1)) / (b1 - a1)`` where ``G`` is
    the antiderivative of T's CDF: 0 below a2, ``(s-a2)^2 / (2 (b2-a2))`` inside,
    ``(b2-a2)/2 + (s-b2)`` above.
    """
    _check(randomness, distribution)
    if x <= 0 or y <= 0:
        raise ValueError("pairwise_win_probability needs positive scores")
    if randomness == 0:
        return 1.0 if x > y else 0.0
    (a1, b1), (a2, b2) = _interval(x, randomness, distribution), _interval(y, randomness, distribution)
    w2 = b2 - a2

    def g(s: float) -> float:
        if s <= a2:
            return 0.0
        if s <= b2:
            return (s - a2) ** 2 / (2.0 * w2)
        return w2 / 2.0 + (s - b2)

    return (g(b1) - g(a1)) / (b1 - a1)


def _interval(x: float, randomness: float, distribution: str) -> tuple[float, float]:
    f = 1.0 + randomness
    if distribution == "uniform":
        return x / f, x * f
    return float(np.log(x) - np.log(f)), float(np.log(x) + np.log(f))


def win_probabilities(
    base: np.ndarray,
    randomness: float,
    distribution: str = "uniform",
    *,
    ranks: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Exact probability that each option of one decision wins.

    Applies the same tier, mask and non-positive rules as :func:`choose`. For
    the positive candidates of the best tier it integrates
    ``P_i = int f_i(s) prod_{j != i} F_j(s) ds`` piecewise between all range
    endpoints; on each piece the integrand is a polynomial of degree < K, so
    Gauss-Legendre quadrature with ``K`` nodes is exact (up to rounding).
    """
    base = np.asarray(base, dtype=np.float64).reshape(-1)
    k = base.size
    _check(randomness, distribution)
    eligible = np.ones(k, dtype=bool) if mask is None else np.asarray(mask, dtype=bool).reshape(-1).copy()
    if ranks is not None:
        ranks = np.asarray(ranks, dtype=np.int64).reshape(-1)
        eligible &= ranks >= 0
        if eligible.any():
            eligible &= ranks == ranks[eligible].max()
    probs = np.zeros(k)
    if not eligible.any():
        return probs
    clean = np.where(np.isnan(base), -np.inf, base)
    positive = eligible & (clean > 0)
    if not positive.any():
        probs[int(np.argmax(np.where(eligible, clean, -np.inf)))] = 1.0
        return probs
    idx = np.flatnonzero(positive)
    values = clean[idx]
    if randomness == 0 or np.isinf(values).any():
        probs[idx[int(np.argmax(values))]] = 1.0
        return probs
    # Both distributions are scale-free: dividing by the largest score keeps the odds and keeps
    # the ranges [x/(1+R), x*(1+R)] and their densities inside float64 for any finite scores.
    probs[idx] = _integrate(values / values.max(), float(randomness), distribution)
    return probs


def _integrate(values: np.ndarray, randomness: float, distribution: str) -> np.ndarray:
    bounds = np.array([_interval(float(v), randomness, distribution) for v in values])
    lo, hi = bounds[:, 0], bounds[:, 1]
    width = hi - lo
    points = np.unique(bounds)
    nodes, weights = np.polynomial.legendre.leggauss(max(2, len(values)))
    out = np.zeros(len(values))
    for t0, t1 in zip(points[:-1], points[1:]):
        s = (t1 - t0) / 2.0 * nodes + (t1 + t0) / 2.0  # quadrature points on the piece
        cdf = np.clip((s[None, :] - lo[:, None]) / width[:, None], 0.0, 1.0)  # (n, q)
        pdf = ((s[None, :] >= lo[:, None]) & (s[None, :] <= hi[:, None])) / width[:, None]
        # prod_{j != i} F_j(s) from prefix and suffix products: O(n q) per piece, not O(n^2 q).
        ones = np.ones((1, s.size))
        before = np.cumprod(np.vstack([ones, cdf[:-1]]), axis=0)
        after = np.cumprod(np.vstack([cdf[1:], ones])[::-1], axis=0)[::-1]
        out += (t1 - t0) / 2.0 * (pdf * before * after) @ weights
    return out


def simulate_win_probabilities(
    base: np.ndarray,
    randomness: float,
    n: int,
    rng: np.random.Generator,
    distribution: str = "uniform",
    *,
    ranks: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    chunk: int = 200_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo win probabilities of one decision over ``n`` draws and their standard errors.

    Draws are made ``chunk`` decisions at a time, fewer with many options, so that at most
    :data:`SIMULATION_CHUNK_VALUES` draws are held at once: memory does not grow with ``n``.
    """
    if n <= 0:
        raise ValueError(f"the number of simulated draws must be > 0, got {n}")
    base = np.asarray(base, dtype=np.float64).reshape(1, -1)
    k = base.shape[1]
    chunk = max(1, min(chunk, SIMULATION_CHUNK_VALUES // max(k, 1)))
    top = np.max(base, initial=0.0)
    if 0.0 < top < np.inf:  # as in win_probabilities: the same odds, draws that cannot overflow
        base = base / top
    counts = np.zeros(k, dtype=np.int64)
    done = 0
    while done < n:
        m = min(chunk, n - done)
        tile_ranks = None if ranks is None else np.broadcast_to(np.asarray(ranks).reshape(1, -1), (m, k))
        tile_mask = None if mask is None else np.broadcast_to(np.asarray(mask).reshape(1, -1), (m, k))
        winners = choose(np.broadcast_to(base, (m, k)), randomness, rng, distribution=distribution, ranks=tile_ranks, mask=tile_mask).winners
        counts += np.bincount(winners[winners >= 0], minlength=k)
        done += m
    p = counts / n
    return p, np.sqrt(p * (1.0 - p) / n)
