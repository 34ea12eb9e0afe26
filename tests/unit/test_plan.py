import pytest

from dask_bench.runner.checks import build_study
from dask_bench.runner.plan import plan_study, resolve_layout


def study(**kw):
    base = {"deployment": {"workers": [1, 2, 4]}, "suites": {"arrays": {"per_unit": 3}}}
    base.update(kw)
    return build_study(base)


def test_weak_scaling_grows_chunks_with_units():
    plan = plan_study(study(deployment={"workers": [1, 2, 4], "threads_per_worker": 2}))
    assert [s.workers for s in plan.steps] == [1, 2, 4]
    assert [s.units for s in plan.steps] == [2, 4, 8]
    for step in plan.steps:
        assert {p.chunks for p in step.points} == {3 * step.units}


def test_strong_scaling_default_total_is_per_unit_times_largest():
    plan = plan_study(study(mode="strong"))
    assert {p.chunks for p in plan.points} == {3 * 4}


def test_strong_scaling_explicit_total():
    plan = plan_study(study(mode="strong", suites={"arrays": {"total": 7}}))
    assert {p.chunks for p in plan.points} == {7}


def test_workload_selection_and_order():
    plan = plan_study(study(suites={"tasks": {"workloads": ["chain", "map-tiny"]}}))
    assert [p.workload.name for p in plan.steps[0].points] == ["chain", "map-tiny"]
    assert len(plan.points) == 2 * 3


def test_options_are_resolved_per_workload():
    plan = plan_study(study(suites={"tasks": {"options": {"sleep_seconds": 0.25}}}))
    sleep = next(p for p in plan.points if p.workload.name == "map-sleep")
    assert sleep.options["sleep_seconds"] == 0.25
    tiny = next(p for p in plan.points if p.workload.name == "map-tiny")
    assert "sleep_seconds" not in tiny.options


def test_memory_auto_divides_by_largest_worker_count():
    layout = resolve_layout(study(), total_memory=8 * 2**30)
    assert layout.memory_per_worker == 2 * 2**30
    explicit = resolve_layout(study(deployment={"workers": [1], "memory_per_worker": "1.5GiB"}))
    assert explicit.memory_per_worker == int(1.5 * 2**30)


@pytest.mark.parametrize("mode", ["weak", "strong"])
def test_every_point_carries_the_layout(mode):
    plan = plan_study(study(mode=mode, deployment={"workers": [1, 3], "threads_per_worker": 2}))
    assert plan.layout.threads_per_worker == 2
    assert all(p.units == p.workers * 2 for p in plan.points)
