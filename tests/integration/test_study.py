"""Real studies on a real LocalCluster, through the Python API."""

from __future__ import annotations

import json

import pytest

from dask_bench.errors import WrongResult
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.store import Store, point_summaries
from dask_bench.workloads import Trial, unregister, workload

from .helpers import query, tiny_study


@pytest.fixture(scope="module")
def weak_run(tmp_path_factory):
    db = tmp_path_factory.mktemp("weak") / "r.db"
    result = run_study(build_study(tiny_study(db)))
    return db, result


def test_weak_study_completes_and_stores_every_point(weak_run):
    db, result = weak_run
    assert result.status == "complete" and result.failed_points == 0
    assert query(db, "select name, status, mode, backend from runs") == [
        ("tiny", "complete", "weak", "local")
    ]
    points = query(db, "select workload, workers, units, chunks, status from points order by id")
    assert points == [
        ("map-tiny", 1, 1, 2, "ok"),
        ("map-sleep", 1, 1, 2, "ok"),
        ("map-tiny", 2, 2, 4, "ok"),
        ("map-sleep", 2, 2, 4, "ok"),
    ]


def test_warmup_is_stored_flagged_and_repetitions_respect_bounds(weak_run):
    db, _ = weak_run
    rows = query(
        db, "select point_id, sum(warmup), sum(1 - warmup) from measurements group by point_id"
    )
    assert len(rows) == 4
    for point_id, warm, timed in rows:
        assert 1 <= warm <= 5  # measurement.warmup .. max_warmup
        assert 3 <= timed <= 6
        seconds = [
            s
            for (s,) in query(
                db, "select seconds from measurements where point_id = ? order by id", point_id
            )
        ]
        warmups, first_timed = seconds[:warm], seconds[warm]
        # a further warm-up was taken only while a repetition was >10 % faster than all before
        for i in range(1, warm):
            assert warmups[i] < 0.9 * min(warmups[:i]), (point_id, seconds)
        assert warm == 5 or first_timed >= 0.9 * min(warmups), (point_id, seconds)
    assert query(db, "select count(*) from measurements where ok = 0 or seconds <= 0") == [(0,)]


def test_scale_events_record_arrival_times(weak_run):
    db, _ = weak_run
    events = query(
        db,
        "select requested, previous, time_to_first, time_to_all, ok from scale_events order by id",
    )
    assert [(e[0], e[1], e[4]) for e in events] == [(1, 0, 1), (2, 1, 1)]
    for _, _, first, all_, _ in events:
        assert 0 < first <= all_ < 60


def test_provenance_has_versions_everywhere(weak_run):
    db, _ = weak_run
    (env_text,) = query(db, "select environment from runs")[0]
    env = json.loads(env_text)
    assert env["host"]["cores"] >= 1 and env["host"]["memory_bytes"] > 0
    versions = env["versions"]
    assert len(versions["workers"]) == 2  # both workers seen over the sweep
    for node in [versions["client"], versions["scheduler"], *versions["workers"].values()]:
        for pkg in ("python", "dask", "distributed", "numpy", "pandas", "dask_bench"):
            assert node[pkg], pkg
    assert env["version_mismatches"] == []
    assert env["deployment"]["layout"] == {"threads_per_worker": 1, "memory_per_worker": 2**30}
    assert "PATH" not in env_text and "HOME" not in env_text


def test_sleep_workload_weak_efficiency_is_near_ideal(weak_run):
    db, result = weak_run
    store = Store(str(db))
    frame = point_summaries(store, store.run(result.run_id)).set_index(["workload", "units"])
    store.close()
    # each unit sleeps 2 x 50 ms at every size, so the ideal efficiency is 1
    assert frame.loc[("map-sleep", 1), "median"] == pytest.approx(0.1, rel=0.5)
    assert 0.75 < frame.loc[("map-sleep", 2), "efficiency"] < 1.15
    assert frame.loc[("map-sleep", 1), "efficiency"] == 1.0


def test_strong_scaling_keeps_the_problem_fixed(tmp_path):
    db = tmp_path / "s.db"
    spec = tiny_study(db, mode="strong")
    spec["suites"]["tasks"]["workloads"] = ["map-sleep"]
    result = run_study(build_study(spec))
    assert result.status == "complete"
    assert query(db, "select units, chunks from points order by id") == [(1, 4), (2, 4)]
    store = Store(str(db))
    frame = point_summaries(store, store.run()).set_index("units")
    store.close()
    # 4 sleeps of 50 ms: 0.2 s on one unit, 0.1 s on two
    assert 1.5 < frame.loc[2, "speedup"] < 2.3


@pytest.fixture
def faulty_workloads():
    @workload("tasks", "test-wrong", "returns a wrong sum")
    def wrong(ctx):
        def run():
            return ctx.compute(*[ctx.client.submit(sum, [1, 2], pure=False)])

        def check(result):
            if result != 4:
                raise WrongResult(f"expected 4, got {result}")

        return Trial(run=run, check=check, nbytes=0, ntasks=1)

    @workload("tasks", "test-raises", "raises on the workers")
    def raises(ctx):
        def run():
            return ctx.client.submit(divmod, 1, 0, pure=False).result()

        return Trial(run=run, check=lambda r: None, nbytes=0, ntasks=1)

    @workload("tasks", "test-slow", "sleeps past the repetition timeout")
    def slow(ctx):
        import time

        def run():
            fut = ctx.client.submit(time.sleep, 10, pure=False)
            ctx.wait([fut])
            return fut

        return Trial(run=run, check=lambda r: None, nbytes=0, ntasks=1)

    @workload("tasks", "test-slow-prep", "prepares input for longer than the timeout")
    def slow_prep(ctx):
        import time

        ctx.wait([ctx.client.submit(time.sleep, 10, pure=False)])
        raise AssertionError("unreachable: the wait above times out")

    yield
    for name in ("test-wrong", "test-raises", "test-slow", "test-slow-prep"):
        unregister(f"tasks/{name}")


def test_failures_are_stored_and_the_study_goes_on(tmp_path, faulty_workloads):
    db = tmp_path / "f.db"
    spec = tiny_study(db)
    spec["deployment"]["workers"] = [1]
    spec["suites"]["tasks"].update(
        workloads=["test-wrong", "test-raises", "test-slow", "test-slow-prep", "map-tiny"],
        options={},
    )
    # long enough that map-tiny's first repetitions on freshly restarted workers fit
    spec["measurement"]["repetition_timeout"] = 4.0
    result = run_study(build_study(spec))
    rows = dict((w, (s, e)) for w, s, e in query(db, "select workload, status, error from points"))
    assert result.status == "complete" and result.failed_points == 4, rows
    assert rows["test-wrong"] == ("failed", "warm-up: wrong result: expected 4, got 3")
    assert rows["test-raises"][0] == "failed"
    assert "ZeroDivisionError" in rows["test-raises"][1]
    assert rows["test-slow"] == (
        "failed",
        "warm-up: timeout: repetition exceeded its timeout of 4.0 s; workers restarted",
    )
    assert rows["test-slow-prep"] == (
        "failed",
        "preparation failed: RepetitionTimeout: repetition exceeded its timeout of 4.0 s; "
        "workers restarted",
    )
    assert rows["map-tiny"] == ("ok", None)
    # map-tiny ran on workers freed from the timed-out task; the failed repetitions are stored
    assert query(db, "select count(*) from measurements where ok = 0") == [(3,)]
