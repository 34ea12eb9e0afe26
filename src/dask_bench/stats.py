"""Statistics of repeated timings: summaries, the stopping rule, scaling efficiency.

Kept free of Dask and of the database so that the runner (to decide when to stop
repeating) and the report (to summarise stored timings) share one definition.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st


@dataclass(frozen=True)
class Summary:
    """Summary of the timings of one point (warm-up excluded).

    ``ci_low``/``ci_high`` bound the confidence interval of the mean (Student's t);
    they are NaN with fewer than two timings.
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
        """Half-width of the confidence interval of the mean (NaN when unknown)."""
        return (self.ci_high - self.ci_low) / 2

    @property
    def ci_relative(self) -> float:
        """Half-width of the confidence interval relative to the mean."""
        if self.mean == 0 or math.isnan(self.ci_halfwidth):
            return math.inf
        return self.ci_halfwidth / abs(self.mean)


@functools.lru_cache(maxsize=1024)
def t_critical(confidence: float, df: int) -> float:
    """Two-sided critical value of Student's t (cached: the stopping rule asks every repetition)."""
    return float(_st.t.ppf((1 + confidence) / 2, df))


def summarize(seconds: Sequence[float], confidence: float = 0.95) -> Summary:
    """Summarise timings.

    Parameters
    ----------
    seconds
        One timing per repetition, warm-up excluded; must not be empty.
    confidence
        Confidence level of the interval of the mean.

    Returns
    -------
    Summary
    """
    if not seconds:
        raise ValueError("summarize() needs at least one timing")
    a = np.asarray(seconds, dtype=float)
    n = int(a.size)
    mean = float(a.mean())
    std = float(a.std(ddof=1)) if n > 1 else 0.0
    if n > 1:
        half = t_critical(confidence, n - 1) * std / math.sqrt(n)
        lo, hi = mean - half, mean + half
    else:
        lo = hi = math.nan
    return Summary(
        n=n,
        median=float(np.median(a)),
        mean=mean,
        std=std,
        min=float(a.min()),
        max=float(a.max()),
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
    )


def precise_enough(
    seconds: Sequence[float], *, target: float, min_repeats: int, confidence: float = 0.95
) -> bool:
    """Whether the confidence interval of the mean is within ``target`` of the mean.

    Never true before ``min_repeats`` timings (and never with fewer than two).
    """
    if len(seconds) < max(min_repeats, 2):
        return False
    return summarize(seconds, confidence).ci_relative <= target


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


#: The throughput unit reported for each suite.
SUITE_UNITS: dict[str, str] = {"tasks": "tasks/s", "arrays": "MB/s", "dataframes": "MB/s"}


def throughput(suite: str, seconds: float, nbytes: int | None, ntasks: int | None) -> float:
    """Work per second: tasks/s for the ``tasks`` suite, MB/s (10^6 bytes) otherwise.

    NaN when the time or the amount of work is unknown (e.g. an interrupted point).
    """
    work = ntasks if suite == "tasks" else nbytes
    if not seconds or math.isnan(seconds) or work is None:
        return math.nan
    return work / seconds if suite == "tasks" else work / seconds / 1e6
