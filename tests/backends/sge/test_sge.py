"""The ``sge`` back-end against a real Grid Engine (testbeds/sge: all.q, 4 slots on localhost).

Tiny workloads only: the whole file takes well under a minute and a half on 2 cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dask_bench import build_study, run_study
from dask_bench.errors import DaskBenchError
from tests.integration.helpers import query, run_tag

from .helpers import job_ids, wait_gone

pytestmark = pytest.mark.sge


def sge_study(folder: Path, db: Path, workers: list[int], **deployment) -> dict:
    """A study of one tiny workload on SGECluster; job logs go to ``folder``."""
    options = {
        "queue": "all.q",
        "walltime": "00:10:00",
        "scheduler_options": {"host": "127.0.0.1"},
        "log_directory": str(folder / "jobs"),
    }
    return {
        "name": "sge-test",
        "deployment": {
            "backend": "sge",
            "workers": workers,
            "memory_per_worker": "512MiB",
            "startup_timeout": 60,
            "options": options,
            **deployment,
        },
        "suites": {"tasks": {"workloads": ["map-tiny"], "chunk_size": 5, "per_unit": 2}},
        "measurement": {
            "min_repeats": 2,
            "max_repeats": 2,
            "warmup": 0,
            "breakdown": False,
            "hardware_baseline": False,
        },
        "database": str(db),
        "report": False,
    }


def test_weak_scaling_on_sge_jobs(tmp_path):
    db = tmp_path / "results.db"
    result = run_study(build_study(sge_study(tmp_path, db, [1, 2])))
    assert (result.status, result.failed_points, result.points) == ("complete", 0, 2)
    tag = run_tag(db, result.run_id)

    events = query(
        db,
        "select requested, ok, time_to_first, time_to_all, details "
        "from scale_events where run_id = ? order by id",
        result.run_id,
    )
    assert [(e[0], e[1]) for e in events] == [(1, 1), (2, 1)]
    for requested, _, first, everyone, _ in events:
        assert first is not None and everyone is not None, requested
        assert 0 <= first <= everyone
    details = {e[0]: json.loads(e[4]) for e in events}
    # One job per worker (no cores_per_node): the second size adds one job to the first.
    (one,) = details[1]["jobs"]
    (two,) = details[2]["jobs"]
    for job in (one, two):
        assert job["job_id"] and job["workers"] == 1 and job["state"] == "r", job
        assert job["nodes"] == "localhost" and job["queue_seconds"] >= 0, job
    assert one["job_id"] != two["job_id"]
    # Each worker found its node in the job's environment (SGE's HOSTNAME).
    assert sorted(details[2]["nodes"].values()) == ["localhost", "localhost"]

    status, backend, env = query(
        db, "select status, backend, environment from runs where id = ?", result.run_id
    )[0]
    assert (status, backend) == ("complete", "sge")
    scripts = json.loads(env)["deployment"]["job_scripts"]
    assert f"#$ -N {tag}\n" in scripts["1"] and "#$ -q all.q\n" in scripts["1"]
    points = query(db, "select workers, status from points where run_id = ?", result.run_id)
    assert sorted(points) == [(1, "ok"), (2, "ok")]
    # Closing the cluster deleted the jobs.
    assert wait_gone(job_ids(tag), within=10) == []


def test_held_jobs_time_out_with_their_state_and_reason(tmp_path):
    db = tmp_path / "results.db"
    spec = sge_study(tmp_path, db, [1], startup_timeout=5)
    # Submitted on hold: the job waits in state hqw until released, which never happens.
    spec["deployment"]["options"]["job_extra_directives"] = ["-h"]
    with pytest.raises(DaskBenchError) as failure:
        run_study(build_study(spec))
    message = str(failure.value)
    assert "expected 1 worker" in message and "0 arrived within 5 s" in message
    assert "hqw (Job is in hold state)" in message
    ((run_id, status, stored),) = query(db, "select id, status, message from runs")
    assert status == "failed" and stored == message
    # Closing the cluster deleted the held job.
    assert wait_gone(job_ids(run_tag(db, run_id)), within=10) == []


def test_a_job_of_several_workers_asks_for_their_slots_in_a_parallel_environment(tmp_path):
    db = tmp_path / "results.db"
    spec = sge_study(tmp_path, db, [2], cores_per_node=2)
    result = run_study(build_study(spec))
    assert (result.status, result.failed_points) == ("complete", 0)
    env = json.loads(query(db, "select environment from runs where id = ?", result.run_id)[0][0])
    script = env["deployment"]["job_scripts"]["2"]
    # both workers in one job: it holds 2 slots of the test bed's "smp" environment
    assert "#$ -pe smp 2\n" in script and "--nworkers 2" in script
    assert env["deployment"]["parallel_environment"] == "smp"
    (event,) = query(db, "select details from scale_events where run_id = ?", result.run_id)
    (job,) = json.loads(event[0])["jobs"]
    assert job["workers"] == 2 and job["state"] == "r"
