"""The duration a study is expected to take, from its measurement settings."""

from __future__ import annotations

from dask_bench.runner.checks import build_study
from dask_bench.runner.estimate import estimate_duration, estimate_runs
from dask_bench.runner.plan import plan_study


def study(**measurement: object) -> dict[str, object]:
    return {
        "deployment": {"workers": [1, 2]},
        "suites": {"tasks": {"workloads": ["map-tiny", "chain"]}},
        "measurement": {"hardware_baseline": False, **measurement},
    }


def test_range_follows_the_settings() -> None:
    plan = plan_study(build_study(study()))
    est = estimate_duration(plan)
    s = plan.study.measurement
    # 4 points: at least warm-up + min_repeats repetitions of min_repetition_seconds each
    assert est.low >= 4 * (s.warmup + s.min_repeats) * s.min_repetition_seconds
    # at most each point's budget, plus its warm-ups and calibration
    assert est.low < est.high <= 4 * (s.point_budget + 10 * s.min_repetition_seconds) + 10
    assert not est.capped
    longer = estimate_duration(plan_study(build_study(study(point_budget=60))))
    assert longer.high > est.high and longer.low == est.low


def test_a_time_budget_caps_the_estimate_and_says_so() -> None:
    est = estimate_duration(plan_study(build_study(study(time_budget="10s"))))
    assert est.capped and est.high <= 10 + 10  # budget + the sizes' scaling
    assert "time_budget" in est.text()


def test_variants_add_up_and_text_reads_well() -> None:
    plan = plan_study(build_study(study()))
    one = estimate_duration(plan)
    two = estimate_runs([plan, plan])
    assert (two.low, two.high) == (2 * one.low, 2 * one.high)
    assert one.text().startswith("about ")
    assert " s" in one.text() or "min" in one.text()


def test_a_graph_of_a_million_tasks_takes_about_a_millisecond_a_task() -> None:
    spec = {
        "mode": "strong",
        "deployment": {"workers": [2]},
        "suites": {"scheduler": {"workloads": ["map"], "chunk_size": 1_000_000, "total": 1}},
        "measurement": {"hardware_baseline": False, "warmup": 0, "min_repeats": 2},
    }
    est = estimate_duration(plan_study(build_study(spec)))
    # two repetitions of 1,010,101 tasks (leaves and their tree) at 1 ms, no calibration
    assert 2 * 1010 <= est.low <= 2 * 1010 + 10
    small = {**spec, "suites": {"scheduler": {"workloads": ["map"], "chunk_size": 10}}}
    est = estimate_duration(plan_study(build_study(small)))
    assert est.low < 10  # tiny graphs last the shortest repetition worth timing
