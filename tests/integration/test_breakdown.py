"""Where the time goes, measured on a real LocalCluster: spans, metrics, memory."""

from __future__ import annotations

import pytest

from dask_bench import Store, build_study, run_study
from dask_bench.runner.breakdown import CATEGORIES

from .helpers import tiny_study

#: The client times submission + the workers' span + gathering; at one thread the
#: breakdown (the span's thread time) plus the submission time must come within this
#: fraction of the client's wall time.
ADDS_UP = 0.3


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    db = tmp_path_factory.mktemp("breakdown") / "b.db"
    spec = tiny_study(db)
    spec["suites"] = {
        # rechunk moves fresh blocks between workers in every repetition;
        # sin2-cos2 is elementwise arithmetic on local blocks: compute.
        "arrays": {"chunk_size": 1000, "per_unit": 4, "workloads": ["rechunk", "sin2-cos2"]},
        "tasks": {"workloads": ["stencil"], "chunk_size": 10, "per_unit": 2},
        # built with query planning (dask-expr): its graphs still land in the spans
        "dataframes": {"workloads": ["groupby-mean"], "chunk_size": 5000, "per_unit": 2},
    }
    result = run_study(build_study(spec))
    assert result.status == "complete" and result.failed_points == 0
    store = Store(str(db))
    run = store.run(result.run_id)
    out = {}
    for p in run.points:
        timed = [m.seconds for m in p.measurements if m.ok and not m.warmup]
        out[(p.workload, p.units)] = (p, {b.category: b.seconds for b in p.breakdown}, timed)
    yield out
    store.close()


def share(breakdown: dict[str, float], category: str) -> float:
    return breakdown[category] / sum(breakdown.values())


def test_every_point_has_a_complete_breakdown(points):
    for (workload, units), (point, breakdown, timed) in points.items():
        assert set(breakdown) == set(CATEGORIES), workload
        assert all(v >= 0 for v in breakdown.values())
        assert point.metrics_complete is True, (workload, units, point.metrics_note)
        assert point.scheduler_tasks and point.scheduler_tasks > 0
        assert point.tasks_per_second and point.tasks_per_second > 0
        assert point.submit_seconds is not None and 0 <= point.submit_seconds < max(timed)
        assert point.memory_peak and point.memory_mean
        assert 0 < point.memory_mean <= point.memory_peak


@pytest.mark.parametrize("workload", ["rechunk", "stencil"])
def test_transfer_share_grows_from_one_to_two_workers(points, workload):
    _, one, _ = points[(workload, 1)]
    _, two, _ = points[(workload, 2)]
    assert one["transfer"] == 0.0  # one worker: nothing moves between workers
    assert two["transfer"] > 0.0
    assert share(two, "transfer") > share(one, "transfer")


def test_compute_dominates_elementwise_arithmetic(points):
    _, breakdown, _ = points[("sin2-cos2", 1)]
    # thread time inside the tasks (on the CPU or waiting for it on 2 busy cores) dominates
    assert share(breakdown, "compute-cpu") + share(breakdown, "compute-other") > 0.6, breakdown
    others = sum(v for k, v in breakdown.items() if not k.startswith("compute"))
    assert breakdown["compute-cpu"] > others, breakdown


@pytest.mark.parametrize("workload", ["sin2-cos2", "rechunk", "stencil"])
def test_breakdown_adds_up_to_the_measured_time(points, workload):
    point, breakdown, timed = points[(workload, 1)]
    wall = sum(timed) / len(timed)
    accounted = sum(breakdown.values()) + point.submit_seconds
    assert abs(accounted - wall) <= ADDS_UP * wall, (accounted, wall)
