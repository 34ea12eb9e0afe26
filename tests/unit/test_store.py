import sqlite3
from pathlib import Path

import pytest

from dask_bench.errors import StoreError
from dask_bench.store import (
    SCHEMA_VERSION,
    Store,
    check_writable,
    measurements_frame,
    point_summaries,
)


def new_run(store, name="r"):
    return store.create_run(
        name=name,
        mode="weak",
        backend="local",
        layout={"threads_per_worker": 1},
        study={"measurement": {"confidence": 0.95}},
        version="0",
    )


def add_point(store, run, units, times, workload="std", warmup=0.5):
    p = store.add_point(
        run,
        suite="arrays",
        workload=workload,
        workload_version=1,
        workers=units,
        threads_per_worker=1,
        memory_per_worker=2**30,
        units=units,
        chunks=4 * units,
        chunk_size=10,
        options={},
        nbytes=8_000_000 * units,
        ntasks=10,
    )
    store.add_measurement(p, repetition=0, warmup=True, seconds=warmup, ok=True)
    for i, t in enumerate(times):
        store.add_measurement(p, repetition=i, warmup=False, seconds=t, ok=True)
    store.finish_point(p, "ok")
    return p


def test_new_database_records_schema_version(tmp_path):
    db = tmp_path / "sub" / "r.db"
    Store(str(db), create=True).close()
    con = sqlite3.connect(db)
    assert con.execute("select value from meta where key='schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "r.db"
    Store(str(db), create=True).close()
    con = sqlite3.connect(db)
    con.execute("update meta set value='99' where key='schema_version'")
    con.commit()
    with pytest.raises(StoreError, match="schema version 99, newer than this dask-bench reads"):
        Store(str(db))


def test_foreign_database_is_refused(tmp_path):
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("create table x (a int)")
    con.commit()
    with pytest.raises(StoreError, match="not a dask-bench database"):
        Store(str(db))


def test_missing_database_is_an_error_when_reading(tmp_path):
    with pytest.raises(StoreError, match="no results database"):
        Store(str(tmp_path / "absent.db"))
    assert not (tmp_path / "absent.db").exists()


def test_unwritable_paths(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(StoreError, match="is a file, not a directory"):
        check_writable(str(afile / "r.db"))
    with pytest.raises(StoreError, match="is a directory"):
        check_writable(str(tmp_path))
    check_writable(str(tmp_path / "new" / "r.db"))  # a missing folder will be created


def test_each_measurement_is_visible_before_the_run_ends(tmp_path):
    db = str(tmp_path / "r.db")
    writer = Store(db, create=True)
    run = new_run(writer)
    p = writer.add_point(
        run,
        suite="tasks",
        workload="chain",
        workload_version=1,
        workers=1,
        threads_per_worker=1,
        memory_per_worker=1,
        units=1,
        chunks=1,
        chunk_size=1,
    )
    writer.add_measurement(p, repetition=0, warmup=False, seconds=0.1, ok=True)
    # a second connection (as after a crash of the writer) sees the committed row
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from measurements").fetchone() == (1,)
    assert con.execute("select status from runs").fetchone() == ("running",)


def test_run_lookup(tmp_path):
    store = Store(str(tmp_path / "r.db"), create=True)
    with pytest.raises(StoreError, match="holds no runs yet"):
        store.run()
    a, b, c = new_run(store, "a"), new_run(store, "b"), new_run(store, "a")
    assert store.run().id == c.id
    assert store.run(str(b.id)).id == b.id
    assert store.run("a").id == c.id  # latest of that name
    with pytest.raises(StoreError, match="no run 'zzz'"):
        store.run("zzz")
    assert [r.id for r in store.runs()] == [a.id, b.id, c.id]


def test_point_summaries_compute_efficiency_from_medians(tmp_path):
    store = Store(str(tmp_path / "r.db"), create=True)
    run = new_run(store)
    add_point(store, run, 1, [1.0, 1.2, 1.1])
    add_point(store, run, 2, [1.4, 1.3, 1.5])
    failed = store.add_point(
        run,
        suite="arrays",
        workload="std",
        workload_version=1,
        workers=4,
        threads_per_worker=1,
        memory_per_worker=1,
        units=4,
        chunks=16,
        chunk_size=10,
    )
    store.add_measurement(failed, repetition=0, warmup=True, seconds=None, ok=False, error="boom")
    store.finish_point(failed, "failed", "warm-up: boom")
    frame = point_summaries(store, run).set_index("units")
    assert frame.loc[1, "median"] == pytest.approx(1.1)
    assert frame.loc[1, "n"] == 3  # warm-up excluded
    assert frame.loc[2, "efficiency"] == pytest.approx(1.1 / 1.4)
    assert frame.loc[2, "throughput"] == pytest.approx(16.0 / 1.4)
    assert frame.loc[4, "n"] == 0 and frame.loc[4, "status"] == "failed"
    assert frame.loc[4, "error"] == "warm-up: boom"


def test_local_sqlite_uses_a_write_ahead_log(tmp_path):
    db = tmp_path / "r.db"
    store = Store(db, create=True)
    with store.engine.connect() as con:
        assert con.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert con.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_network_filesystems_keep_the_rollback_journal(tmp_path, monkeypatch):
    from dask_bench.store import _opening as dbmod
    from dask_bench.store._opening import filesystem_type, sqlite_pragmas

    mounts = [("/", "ext4"), ("/home", "nfs4"), ("/home/a/scratch", "xfs"), ("/homework", "ext4")]
    assert filesystem_type(Path("/home/a/r.db"), mounts) == "nfs4"
    assert filesystem_type(Path("/home/a/scratch/r.db"), mounts) == "xfs"
    assert filesystem_type(Path("/homework/r.db"), mounts) == "ext4"  # not under /home
    assert filesystem_type(Path("/tmp/r.db"), mounts) == "ext4"
    assert sqlite_pragmas(None)["journal_mode"] == "WAL"
    assert sqlite_pragmas(tmp_path / "r.db")["journal_mode"] == "WAL"
    monkeypatch.setattr(dbmod, "filesystem_type", lambda path: "lustre")
    assert sqlite_pragmas(tmp_path / "r.db") == {
        "journal_mode": "DELETE",
        "synchronous": "FULL",
        "foreign_keys": "ON",
    }


def schema_1_database(path: Path, rows: str) -> Path:
    """A database as dask-bench wrote it with schema 1, holding ``rows`` (SQL inserts)."""
    con = sqlite3.connect(path)
    con.executescript((Path(__file__).parent / "data" / "schema_v1.sql").read_text())
    con.executescript("insert into meta values ('schema_version', '1');" + rows)
    con.close()
    return path


#: A schema-1 run of one point with two timed repetitions (0.5 s and 0.7 s).
ONE_POINT_V1 = """
insert into runs values (1, 'old', 'complete', 'weak', 'local', '{}',
    '2024-01-01 00:00:00', null, '{}', '{}', '0.1.0', null);
insert into points (id, run_id, suite, workload, workload_version, workers,
    threads_per_worker, memory_per_worker, units, chunks, chunk_size, options, status,
    started_at) values
    (1, 1, 'tasks', 'map-sleep', 1, 1, 1, 1024, 1, 2, 20, '{}', 'ok',
     '2024-01-01 00:00:00');
insert into measurements (point_id, repetition, warmup, seconds, ok, started_at) values
    (1, 0, 0, 0.5, 1, '2024-01-01 00:00:00'), (1, 1, 0, 0.7, 1, '2024-01-01 00:00:01');
"""


def test_schema_1_database_is_migrated_and_keeps_its_rows(tmp_path):
    db = schema_1_database(
        tmp_path / "old.db",
        ONE_POINT_V1,
    )
    store = Store(str(db))
    run = store.run(1)
    summary = point_summaries(store, run)
    assert summary["median"].tolist() == [0.6]
    point = run.points[0]
    assert point.memory_peak is None and point.metrics_complete is None and point.breakdown == []
    store.add_breakdown(point, {"compute": 0.4, "idle": 0.1})
    store.close()
    con = sqlite3.connect(db)
    assert con.execute("select value from meta where key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert con.execute("select count(*) from breakdowns").fetchone() == (2,)


def test_older_runs_become_studies_of_their_own_and_new_runs_share_a_study_id(tmp_path):
    db = schema_1_database(
        tmp_path / "old.db",
        """
        insert into runs values (1, 'a', 'complete', 'weak', 'local', '{}',
            '2024-01-01 00:00:00', null, '{}', '{}', '0.1.0', null);
        insert into runs values (2, 'b', 'complete', 'weak', 'local', '{}',
            '2024-01-02 00:00:00', null, '{}', '{}', '0.1.0', null);
        """,
    )
    store = Store(str(db))
    assert [(r.study_id, r.variant) for r in store.runs()] == [("run-1", None), ("run-2", None)]
    kwargs = {"mode": "weak", "backend": "local", "layout": {}, "study": {}, "version": "x"}
    tcp = store.create_run(name="tcp", study_id="s1", variant="tcp", **kwargs)
    tls = store.create_run(name="tls", study_id="s1", variant="tls", **kwargs)
    store.create_run(name="other", study_id="s2", **kwargs)
    assert [r.id for r in store.study_runs("s1")] == [tcp.id, tls.id]
    assert [r.variant for r in store.study_runs("s1")] == ["tcp", "tls"]
    with pytest.raises(StoreError, match=r"no study .nope.*recent studies: run-1, run-2, s1, s2"):
        store.study_runs("nope")
    store.close()


def test_migrated_repetitions_are_undisturbed_and_disturbed_ones_leave_the_statistics(tmp_path):
    db = schema_1_database(
        tmp_path / "old.db",
        ONE_POINT_V1,
    )
    store = Store(str(db))
    run = store.run(1)
    point = run.points[0]
    assert [m.disturbed for m in point.measurements] == [False, False]
    slow = store.add_measurement(
        point, repetition=2, warmup=False, seconds=9.0, ok=True, disturbance="worker tcp://a left"
    )
    late = store.add_measurement(point, repetition=3, warmup=False, seconds=8.0, ok=True)
    store.mark_disturbed(point, late, "worker tcp://b arrived")
    summary = point_summaries(store, run).iloc[0]
    assert summary["median"] == 0.6 and summary["n"] == 2
    assert summary["n_disturbed"] == 2 and summary["disturbance"] == "worker tcp://a left"
    frame = measurements_frame(store, run)
    assert frame["disturbed"].tolist() == [False, False, True, True]
    assert slow in {m.id for m in point.measurements}
    store.close()


def test_a_full_database_is_a_write_error_with_exit_code_1(tmp_path: Path) -> None:
    from dask_bench.errors import StoreWriteError
    from tests.unit.report_data import build_store

    store, run = build_store(tmp_path)
    point = run.points[0]
    # the writer's connection may not grow the file: as on a full disk
    store._writer = store.engine.connect()
    pages = store._writer.exec_driver_sql("PRAGMA page_count").scalar()
    store._writer.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreWriteError, match="full") as caught:
        for i in range(100_000):
            store.add_measurement(point, repetition=1000 + i, warmup=False, seconds=1.0, ok=True,
                                  error="x" * 500)  # fmt: skip
    assert caught.value.exit_code == 1
    store.close()
