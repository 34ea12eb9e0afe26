"""Two independent samples of timings: bootstrap interval of a ratio, and an effect size.

The interval is a percentile bootstrap by default. BCa corrects for bias and
skewness through a jackknife, but the jackknife is unreliable for the median (a
non-smooth statistic) and yields NaN on the small, tied samples that benchmark
repetitions usually are: with ``method="BCa"`` such samples fall back to the
percentile interval, and the method actually used is returned.
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from dask_bench.stats import percentile_interval

FloatArray = npt.NDArray[np.float64]
Method = Literal["percentile", "BCa"]

FASTER = "faster"
SLOWER = "slower"
SAME = "no significant difference"
#: Too few repetitions for any verdict at the requested confidence.
UNDECIDABLE = "too few repetitions to judge"
#: Upper bounds of |Cliff's delta| for each magnitude label (Romano et al., 2006).
MAGNITUDES = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"))


def _median_ratio(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    # Vectorized over the resamples scipy stacks along the other axes.
    ratio: FloatArray = np.median(b, axis=axis) / np.median(a, axis=axis)
    return ratio


def ratio_interval(
    a: FloatArray,
    b: FloatArray,
    *,
    confidence: float,
    n_resamples: int,
    seed: int | list[int],
    method: Method = "percentile",
) -> tuple[float, float, str]:
    """Bootstrap interval of median(b) / median(a) for two independent samples.

    Returns
    -------
    tuple
        ``(low, high, method used)``; BCa falls back to the percentile interval
        when it cannot be computed (degenerate or tiny samples).
    """

    def interval(kind: str) -> tuple[float, float]:
        with warnings.catch_warnings():
            # Degenerate data warns and yields NaN; the NaN is checked below.
            warnings.simplefilter("ignore")
            res = stats.bootstrap(
                (a, b),
                _median_ratio,
                n_resamples=n_resamples,
                confidence_level=confidence,
                method=kind,
                paired=False,
                vectorized=True,
                random_state=np.random.default_rng(seed),
            )
        return float(res.confidence_interval.low), float(res.confidence_interval.high)

    if method == "BCa":
        low, high = interval("BCa")
        if math.isfinite(low) and math.isfinite(high):
            return low, high, "BCa"
    low, high = percentile_interval(a, b, confidence=confidence, n_resamples=n_resamples, seed=seed)
    return low, high, "percentile"


def _average_ranks(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ranks (1-based, ties get their average) and the size of every group of ties."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(values))).astype(float)
    ranks = np.empty(len(values))
    ranks[order] = (starts + (counts + 1) / 2)[np.cumsum(first) - 1]
    return ranks, counts


def cliffs_delta(a: FloatArray, b: FloatArray) -> tuple[float, float]:
    """Cliff's delta P(B > A) - P(B < A) from Mann-Whitney's U, and the two-sided p-value.

    A negative delta means B's times tend to be smaller than A's (B faster). The
    p-value is ``scipy.stats.mannwhitneyu``'s (method "auto"); where scipy would use
    the normal approximation (both samples above 8, or ties) it is computed here
    with the same formula, without scipy's per-call dispatch.
    """
    n1, n2 = len(b), len(a)
    ranks, ties = _average_ranks(np.concatenate([b, a]))
    if (n1 <= 8 or n2 <= 8) and not (ties > 1).any():  # scipy's exact distribution
        res = stats.mannwhitneyu(b, a, alternative="two-sided")
        return 2.0 * float(res.statistic) / (n1 * n2) - 1.0, float(res.pvalue)
    u1 = float(np.sum(ranks[:n1])) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    spread = math.sqrt(n1 * n2 / 12 * ((n + 1) - float(np.sum(ties**3 - ties)) / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.float64(u - n1 * n2 / 2 - 0.5) / spread  # with continuity correction
    p_value = min(max(2.0 * float(special.ndtr(-z)), 0.0), 1.0)
    return 2.0 * u1 / (n1 * n2) - 1.0, p_value


def effect_label(delta: float) -> str:
    """``negligible``, ``small``, ``medium`` or ``large`` for a Cliff's delta; ``""`` if NaN."""
    if math.isnan(delta):
        return ""
    return next((label for bound, label in MAGNITUDES if abs(delta) < bound), "large")


def verdict_of(
    low: float, high: float, p_value: float, confidence: float, n_a: int, n_b: int
) -> str:
    """B's verdict from the interval of the ratio B/A and the Mann-Whitney p-value.

    ``faster`` needs the whole interval below 1, ``slower`` the whole interval
    above 1, and in both cases the rank test to agree at the same level
    (``p_value < 1 - confidence``). The percentile bootstrap of a median is too
    narrow with very few samples: with 3 repetitions a side it excludes 1 for
    about 11 % of pairs drawn from one distribution, where 5 % are expected at a
    95 % level; the exact rank test cannot be fooled that way. When even the most
    extreme ranking could not reach that level (3 against 3 or 4 repetitions at
    95 %), the verdict is :data:`UNDECIDABLE` rather than "no difference".
    """
    if 2 / math.comb(n_a + n_b, n_a) >= 1 - confidence:
        return UNDECIDABLE
    alpha = 1 - confidence  # 1 - 0.95 is 0.05000000000000004: p = 0.05 must not pass
    if p_value >= alpha or math.isclose(p_value, alpha):
        return SAME
    if high < 1:
        return FASTER
    if low > 1:
        return SLOWER
    return SAME
