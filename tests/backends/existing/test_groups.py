"""Worker groups on an existing pool: each size's workers chosen by what they offer."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from distributed import Client

from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from tests.integration.helpers import query

from .test_existing import DASK, SCHEDULER_ARGS, WORKER_ARGS, _running, _stop

pytestmark = pytest.mark.existing

BIG_ARGS = ["--nthreads", "2", "--memory-limit", "1GB", "--no-dashboard", "--resources", "BIGMEM=1"]


def test_groups_are_taken_from_the_workers_offering_their_resources(tmp_path):
    sched_file = tmp_path / "scheduler.json"
    log = (tmp_path / "cluster.log").open("wb")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        cmd = [DASK, "scheduler", "--scheduler-file", str(sched_file), *SCHEDULER_ARGS]
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT))
        for args in (WORKER_ARGS, BIG_ARGS, WORKER_ARGS):
            cmd = [DASK, "worker", "--scheduler-file", str(sched_file), *args]
            procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        with Client(address, timeout=30) as client:
            client.wait_for_workers(3, timeout=60)
            info = client.scheduler_info(n_workers=-1)["workers"]
            big = next(a for a, w in info.items() if w["resources"])

        db = tmp_path / "r.db"
        spec = {
            "name": "existing-groups",
            "deployment": {
                "backend": "existing",
                "workers": [1, 2],
                "memory_per_worker": "1GB",
                "options": {"scheduler_file": str(sched_file)},
                "groups": {
                    "small": {},
                    "big": {"workers": 1, "threads_per_worker": 2, "resources": {"BIGMEM": 1}},
                },
            },
            "suites": {"resources": {"chunk_size": 1000, "per_unit": 1}},
            "measurement": {"min_repeats": 2, "max_repeats": 2, "warmup": 0,
                            "hardware_baseline": False},
            "database": str(db),
            "report": False,
        }  # fmt: skip
        result = run_study(build_study(spec))
        assert result.failed_points == 0
        subsets = [
            json.loads(d)["subset"] for (d,) in query(db, "select details from scale_events")
        ]
        # every size holds the one worker offering BIGMEM, and the others from the rest
        assert [len(s) for s in subsets] == [2, 3] and all(big in s for s in subsets)
        rows = query(db, "select units, placement from points order by units")
        assert [r[0] for r in rows] == [3, 4]
        for _, placement in rows:
            doc = json.loads(placement)
            assert set(doc["groups"]["pipeline_heavy"]) == {"big"} and doc["violations"] == []
        assert _running(procs)  # the user's pool keeps running
    finally:
        _stop(procs)
        log.close()
