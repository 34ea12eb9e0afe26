"""The existing back-end against a real `dask scheduler` and real `dask worker` processes."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from distributed import Client

from dask_bench.errors import ConfigError, WorkersTimeout
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from tests.integration.helpers import BIN, alive, dask_bench, descendants, query, tiny_study

pytestmark = pytest.mark.existing

DASK = str(BIN / "dask")
SCHEDULER_ARGS = ["--port", "0", "--dashboard-address", ":0"]
WORKER_ARGS = ["--nthreads", "1", "--memory-limit", "1GB", "--no-dashboard"]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate the processes we started (and their nannies' children), by PID.

    Workers first: a worker whose scheduler is gone waits for it to come back.
    """
    tree = [p for proc in procs for p in descendants(proc.pid)]
    for group in (procs[1:], procs[:1]):
        for proc in group:
            if proc.poll() is None:
                proc.terminate()
        for proc in group:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
    for p in alive(tree):
        p.kill()


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """A scheduler and two 1-thread workers, started as separate processes."""
    folder = tmp_path_factory.mktemp("pool")
    sched_file = folder / "scheduler.json"
    log = (folder / "cluster.log").open("wb")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            subprocess.Popen(
                [DASK, "scheduler", "--scheduler-file", str(sched_file), *SCHEDULER_ARGS],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [DASK, "worker", "--scheduler-file", str(sched_file), *WORKER_ARGS],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield sched_file, address, procs
    finally:
        _stop(procs)
        log.close()


def _running(procs) -> bool:
    return all(p.poll() is None for p in procs)


def _executed(address: str) -> dict[str, int]:
    """Tasks each worker has run in its lifetime."""
    with Client(address, timeout=30) as client:
        return client.run(lambda dask_worker: dask_worker.state.executed_count)


def _study(db: Path, workers: list[int], options: dict, **deployment) -> dict:
    spec = tiny_study(db)
    spec["deployment"] = {
        "backend": "existing",
        "workers": workers,
        "memory_per_worker": "1GB",
        "options": options,
        **deployment,
    }
    return spec


def test_weak_study_on_subsets_of_the_pool(pool, tmp_path):
    sched_file, address, procs = pool
    db = tmp_path / "r.db"
    result = run_study(build_study(_study(db, [1, 2], {"scheduler_file": str(sched_file)})))
    assert result.status == "complete" and result.failed_points == 0
    assert query(db, "select backend, status from runs") == [("existing", "complete")]
    assert query(db, "select workload, workers, status from points order by id") == [
        ("map-tiny", 1, "ok"),
        ("map-sleep", 1, "ok"),
        ("map-tiny", 2, "ok"),
        ("map-sleep", 2, "ok"),
    ]
    events = query(db, "select requested, ok, details from scale_events order by id")
    assert [(e[0], e[1]) for e in events] == [(1, 1), (2, 1)]
    one, two = (json.loads(e[2])["subset"] for e in events)
    assert len(one) == 1 and len(two) == 2 and one[0] in two  # every size extends the last
    env = json.loads(query(db, "select environment from runs")[0][0])["deployment"]
    assert env["scheduler"] == address
    assert env["pool_workers"] == 2 and env["pool_memory_per_worker"] == [10**9]
    # dask-bench closed only its client: the user's scheduler and workers keep running
    assert _running(procs)
    with Client(address, timeout=30) as client:
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2


def test_one_worker_size_runs_only_on_its_worker(pool, tmp_path):
    sched_file, address, procs = pool
    before = _executed(address)
    db = tmp_path / "r.db"
    result = run_study(build_study(_study(db, [1], {"scheduler_file": str(sched_file)})))
    assert result.status == "complete" and result.failed_points == 0
    (chosen,) = json.loads(query(db, "select details from scale_events")[0][0])["subset"]
    after = _executed(address)
    assert set(after) == set(before) and chosen in after
    ran = {w: after[w] - before[w] for w in after}
    assert ran[chosen] > 0
    assert all(n == 0 for w, n in ran.items() if w != chosen), ran
    assert _running(procs)


def test_study_by_address_through_the_command_line(pool, tmp_path):
    _, address, procs = pool
    db = tmp_path / "r.db"
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(_study(db, [2], {"address": address, "timeout": 10})))
    out = dask_bench("run", str(study), "--quiet", "--no-report")
    assert out.returncode == 0, out.stderr
    assert query(db, "select backend, status from runs") == [("existing", "complete")]
    assert {w for (w,) in query(db, "select workers from points")} == {2}
    assert _running(procs)


def test_pool_smaller_than_the_study_fails_naming_expected_and_arrived(pool, tmp_path):
    sched_file, _, procs = pool
    db = tmp_path / "r.db"
    spec = _study(db, [1, 4], {"scheduler_file": str(sched_file)}, startup_timeout=3)
    with pytest.raises(WorkersTimeout, match=r"expected 4 workers? .*2 arrived"):
        run_study(build_study(spec))
    assert query(db, "select status from runs") == [("failed",)]
    assert {w for (w,) in query(db, "select workers from points")} == {1}
    assert _running(procs)


def test_missing_scheduler_file_is_bad_input(tmp_path):
    db = tmp_path / "r.db"
    study = tmp_path / "study.yaml"
    missing = tmp_path / "nowhere" / "scheduler.json"
    study.write_text(yaml.safe_dump(_study(db, [1], {"scheduler_file": str(missing)})))
    out = dask_bench("run", str(study), "--backend", "existing", "--quiet")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0] and str(missing) in lines[0]
    assert not db.exists()  # nothing was written


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "neither of 'address' and 'scheduler_file'"),
        ({"address": "tcp://a:1", "scheduler_file": "f"}, "both of"),
        ({"address": "tcp://a:1", "port": 1}, "unknown option(s) 'port'"),
        ({"address": "tcp://a:1", "timeout": -1}, "positive number"),
        ({"address": 8786}, "must be a string"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path, options, expected):
    db = tmp_path / "r.db"
    with pytest.raises(ConfigError) as info:
        run_study(build_study(_study(db, [1], options)))
    message = str(info.value)
    assert expected in message and "\n" not in message
    assert not db.exists()


def test_unreadable_scheduler_file_is_bad_input(tmp_path):
    sched_file = tmp_path / "scheduler.json"
    sched_file.write_text("{}")
    db = tmp_path / "r.db"
    with pytest.raises(ConfigError, match="has no scheduler address"):
        run_study(build_study(_study(db, [1], {"scheduler_file": str(sched_file)})))
    assert not db.exists()


def test_unreachable_scheduler_is_a_backend_error(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    study = tmp_path / "study.yaml"
    options = {"address": f"tcp://127.0.0.1:{port}", "timeout": 2}
    study.write_text(yaml.safe_dump(_study(tmp_path / "r.db", [1], options)))
    out = dask_bench("run", str(study), "--quiet", timeout=120)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"cannot connect to the Dask scheduler at tcp://127.0.0.1:{port}" in lines[0]
