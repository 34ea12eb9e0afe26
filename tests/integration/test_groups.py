"""Worker groups on a real LocalCluster: the pool, where tasks ran, and placement failures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dask_bench.deploy import make_backend
from dask_bench.deploy.scaling import scale_to
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study

from .helpers import dask_bench, query

pytestmark = pytest.mark.integration

GROUPS = {
    "small": {},
    "big": {
        "workers": 1,
        "threads_per_worker": 2,
        "memory_per_worker": "768MiB",
        "resources": {"BIGMEM": 1},
    },
}


def grouped(
    db: Path, groups: dict | None = None, workers: tuple[int, ...] = (1, 2), **pipeline_options
) -> dict:
    deployment = {"workers": list(workers), "memory_per_worker": "512MiB"}
    if groups is not None:
        deployment["groups"] = groups
    return {
        "name": "groups",
        "deployment": deployment,
        "suites": {
            "resources": {"chunk_size": 2000, "per_unit": 2, "options": pipeline_options},
        },
        "measurement": {
            "min_repeats": 2,
            "max_repeats": 2,
            "warmup": 0,
            "interleave": False,
            "hardware_baseline": False,
        },
        "database": str(db),
        "report": False,
    }


def test_one_cluster_holds_each_group_with_its_shape_and_resources():
    study = build_study(grouped(Path("unused.db"), GROUPS))
    backend = make_backend(study)
    try:
        client = backend.start()
        for total, small in ((2, 1), (3, 2), (2, 1)):
            scale_to(backend, client, total, timeout=60)
            workers = client.scheduler_info(n_workers=-1)["workers"].values()
            shapes = sorted(
                (w["name"], w["nthreads"], w["memory_limit"], w["resources"]) for w in workers
            )
            # the fixed group keeps its worker while the swept group grows and shrinks
            assert shapes == [("big-0", 2, 768 * 2**20, {"BIGMEM": 1.0})] + [
                (f"small-{i}", 1, 512 * 2**20, {}) for i in range(small)
            ]
    finally:
        backend.close()


def test_the_heavy_step_runs_only_where_its_resource_is(tmp_path):
    db = tmp_path / "r.db"
    result = run_study(build_study(grouped(db, GROUPS)))
    rows = query(db, "select workers, units, status, placement from points order by workers")
    assert [r[:3] for r in rows] == [(2, 3, "ok"), (3, 4, "ok")]
    for workers, _, _, placement in rows:
        doc = json.loads(placement)
        assert doc["required"] == {"pipeline_heavy": {"BIGMEM": 1.0}}
        assert doc["violations"] == []
        heavy = doc["groups"]["pipeline_heavy"]
        # 2 timed repetitions of one heavy task per chunk, all on the big worker
        chunks = 2 * (workers + 1)
        assert heavy == {"big": 2 * chunks}
        assert sum(doc["groups"]["pipeline_make"].values()) == 2 * chunks
    layout = json.loads(query(db, "select layout from runs")[0][0])
    assert [g["name"] for g in layout["groups"]] == ["small", "big"]
    shown = dask_bench("show", str(result.run_id), "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert "where tasks ran" in shown.stdout and "small 0, big 12" in shown.stdout
    assert "groups: small (swept, 1 thread" in shown.stdout


def test_tasks_on_workers_lacking_their_resource_fail_the_point(tmp_path):
    db = tmp_path / "r.db"
    # the requirement stays, the annotation is left out: as if an optimisation dropped it
    run_study(build_study(grouped(db, GROUPS, annotate=False)), raise_errors=False)
    rows = query(db, "select workers, status, error, placement from points order by workers")
    assert [r[1] for r in rows] == ["failed", "failed"]
    for _, _, error, placement in rows:
        assert error.startswith("tasks ran on the wrong workers: ")
        assert (
            "'pipeline_heavy' task(s) needing BIGMEM=1 ran on workers without it (small-" in error
        )
        doc = json.loads(placement)
        assert doc["groups"]["pipeline_heavy"].get("small", 0) > 0
        assert doc["violations"] and doc["violations"][0] in error


def test_a_pool_without_the_resource_fails_at_once_and_the_same_work_runs_without_it(tmp_path):
    db = tmp_path / "r.db"
    started = time.monotonic()
    run_study(build_study(grouped(db)), raise_errors=False)
    assert time.monotonic() - started < 120  # failed when prepared: never waited for a worker
    errors = [r[0] for r in query(db, "select error from points")]
    assert len(errors) == 2
    assert all("no worker offers BIGMEM=1" in e and "deployment.groups" in e for e in errors)

    # the same work without the requirement, on a pool of one kind with as many threads
    # (3 and 4 units), compared with the grouped pool
    plain = run_study(build_study(grouped(db, workers=(3, 4), resource="")))
    with_groups = run_study(build_study(grouped(db, GROUPS)))
    assert query(db, "select status from points where run_id = ?", plain.run_id) == [("ok",)] * 2
    compared = dask_bench("compare", str(plain.run_id), str(with_groups.run_id), "--db", str(db))
    assert compared.returncode == 0, compared.stderr
    assert "different worker groups: A one kind of worker; B groups: small" in compared.stdout
