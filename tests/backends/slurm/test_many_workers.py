"""Many single-thread workers over the 4 nodes of the Slurm test bed, and the harness's figures.

16 workers, 2 per job: 8 jobs of 1 CPU each (``job_cpu``), 2 per node with the test bed's
least-loaded placement. About a minute on 2 cores; ``benchmarks/scale.py`` goes to 64.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dask_bench import build_study, run_study
from tests.integration.helpers import query, run_tag

from .helpers import job_ids, wait_gone
from .test_slurm import slurm_study

pytestmark = pytest.mark.slurm

WORKERS = 16


def test_sixteen_workers_spread_over_all_nodes(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [WORKERS], cores_per_node=2, startup_timeout=120)
    spec["deployment"]["memory_per_worker"] = "256MiB"
    spec["deployment"]["options"]["job_cpu"] = 1
    spec["measurement"]["breakdown"] = True  # its heartbeats and readings are harness costs
    result = run_study(build_study(spec))
    assert (result.status, result.failed_points, result.points) == ("complete", 0, 1)

    (details,) = query(db, "select details from scale_events where run_id = ?", result.run_id)
    nodes = json.loads(details[0])["nodes"]
    assert len(nodes) == WORKERS
    # placed on the least loaded nodes: evenly, unless other jobs share the test bed
    assert set(Counter(nodes.values())) == {f"node{i}" for i in range(1, 5)}

    (env,) = query(db, "select environment from runs where id = ?", result.run_id)
    figures = json.loads(env[0])["measuring"]["harness"][str(WORKERS)]
    assert figures["workers"] == WORKERS and figures["points"] == 1
    assert figures["repetitions"] >= 2
    for key in ("harness_seconds", "after_scale_seconds", "per_point_seconds", "between_seconds"):
        assert figures[key] >= 0, key
    assert figures["workload_seconds"] > 0
    assert wait_gone(job_ids(run_tag(db, result.run_id)), within=30) == []
