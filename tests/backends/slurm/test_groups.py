"""Two worker groups on the Slurm test bed: one scheduler, one job shape and partition each."""

from __future__ import annotations

import json

import pytest

from dask_bench import build_study, run_study
from tests.integration.helpers import query, run_tag

from .helpers import job_ids, wait_gone
from .test_slurm import slurm_study

pytestmark = pytest.mark.slurm

#: The test bed's partition ``big`` holds node3 and node4 only.
BIG_NODES = {"node3", "node4"}


def test_two_partitions_hold_two_groups_and_the_heavy_step_runs_on_the_big_one(tmp_path):
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [1, 2], cores_per_node=2)
    spec["deployment"]["groups"] = {
        "small": {},  # the swept group, in deployment.options' partition (debug)
        "big": {
            "workers": 1,
            "threads_per_worker": 2,
            "memory_per_worker": "768MiB",
            "resources": {"BIGMEM": 1},
            "options": {"queue": "big"},
        },
    }
    spec["suites"] = {"resources": {"chunk_size": 2000, "per_unit": 1}}
    result = run_study(build_study(spec))
    tag = run_tag(db, result.run_id)

    points = query(db, "select workers, units, status, placement from points order by workers")
    assert [p[:3] for p in points] == [(2, 3, "ok"), (3, 4, "ok")]
    for _, units, _, placement in points:
        doc = json.loads(placement)
        assert doc["violations"] == []
        assert set(doc["groups"]["pipeline_heavy"]) == {"big"}
        assert sum(doc["groups"]["pipeline_heavy"].values()) % units == 0

    events = query(db, "select requested, details from scale_events where run_id = ? and ok = 1",
                   result.run_id)  # fmt: skip
    details = {requested: json.loads(d) for requested, d in events}
    first_jobs = details[2]["jobs"]
    # the first size submits one job per group, each in its own partition's nodes
    assert sorted(j["name"].rsplit("-", 1)[0] for j in first_jobs) == ["big", "small"]
    big_job = next(j for j in first_jobs if j["name"].startswith("big-"))
    assert big_job["nodes"] in BIG_NODES
    # the second size puts both small workers on one node (one job of 2), and only the
    # small group's job is replaced: the big job stays
    assert [(j["name"].rsplit("-", 1)[0], j["workers"]) for j in details[3]["jobs"]] == [
        ("small", 2)
    ]

    status, env = query(db, "select status, environment from runs where id = ?", result.run_id)[0]
    assert status == "complete"
    scripts = json.loads(env)["deployment"]["job_scripts"]
    assert sorted(scripts) == ["big/1", "small/1", "small/2"]
    assert "#SBATCH -p big\n" in scripts["big/1"] and "--resources BIGMEM=1" in scripts["big/1"]
    for small in ("small/1", "small/2"):
        assert "#SBATCH -p debug\n" in scripts[small] and "BIGMEM" not in scripts[small]
    assert wait_gone(job_ids(tag), within=15) == []
