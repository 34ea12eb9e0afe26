"""Statistics of repeated timings: summaries, the stopping rule, scaling efficiency.

Kept free of Dask and of the database so that the runner (to decide when to stop
repeating) and the report (to summarise stored timings) share one definition.

What is shown is the **median** with a distribution-free confidence interval from
order statistics (the exact binomial interval of a quantile, as in
``scipy.stats.quantile_test``): it holds whatever the timings' distribution, is
asymmetric where the data are, and never leaves the range of the observed
timings, so it can never reach below zero. The stopping rule uses the very same
interval. Mean and standard deviation are kept for those who want them.
Ratios of medians (speedup, efficiency) get a bootstrap interval.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from dask_bench._defaults import DEFAULT_CONFIDENCE

_FloatArray = npt.NDArray[np.float64]

#: Resamples of the bootstrap interval of a ratio of medians.
BOOTSTRAP_RESAMPLES = 2000
#: Fixed seed of the bootstrap, so a report shows the same interval every time.
BOOTSTRAP_SEED = 20170101


@dataclass(frozen=True)
class Summary:
    """Summary of the timings of one point (warm-ups and disturbed repetitions excluded).

    ``ci_low``/``ci_high`` bound the distribution-free confidence interval of the
    **median**; they are NaN while too few timings exist for the confidence asked
    (at 95 %, six).
    """

    n: int
    median: float
    mean: float
    std: float
    min: float
    max: float
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def ci_halfwidth(self) -> float:
        """Half the width of the interval of the median (NaN when unknown)."""
        return (self.ci_high - self.ci_low) / 2

    @property
    def ci_relative(self) -> float:
        """Half the width of the interval relative to the median (inf when unknown)."""
        if self.median == 0 or math.isnan(self.ci_halfwidth):
            return math.inf
        return self.ci_halfwidth / abs(self.median)


@functools.lru_cache(maxsize=4096)
def median_ci_ranks(n: int, confidence: float) -> tuple[int, int] | None:
    """0-based ranks ``(lo, hi)`` of the sorted timings that bound the median's interval.

    The interval ``[x(lo), x(hi)]`` covers the true median with probability at least
    ``confidence`` for any continuous distribution: the number of timings below the
    median is Binomial(n, 1/2). None when no such interval exists (too few timings).
    """
    if n < 2:
        return None
    # the smallest k with P(B <= k) > alpha / 2, B ~ Binomial(n, 1/2); counted exactly in
    # integers (P(B <= k) = sum of C(n, i) over i <= k, / 2**n) so that reading results
    # needs no scipy, which alone takes seconds to import
    bound = Fraction(1.0 - confidence) / 2 * 2**n
    k, term, below = 0, 1, 1  # term = C(n, k), below = P(B <= k) * 2**n
    while below <= bound and k < n:
        k += 1
        term = term * (n - k + 1) // k
        below += term
    if k < 1:
        return None
    return k - 1, n - k


def median_ci(
    seconds: Sequence[float], confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Distribution-free confidence interval of the median; NaNs with too few timings."""
    ranks = median_ci_ranks(len(seconds), confidence)
    if ranks is None:
        return math.nan, math.nan
    ordered = sorted(seconds)
    return float(ordered[ranks[0]]), float(ordered[ranks[1]])


def summarize(seconds: Sequence[float], confidence: float = DEFAULT_CONFIDENCE) -> Summary:
    """Summarise timings.

    Parameters
    ----------
    seconds
        One timing per repetition, warm-ups excluded; must not be empty.
    confidence
        Confidence level of the interval of the median.

    Returns
    -------
    Summary
    """
    if not seconds:
        raise ValueError("summarize() needs at least one timing")
    a = np.asarray(seconds, dtype=float)
    lo, hi = median_ci(a.tolist(), confidence)
    return Summary(
        n=int(a.size),
        median=float(np.median(a)),
        mean=float(a.mean()),
        std=float(a.std(ddof=1)) if a.size > 1 else 0.0,
        min=float(a.min()),
        max=float(a.max()),
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
    )


def relative_halfwidth(seconds: Sequence[float], confidence: float = DEFAULT_CONFIDENCE) -> float:
    """Half-width of the median's interval relative to the median; inf while unknown.

    The runner calls this after every repetition, so it avoids building a Summary.
    """
    ranks = median_ci_ranks(len(seconds), confidence)
    if ranks is None:
        return math.inf
    ordered = sorted(seconds)
    median = float(np.median(ordered))
    if median <= 0:
        return math.inf
    return (ordered[ranks[1]] - ordered[ranks[0]]) / 2 / median


def precise_enough(
    seconds: Sequence[float],
    *,
    target: float,
    min_repeats: int,
    confidence: float = DEFAULT_CONFIDENCE,
) -> bool:
    """Whether the median's interval is within ``target`` of the median.

    Never true before ``min_repeats`` timings, nor before the interval exists.
    """
    if len(seconds) < max(min_repeats, 2):
        return False
    return relative_halfwidth(seconds, confidence) <= target


