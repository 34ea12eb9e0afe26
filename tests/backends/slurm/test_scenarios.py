"""The worker-loss scenario on the real Slurm test bed: a worker's job ends by ``scancel``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dask_bench import build_study, run_study
from tests.integration.helpers import query, run_tag

from .helpers import job_ids, wait_gone
from .test_slurm import slurm_study

pytestmark = pytest.mark.slurm


def _loss_study(folder: Path, db: Path, **scenario) -> dict:
    spec = slurm_study(folder, db, [2])
    spec["suites"] = {}
    spec["scenarios"] = {
        "lose-a-job": {
            "kind": "worker-loss",
            "workload": "tasks/map-sleep",
            "workers": 2,
            "repeats": 2,
            "chunks": 12,
            "options": {"sleep_seconds": 0.2},
            **scenario,
        }
    }
    return spec


def _events(db: Path) -> list[tuple[bool, bool | None, dict]]:
    rows = query(db, "select ok, correct, figures from scenario_repetitions where role = 'event'")
    return [(bool(ok), correct, json.loads(f)) for ok, correct, f in rows]


def test_scancel_of_a_worker_s_job_is_recovered_and_measured(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    result = run_study(build_study(_loss_study(tmp_path, db)))
    assert (result.status, result.failed_points) == ("complete", 0)
    assert query(db, "select status from scenarios") == [("ok",)]
    events = _events(db)
    assert len(events) == 2
    for ok, correct, f in events:
        assert ok and correct, f
        assert f["happened"] and f["how"].startswith("scancel of job(s) ")
        assert "1 worker(s)" in f["how"]
        assert f["detected_after"] is not None and 0 <= f["detected_after"] < 30
        assert f["recomputed"] >= 1 and f["lost"] >= 1
        # a new job was submitted after the pair, and its worker arrived from the queue
        assert f["restored_after"] > 0
    # three jobs per pair at most ever ran; closing cancelled every one of them
    assert wait_gone(job_ids(run_tag(db, result.run_id)), within=30) == []


def test_a_resubmitted_job_arrives_through_the_queue(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    spec = _loss_study(tmp_path, db, replace=True, at_seconds=0.5, chunks=20)
    result = run_study(build_study(spec))
    assert result.status == "complete"
    for ok, correct, f in _events(db):
        assert ok and correct
        assert "replacement job(s) submitted at once" in f["how"]
        arrived = f["replaced_after"] if f["replaced_after"] is not None else f["restored_after"]
        assert arrived is not None and arrived > 0


def test_a_scale_up_waits_for_its_job_in_the_queue(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    spec = slurm_study(tmp_path, db, [1])
    spec["suites"] = {}
    spec["scenarios"] = {
        "grow": {
            "kind": "scale-up",
            "workload": "tasks/map-sleep",
            "workers": 1,
            "add": 1,
            "at_seconds": 0.2,
            "repeats": 2,
            "chunks": 20,
            "options": {"sleep_seconds": 0.2},
        }
    }
    result = run_study(build_study(spec))
    assert (result.status, result.failed_points) == ("complete", 0)
    for ok, correct, f in _events(db):
        assert ok and correct and f["happened"]
        # the new worker's job went through Slurm's queue: its wait is part of the ramp
        assert f["queue_seconds"] is not None and f["queue_seconds"] >= 0
        (job,) = f["jobs"]
        assert job["workers"] == 1 and job["job_id"]
        assert f["all_arrived_after"] >= f["queue_seconds"]
    assert wait_gone(job_ids(run_tag(db, result.run_id)), within=30) == []


def test_adaptive_scaling_waits_for_slurm_s_queue(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    spec = slurm_study(tmp_path, db, [1])
    spec["suites"] = {}
    spec["scenarios"] = {
        "burst": {
            "kind": "adaptive",
            "workload": "tasks/map-sleep",
            "workers": 2,
            "minimum": 1,
            "maximum": 2,
            "adapt": {"interval": "250ms", "wait_count": 2, "target_duration": "0.5s"},
            "idle": 2,
            "repeats": 2,
            "chunks": 40,
            "options": {"sleep_seconds": 0.2},
        }
    }
    result = run_study(build_study(spec))
    assert (result.status, result.failed_points) == ("complete", 0)
    for ok, correct, f in _events(db):
        assert ok and correct and f["peak_workers"] == 2
        # the second worker came as a new job through Slurm's queue
        assert f["queue_seconds"] is not None and f["queue_seconds"] >= 0
        assert f["ramp_90"] is not None and f["ramp_90"] > 0
    assert wait_gone(job_ids(run_tag(db, result.run_id)), within=30) == []
