"""A worker that reports another dask version stops the study, unless the mismatch is allowed.

How the other version gets there: the study's LocalCluster gets a worker ``preload``
script (``deployment.options.preload``, a LocalCluster keyword passed to each worker)
that wraps that worker's ``versions`` handler, the RPC the scheduler broadcasts when
``client.get_versions()`` runs, and changes the dask version in its answer. Everything
else is real: worker processes, the scheduler's broadcast, ``client.get_versions()``,
the comparison, the stop and the clean-up. Only the answer of one worker differs, which
is exactly what a worker from another environment sends. A real second environment
would need another dask installed (network, minutes); patching ``get_versions`` in this
process instead would also change the client's and scheduler's answer, and the
preload only runs in the worker process.
"""

from __future__ import annotations

import json
import re
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from .helpers import dask_bench, descendants, query, start_study, tiny_study, wait_gone

FAKE = "2001.2.3"

PRELOAD = f'''
def dask_setup(worker):
    original = worker.handlers["versions"]

    def versions(packages=None):
        info = original(packages=packages)
        return {{**info, "packages": {{**info["packages"], "dask": "{FAKE}"}}}}

    worker.handlers["versions"] = versions
'''


def study(folder: Path, db: Path) -> dict[str, Any]:
    preload = folder / "fake_dask_version.py"
    preload.write_text(PRELOAD)
    spec = tiny_study(db)
    spec["deployment"].update(workers=[1], options={"preload": [str(preload)]})
    spec["suites"]["tasks"].update(workloads=["map-tiny"], options={})
    spec["measurement"].update(min_repeats=2, max_repeats=3)
    return spec


def test_mismatch_stops_the_study_before_measuring_and_closes_the_cluster(tmp_path):
    db = tmp_path / "v.db"
    proc = start_study(tmp_path, study(tmp_path, db))
    seen: set = set()
    while proc.poll() is None:
        seen |= set(descendants(proc.pid))
        time.sleep(0.05)
    err = proc.stderr.read()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert seen, "the study should have started a worker process"
    assert wait_gone(seen) == []

    first, *table = err.rstrip("\n").splitlines()
    assert first.startswith("error: versions differ between client, scheduler and workers;")
    assert "--allow-version-mismatch" in first
    assert re.split(r"\s{2,}", table[0].strip()) == ["package", "client", "scheduler", "workers"]
    real = re.escape(version("dask"))
    assert len(table) == 2 and re.fullmatch(
        rf"\s+dask\s+{real}\s+{real}\s+{re.escape(FAKE)} \(tcp://127\.0\.0\.1:\d+\)", table[1]
    ), err

    ((status, message, env_text),) = query(db, "select status, message, environment from runs")
    assert status == "failed"
    assert f"error: {message}" == err.rstrip("\n")
    assert query(db, "select count(*) from points") == [(0,)]
    assert query(db, "select count(*) from measurements") == [(0,)]
    assert query(db, "select requested, ok from scale_events") == [(1, 1)]
    (mismatch,) = json.loads(env_text)["version_mismatches"]
    assert mismatch["package"] == "dask" and list(mismatch["workers"].values()) == [FAKE]


def test_allowed_mismatch_is_measured_recorded_and_warned(tmp_path):
    db = tmp_path / "a.db"
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study(tmp_path, db)))
    proc = dask_bench("run", str(path), "--allow-version-mismatch", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"warning: dask differs: .*{re.escape(FAKE)} \(tcp://", proc.stderr)

    ((status, env_text, study_text),) = query(db, "select status, environment, study from runs")
    assert status == "complete"
    assert json.loads(study_text)["deployment"]["allow_version_mismatch"] is True
    assert query(db, "select workers, status from points") == [(1, "ok")]
    assert query(db, "select count(*) from measurements where warmup = 0")[0][0] >= 2
    env = json.loads(env_text)
    (mismatch,) = env["version_mismatches"]
    assert mismatch["package"] == "dask" and mismatch["client"] == version("dask")
    assert list(mismatch["workers"].values()) == [FAKE]
    (worker,) = env["versions"]["workers"].values()
    assert worker["dask"] == FAKE and env["versions"]["scheduler"]["dask"] == version("dask")
