import math

import numpy as np
import pytest

from dask_bench.stats import (
    efficiency,
    efficiency_ci,
    median_ci,
    median_ci_ranks,
    precise_enough,
    ratio_ci,
    summarize,
    throughput,
)


def test_median_interval_is_the_binomial_order_statistic_interval():
    # n = 10 at 95 %: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so the
    # interval runs from the 2nd to the 9th smallest timing
    data = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 10.0, 4.0, 8.0, 6.0]
    s = summarize(data)
    assert s.n == 10 and s.median == 5.5 and s.mean == 5.5 and s.min == 1 and s.max == 10
    assert (s.ci_low, s.ci_high) == (2.0, 9.0)
    assert s.ci_relative == pytest.approx(3.5 / 5.5)
    assert s.std == pytest.approx(math.sqrt(sum((x - 5.5) ** 2 for x in data) / 9))


def test_interval_is_asymmetric_where_the_data_are_and_never_leaves_them():
    skewed = [1.0] * 10 + [1.01, 1.02, 5.0, 6.0, 7.0]
    s = summarize(skewed)
    assert s.ci_low == 1.0 and s.ci_high > s.median and s.median - s.ci_low == 0.0
    assert min(skewed) <= s.ci_low <= s.median <= s.ci_high <= max(skewed)


def test_the_interval_needs_six_timings_at_95_percent():
    assert median_ci_ranks(5, 0.95) is None and median_ci_ranks(6, 0.95) == (0, 5)
    assert all(math.isnan(v) for v in median_ci([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert summarize([2.0]).ci_relative == math.inf


def test_wider_confidence_gives_wider_interval():
    data = [1.0, 1.2, 0.9, 1.1, 1.05, 0.95, 1.3, 0.8, 1.15, 0.85, 1.0, 1.02]
    assert summarize(data, 0.99).ci_halfwidth > summarize(data, 0.8).ci_halfwidth


def test_summarize_rejects_empty():
    with pytest.raises(ValueError):
        summarize([])


def test_precise_enough_respects_minimum_and_target():
    steady = [1.0] * 6
    assert not precise_enough(steady[:5], target=0.05, min_repeats=3)  # no interval yet
    assert precise_enough(steady, target=0.05, min_repeats=3)
    assert not precise_enough(steady, target=0.05, min_repeats=8)
    noisy = [1.0, 2.0, 0.5, 1.7, 1.1, 0.6]
    assert not precise_enough(noisy, target=0.05, min_repeats=3)
    assert precise_enough(noisy, target=10.0, min_repeats=3)


def test_ratio_interval_covers_the_ratio_of_medians_and_is_reproducible():
    base = [2.0, 2.1, 1.9, 2.05, 1.95, 2.0, 2.02, 1.98]
    other = [1.0, 1.05, 0.95, 1.02, 0.98, 1.0, 1.01, 0.99]
    low, high = ratio_ci(base, other)
    assert low < 2.0 < high and high - low < 0.3
    assert ratio_ci(base, other) == (low, high)
    assert all(math.isnan(v) for v in ratio_ci([1.0], other))


def test_efficiency_interval_scales_like_the_efficiency():
    base = [2.0, 2.1, 1.9, 2.05, 1.95, 2.0]
    half = [1.0, 1.05, 0.95, 1.02, 0.98, 1.0]
    (s_lo, s_hi), (e_lo, e_hi) = efficiency_ci(1, base, 4, half, "strong")
    assert (
        s_lo <= 2.0 <= s_hi and e_lo == pytest.approx(s_lo / 4) and e_hi == pytest.approx(s_hi / 4)
    )
    (s_lo, s_hi), (e_lo, e_hi) = efficiency_ci(1, base, 2, base, "weak")
    assert e_lo <= 1.0 <= e_hi and s_lo == pytest.approx(2 * e_lo)


def test_weak_efficiency_is_time_ratio():
    speedup, eff = efficiency(1, 2.0, 4, 2.5, "weak")
    assert eff == pytest.approx(0.8)
    assert speedup == pytest.approx(3.2)


def test_strong_efficiency_is_speedup_over_scale():
    speedup, eff = efficiency(2, 8.0, 8, 4.0, "strong")
    assert speedup == pytest.approx(2.0)
    assert eff == pytest.approx(0.5)


def test_efficiency_rejects_unknown_mode_and_handles_zero():
    with pytest.raises(ValueError):
        efficiency(1, 1.0, 2, 1.0, "sideways")
    assert all(math.isnan(v) for v in efficiency(1, 0.0, 2, 1.0, "weak"))


def test_throughput_units():
    assert throughput("tasks", 2.0, None, 100) == 50
    assert throughput("arrays", 0.5, 4_000_000, None) == 8.0
    assert math.isnan(throughput("arrays", float("nan"), 1, 1))
    assert math.isnan(throughput("tasks", 1.0, None, None))  # work unknown, not zero
    assert math.isnan(throughput("arrays", 1.0, None, 5))


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_interval_ranks_are_those_of_scipys_binomial(confidence):
    # counted in integers so that reading results needs no scipy: the same ranks
    from scipy import stats

    alpha = 1 - confidence
    for n in range(400):
        # the smallest k with P(B <= k) > alpha / 2
        k = int(np.argmax(stats.binom.cdf(np.arange(n + 1), n, 0.5) > alpha / 2))
        expected = (k - 1, n - k) if n >= 2 and k >= 1 else None
        assert median_ci_ranks(n, confidence) == expected, n
