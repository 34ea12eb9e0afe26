"""The mpi back-end under a real `mpirun` (Open MPI from `make system`), end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest
import yaml

from tests.integration.helpers import BIN, dask_bench, query, tiny_study

pytestmark = pytest.mark.mpi


@pytest.fixture(scope="module")
def mpirun() -> str:
    path = shutil.which("mpirun")
    if path is None:  # a missing MPI is a broken test machine, not a reason to skip
        pytest.fail("mpirun not found; install Open MPI with 'make system' (scripts/setup-system)")
    return path


def _study(folder: Path, workers: list[int], interface: str = "lo") -> tuple[Path, Path]:
    db = folder / "r.db"
    spec = tiny_study(db)
    spec["deployment"] = {
        "workers": workers,
        "memory_per_worker": "1GiB",
        "options": {"interface": interface},
    }
    tasks = {"workloads": ["map-sleep"], "chunk_size": 2, "per_unit": 2}
    spec["suites"] = {"tasks": {**tasks, "options": {"sleep_seconds": 0.02}}}
    spec["measurement"] = {"min_repeats": 3, "max_repeats": 3, "hardware_baseline": False}
    study = folder / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    return study, db


def _mpirun(
    mpirun: str, ranks: int, study: Path, db: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    # Open MPI refuses to run as root unless both variables are set (same as --allow-run-as-root)
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    cmd = [mpirun, "--oversubscribe", "-np", str(ranks), str(BIN / "dask-bench"), "run",
           str(study), "--backend", "mpi", "--db", str(db), "--no-report", "--quiet",
           *extra]  # fmt: skip
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            # SIGTERM first: mpirun passes it on to every rank; SIGKILL would orphan them
            proc.terminate()
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def _leftovers(study: Path, since: float, within: float = 10) -> list[str]:
    """Ranks of this study, or Open MPI daemons started since ``since``, still alive."""
    deadline = time.monotonic() + within
    while True:
        left = []
        for p in psutil.process_iter(["cmdline", "create_time", "status"]):
            cmd = " ".join(p.info["cmdline"] or [])
            if p.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if str(study) in cmd or ("orted" in cmd and p.info["create_time"] >= since):
                left.append(f"{p.pid}: {cmd}")
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_study_under_mpirun(mpirun, tmp_path):
    study, db = _study(tmp_path, [1, 2, 3])
    since = time.time() - 1
    out = _mpirun(mpirun, 5, study, db)
    assert out.returncode == 0, out.stderr[-3000:]
    # only the client rank records a run
    assert query(db, "select backend, status from runs") == [("mpi", "complete")]
    assert query(db, "select workers, status from points order by id") == [
        (1, "ok"),
        (2, "ok"),
        (3, "ok"),
    ]
    events = query(db, "select requested, ok from scale_events order by id")
    assert events == [(1, 1), (2, 1), (3, 1)]
    assert _leftovers(study, since) == []  # dask-mpi stopped scheduler and workers


def test_tls_with_temporary_certificates_reaches_every_rank(mpirun, tmp_path):
    study, db = _study(tmp_path, [1, 2])
    since = time.time() - 1
    out = _mpirun(mpirun, 4, study, db, "--tls")
    assert out.returncode == 0, out.stderr[-3000:]
    ((status, env),) = query(db, "select status, environment from runs")
    security = json.loads(env)["security"]
    assert status == "complete" and security["tls"] == "auto"
    # rank 0 made the certificates; scheduler, workers and client all speak TLS with them
    assert security["scheduler_address"].startswith("tls://")
    assert security["worker_schemes"] == ["tls"]
    assert query(db, "select workers, status from points order by id") == [(1, "ok"), (2, "ok")]
    assert _leftovers(study, since) == []


def test_too_few_ranks_is_a_one_line_error(mpirun, tmp_path):
    study, db = _study(tmp_path, [1, 2])
    since = time.time() - 1
    out = _mpirun(mpirun, 3, study, db)
    assert out.returncode == 2  # found before anything is measured or written
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: mpirun gives 1 worker rank (-n 3), the study needs 2; run with mpirun -n 4"
    ], out.stderr[-3000:]
    assert not Path(db).exists()
    assert _leftovers(study, since) == []


def test_failing_scheduler_rank_aborts_the_job(mpirun, tmp_path):
    # rank 0 fails to start the scheduler while every other rank waits for its address
    study, db = _study(tmp_path, [1], interface="nosuch0")
    since = time.time() - 1
    out = _mpirun(mpirun, 3, study, db)
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "MPI rank 0 (the scheduler)" in errors[0], out.stderr[-3000:]
    assert "'nosuch0' is not a valid network interface" in errors[0]
    assert not db.exists()
    assert _leftovers(study, since) == []


def test_without_mpirun_says_to_use_it(mpirun, tmp_path):
    study, db = _study(tmp_path, [1])
    since = time.time() - 1
    out = dask_bench("run", str(study), "--backend", "mpi", "--quiet")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "start it with 'mpirun -n K" in lines[0], out.stderr
    assert not db.exists()
    assert _leftovers(study, since) == []  # Open MPI's singleton start forks an orted


def test_worker_groups_take_the_first_worker_ranks(mpirun, tmp_path):
    study, db = _study(tmp_path, [1, 2])
    spec = yaml.safe_load(study.read_text())
    spec["deployment"]["groups"] = {
        "small": {},
        "big": {"workers": 1, "threads_per_worker": 2, "resources": {"BIGMEM": 1}},
    }
    spec["suites"] = {"resources": {"chunk_size": 1000, "per_unit": 1}}
    study.write_text(yaml.safe_dump(spec))
    since = time.time() - 1
    # scheduler, client, then the big group's rank and two small ones
    out = _mpirun(mpirun, 5, study, db)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = query(db, "select workers, units, status, placement from points order by workers")
    assert [r[:3] for r in rows] == [(2, 3, "ok"), (3, 4, "ok")]
    for *_, placement in rows:
        doc = json.loads(placement)
        assert set(doc["groups"]["pipeline_heavy"]) == {"big"} and doc["violations"] == []
    assert _leftovers(study, since) == []
