"""The harness's accounting and extrapolation: arithmetic only (timings are the benchmark's)."""

from __future__ import annotations

import pytest

from dask_bench.runner.harness import HarnessClock, extrapolate, fit_linear


def test_fit_linear_recovers_fixed_and_per_unit_costs() -> None:
    fixed, per = fit_linear([(4, 0.5 + 4 * 0.01), (64, 0.5 + 64 * 0.01), (16, 0.5 + 16 * 0.01)])
    assert fixed == pytest.approx(0.5) and per == pytest.approx(0.01)


def test_fit_linear_never_gives_a_negative_cost_per_unit() -> None:
    fixed, per = fit_linear([(4, 1.0), (64, 0.9)])
    assert per == 0.0 and fixed == pytest.approx(0.95)


def test_fit_linear_needs_two_sizes() -> None:
    with pytest.raises(ValueError, match="two different"):
        fit_linear([(4, 1.0), (4, 2.0)])


def test_extrapolate_adds_fixed_per_worker_and_per_task_costs() -> None:
    seconds = extrapolate(0.2, 0.01, 1e-6, workers=1000, tasks=1_000_000)
    assert seconds == pytest.approx(0.2 + 10.0 + 1.0)


def test_clock_keeps_workload_and_preparation_out_of_the_harness() -> None:
    clock = HarnessClock(started=0.0)
    clock.repetition(2.0)
    clock.repetition(None)  # failed before its timing: no workload seconds
    clock.prepare = 1.0
    with clock.section("between"):
        pass
    clock.started -= 10.0  # as if the size had begun 10 s before the clock's creation
    figures = clock.figures(workers=8, points=2, after_scale=0.5)
    assert figures["repetitions"] == 2 and figures["workload_seconds"] == 2.0
    assert figures["harness_seconds"] == pytest.approx(figures["wall_seconds"] - 3.0, abs=1e-3)
    assert figures["per_point_seconds"] == pytest.approx(
        (figures["harness_seconds"] + 0.5) / 2, abs=1e-3
    )
    assert "between_seconds" in figures
