import math

import pytest

from dask_bench.stats import efficiency, precise_enough, summarize, throughput


def test_summary_matches_textbook_t_interval():
    # mean 3, sample sd sqrt(2.5), t(0.975, df=4) = 2.7764451
    s = summarize([1, 2, 3, 4, 5])
    assert s.n == 5 and s.median == 3 and s.mean == 3 and s.min == 1 and s.max == 5
    assert s.std == pytest.approx(math.sqrt(2.5))
    half = 2.7764451 * math.sqrt(2.5) / math.sqrt(5)
    assert s.ci_low == pytest.approx(3 - half, rel=1e-6)
    assert s.ci_high == pytest.approx(3 + half, rel=1e-6)
    assert s.ci_relative == pytest.approx(half / 3, rel=1e-6)


def test_wider_confidence_gives_wider_interval():
    data = [1.0, 1.2, 0.9, 1.1]
    assert summarize(data, 0.99).ci_halfwidth > summarize(data, 0.9).ci_halfwidth


def test_single_timing_has_no_interval():
    s = summarize([2.0])
    assert math.isnan(s.ci_low) and s.ci_relative == math.inf


def test_summarize_rejects_empty():
    with pytest.raises(ValueError):
        summarize([])


def test_precise_enough_respects_minimum_and_target():
    steady = [1.0, 1.0, 1.0]
    assert not precise_enough(steady[:2], target=0.05, min_repeats=3)
    assert precise_enough(steady, target=0.05, min_repeats=3)
    noisy = [1.0, 2.0, 0.5, 1.7]
    assert not precise_enough(noisy, target=0.05, min_repeats=3)
    assert precise_enough(noisy, target=10.0, min_repeats=3)


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