def efficiency(
    base_units: int, base_time: float, units: int, time: float, mode: str
) -> tuple[float, float]:
    """Speedup and parallel efficiency of a point relative to the base point.

    Parameters
    ----------
    base_units, base_time
        Processing units and (median) time of the smallest point.
    units, time
        Processing units and (median) time of this point.
    mode
        ``"weak"``: the problem grows with the units, so the ideal time is constant
        and efficiency is ``T(base) / T(n)``; the returned speedup is the scaled
        speedup ``efficiency * n / base``.
        ``"strong"``: the problem is fixed; speedup ``S = T(base) / T(n)`` and
        efficiency ``S / (n / base)``.

    Returns
    -------
    (speedup, efficiency)
    """
    if time <= 0 or base_time <= 0:
        return math.nan, math.nan
    ratio = base_time / time
    scale = units / base_units
    if mode == "weak":
        return ratio * scale, ratio
    if mode == "strong":
        return ratio, ratio / scale
    raise ValueError(f"unknown scaling mode {mode!r}; expected 'weak' or 'strong'")


def ratio_ci(
    base: Sequence[float], other: Sequence[float], confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Bootstrap (percentile) interval of ``median(base) / median(other)``.

    Each sample is resampled on its own (they are independent repetitions). NaNs
    when either sample has fewer than two timings. The seed is fixed, so the same
    stored timings always give the same interval.
    """
    if len(base) < 2 or len(other) < 2:
        return math.nan, math.nan
    a = np.asarray(base, dtype=float)
    b = np.asarray(other, dtype=float)
    if np.all(a == a[0]) and np.all(b == b[0]):
        value = float(a[0] / b[0]) if b[0] else math.nan
        return value, value
    return percentile_interval(
        b, a, confidence=confidence, n_resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED
    )


def _resampled_medians(sample: _FloatArray, picks: npt.NDArray[np.int64]) -> _FloatArray:
    """The median of each resample ``sample[picks[i]]``, via the ranks of the sample.

    Sorting small integer ranks is several times quicker than partitioning the
    resampled values, and gives the same medians: the sample's sorted values are
    monotone in its ranks.
    """
    n = len(sample)
    order = np.argsort(sample, kind="stable")
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    ordered = sample[order]
    picked = np.sort(ranks[picks], axis=1)
    medians: _FloatArray = (ordered[picked[:, (n - 1) // 2]] + ordered[picked[:, n // 2]]) / 2
    return medians


def percentile_interval(
    a: _FloatArray, b: _FloatArray, *, confidence: float, n_resamples: int, seed: int | list[int]
) -> tuple[float, float]:
    """Percentile bootstrap interval of median(b) / median(a), drawn as plain arrays.

    The same resampling and quantiles as ``scipy.stats.bootstrap(method="percentile")``
    with a generator seeded alike (each sample resampled in turn, then the linear
    quantiles of the ratios), without its validation and dispatch, which cost ten
    times the arithmetic for the small samples of benchmark repetitions.
    """
    rng = np.random.default_rng(seed)
    picks_a = rng.integers(0, len(a), (n_resamples, len(a)))
    picks_b = rng.integers(0, len(b), (n_resamples, len(b)))
    ratios = _resampled_medians(b, picks_b) / _resampled_medians(a, picks_a)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(ratios, [alpha, 1 - alpha])
    return float(low), float(high)


def efficiency_ci(
    base_units: int,
    base: Sequence[float],
    units: int,
    other: Sequence[float],
    mode: str,
    confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Bootstrap intervals of speedup and efficiency: ``((s_low, s_high), (e_low, e_high))``.

    Both are the interval of ``T(base) / T(n)`` scaled as in :func:`efficiency`.
    """
    low, high = ratio_ci(base, other, confidence)
    scale = units / base_units
    if mode == "weak":
        return (low * scale, high * scale), (low, high)
    if mode == "strong":
        return (low, high), (low / scale, high / scale)
    raise ValueError(f"unknown scaling mode {mode!r}; expected 'weak' or 'strong'")


#: The throughput unit reported for each suite.


def throughput(
    suite: str, seconds: float, nbytes: int | None, ntasks: int | None, unit: str | None = None
) -> float:
    """Work per second: tasks/s for the ``tasks`` suite, MB/s (10^6 bytes) otherwise.

    With the suite's ``unit`` (from the catalogue, which this floor cannot read), any
    suite whose unit is ``tasks/s`` counts tasks. NaN when the time or the amount of
    work is unknown (e.g. an interrupted point).
    """
    tasks = unit == "tasks/s" if unit is not None else suite == "tasks"
    work = ntasks if tasks else nbytes
    if not seconds or math.isnan(seconds) or work is None:
        return math.nan
    return work / seconds if tasks else work / seconds / 1e6
