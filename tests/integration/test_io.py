"""The io suite on a real two-worker LocalCluster: its folder, its checks, its cleanup.

``test_workloads.py`` runs every io workload too (checks, growth with chunks,
release, wrong results); here the folder setting, corrupted files and the cleanup
of a whole study (also when a point fails) are shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from distributed import Client

from dask_bench.errors import WrongResult
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.workloads import Workload, WorkloadContext, get_workload, suite_workloads
from dask_bench.workloads import io as io_suite

from .helpers import query, tiny_study

pytestmark = pytest.mark.integration

ROWS = 100  # chunk_size
WORKLOADS = suite_workloads("io")


def context(client: Client, w: Workload, folder: Path, chunks: int = 3) -> WorkloadContext:
    return WorkloadContext(
        client, 2, chunks, ROWS, {}, seed=7, timeout=60.0, io_directory=str(folder)
    )


def test_workloads_are_listed_in_order() -> None:
    names = [f"{f}-{d}" for f in ("parquet", "zarr", "netcdf") for d in ("write", "read")]
    assert [w.name for w in WORKLOADS] == names


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_each_workload_uses_the_folder_and_leaves_nothing(
    client: Client, w: Workload, tmp_path: Path
) -> None:
    trial = w.func(context(client, w, tmp_path))
    try:
        (made,) = list(tmp_path.iterdir())
        assert made.name.startswith("dask-bench-io-")
        (note,) = trial.notes
        assert note.startswith(f"io folder {tmp_path} on file system ")
        assert trial.nbytes == 3 * ROWS * 32
        for _ in range(2):
            trial.check(trial.run())
        if w.name.endswith("write"):
            assert list(made.iterdir()) == []  # each check removed its output
    finally:
        trial.release()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["parquet", "zarr", "netcdf"])
def test_a_truncated_written_file_is_caught(client: Client, fmt: str, tmp_path: Path) -> None:
    w = get_workload("io", f"{fmt}-write")
    trial = w.func(context(client, w, tmp_path))
    try:
        index = trial.run()
        written = [p for p in tmp_path.rglob("*") if p.is_file() and p.stat().st_size > 100]
        victim = max(written, key=lambda p: p.stat().st_size)  # a data file, not metadata
        victim.write_bytes(victim.read_bytes()[:50])
        with pytest.raises(WrongResult):
            trial.check(index)
        with pytest.raises(WrongResult, match="output folder"):
            trial.check(index)  # its output was removed by the first check
    finally:
        trial.release()
    assert list(tmp_path.iterdir()) == []


def test_a_read_against_a_wrong_sum_is_caught(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(io_suite, "expected_sum", lambda rows, seed: 1.0)
    w = get_workload("io", "zarr-read")
    trial = w.func(context(client, w, tmp_path))
    try:
        with pytest.raises(WrongResult, match="sum of all values"):
            trial.check(trial.run())
    finally:
        trial.release()


def test_a_study_leaves_no_file_behind_even_when_a_point_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(io_suite, "expected_sum", lambda rows, seed: -1.0)  # reads fail
    db = tmp_path / "r.db"
    suites = {
        "io": {"workloads": ["netcdf-write", "parquet-read"], "chunk_size": ROWS, "per_unit": 2}
    }
    data = tiny_study(db, suites=suites, io={"directory": str(scratch)})
    data["deployment"] = {"workers": [1], "threads_per_worker": 2, "memory_per_worker": "1GiB"}
    result = run_study(build_study(data))
    assert result.failed_points == 1, result.message
    rows = query(db, "select workload, status, notes from points order by id")
    assert [r[:2] for r in rows] == [("netcdf-write", "ok"), ("parquet-read", "failed")]
    for _, _, notes in rows:
        assert f"io folder {scratch} on file system " in notes
    assert list(scratch.iterdir()) == []


def test_ctrl_c_mid_study_leaves_no_file_behind(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    import yaml

    from .helpers import BIN, stored_repetitions

    folder = tmp_path / "scratch"
    folder.mkdir()
    db = tmp_path / "r.db"
    spec = tiny_study(
        db,
        deployment={"workers": [1], "memory_per_worker": "1GiB"},
        suites={"io": {"workloads": ["parquet-read"], "chunk_size": ROWS, "per_unit": 2}},
        measurement={"min_repeats": 40, "max_repeats": 40, "point_budget": None},
        io={"directory": str(folder)},
    )
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    proc = subprocess.Popen(
        [str(BIN / "dask-bench"), "run", str(study), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (db.exists() and stored_repetitions(db) >= 3):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    # the files of the point being measured are there when Ctrl-C arrives
    assert any(folder.iterdir())
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert query(db, "select status from runs") == [("interrupted",)]
    assert list(folder.iterdir()) == []
