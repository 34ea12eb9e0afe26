"""A crashed study is finished with --resume; concurrent creators of one database all succeed."""

from __future__ import annotations

import json
import multiprocessing
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from dask_bench.store import SCHEMA_VERSION, Store

from .helpers import (
    dask_bench,
    descendants,
    query,
    start_study,
    stored_repetitions,
    tiny_study,
    wait_gone,
)

PLANNED = {("map-tiny", 1), ("map-sleep", 1), ("map-tiny", 2), ("map-sleep", 2)}


def _kill_mid_study(tmp_path: Path) -> tuple[Path, set]:
    db = tmp_path / "r.db"
    spec = tiny_study(db)
    spec["measurement"].update(min_repeats=6, max_repeats=6)
    proc = start_study(tmp_path, spec)
    seen: set = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen |= set(descendants(proc.pid))
        if db.exists() and stored_repetitions(db) >= 9:  # past the first point, not the last
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("no measurement was stored within 120 s")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert wait_gone(seen, within=30) == [], "worker processes outlived the killed study"
    return db, seen


def test_kill_9_then_resume_gives_exactly_the_planned_points(tmp_path: Path) -> None:
    db, _ = _kill_mid_study(tmp_path)
    assert query(db, "select status from runs") == [("running",)]
    before = query(db, "select workload, workers from points where status = 'ok'")
    assert len(before) < 4
    done = dask_bench("run", str(tmp_path / "study.yaml"), "--resume", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    assert query(db, "select id, status from runs") == [(1, "complete")]
    points = query(db, "select workload, workers, status from points")
    assert {(w, n) for w, n, _ in points} == PLANNED and len(points) == 4
    assert {s for _, _, s in points} == {"ok"}
    # the points kept from before the crash are the same rows
    assert set(before) <= set(query(db, "select workload, workers from points"))
    env = json.loads(query(db, "select environment from runs")[0][0])
    (resume,) = env["resumes"]
    assert resume["status_before"] == "running"
    assert resume["points_left"] == 4 - len(before)
    # every timed repetition belongs to a stored point
    orphans = "select count(*) from measurements where point_id not in (select id from points)"
    assert query(db, orphans) == [(0,)]


def test_resume_refuses_another_layout_a_complete_run_and_a_changed_study(tmp_path: Path) -> None:
    db, _ = _kill_mid_study(tmp_path)
    study = str(tmp_path / "study.yaml")
    snapshot = _dump(db)
    other = dask_bench("run", study, "--resume", "1", "--threads-per-worker", "2", "--quiet")
    assert other.returncode == 2 and "another worker layout" in other.stderr, other.stderr
    assert len(other.stderr.strip().splitlines()) == 1
    changed = dask_bench("run", study, "--resume", "1", "--target-ci", "0.3", "--quiet")
    assert changed.returncode == 2 and "--accept-changed-study" in changed.stderr
    assert _dump(db) == snapshot  # refused: nothing written
    assert dask_bench("run", study, "--resume", "1", "--quiet").returncode == 0
    again = dask_bench("run", study, "--resume", "1", "--quiet")
    assert again.returncode == 2 and "complete" in again.stderr


def _dump(db: Path) -> list[str]:
    """The database's content as SQL (a checkpoint of its write-ahead log changes no row)."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_cleanup_after_kill_9_marks_the_point_in_flight(tmp_path: Path) -> None:
    db, _ = _kill_mid_study(tmp_path)
    cleaned = dask_bench("cleanup", "--db", str(db))
    assert cleaned.returncode == 0, cleaned.stderr
    assert query(db, "select status from runs") == [("failed",)]
    assert query(db, "select count(*) from points where status = 'running'") == [(0,)]


def _create(path: str, barrier: Any, results: Any) -> None:
    barrier.wait()  # all four start creating at the same moment
    try:
        Store(path, create=True).close()
    except Exception as exc:  # reported to the parent, which counts failures
        results.put(f"{type(exc).__name__}: {exc}")
        return
    results.put(None)


def test_processes_creating_one_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    failures = []
    for trial in range(15):
        path = str(tmp_path / f"new-{trial}.db")
        barrier, results = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_create, args=(path, barrier, results)) for _ in range(4)]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=30)
        failures += [o for o in outcomes if o is not None]
        assert query(Path(path), "select value from meta where key = 'schema_version'") == [
            (str(SCHEMA_VERSION),)
        ]
    assert failures == []
