"""``list runs`` reads a current SQLite file with the standard library: the same listing
Store gives, and any other database through Store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.errors import StoreError
from dask_bench.store import SCHEMA_VERSION, Store
from dask_bench.store.listing import RunListing, list_runs
from tests.unit.report_data import add_point, add_run
from tests.unit.test_migrate import schema_5_database


def three_runs(path: Path) -> str:
    """A run of 10 points (1 failed) and 2 more, one with none, one of a study's variant."""
    store = Store(str(path), create=True)
    first = add_run(store, name="first")
    add_point(store, first, "tasks", "map-tiny", 1, [1.0, 1.1, 0.9])
    failed = store.add_point(
        first, suite="tasks", workload="chain", workload_version=1, workers=1,
        threads_per_worker=1, memory_per_worker=2**30, units=1, chunks=4, chunk_size=50,
        options={}, nbytes=0, ntasks=8,
    )  # fmt: skip
    store.finish_point(failed, "failed")
    store.create_run(
        name="empty", mode="strong", backend="slurm", layout={}, study={}, version="0.1.0"
    )  # a run that failed before its first point
    third = add_run(store, name="variant")
    third.study_id = "3f9a1c2b7d4e"
    store.session.commit()
    store.close()
    return str(path)


def through_store(database: str) -> list[RunListing]:
    store = Store(database)
    try:
        return [RunListing.of(run) for run in store.runs()]
    finally:
        store.close()


def test_the_standard_library_reads_what_store_reads(tmp_path: Path) -> None:
    db = three_runs(tmp_path / "r.db")
    fast = list_runs(db)
    assert fast == through_store(db)
    assert [(r.name, r.points, r.failed_points) for r in fast] == [
        ("first", 12, 2), ("empty", 0, 0), ("variant", 10, 1)
    ]  # fmt: skip
    assert fast[2].study_id == "3f9a1c2b7d4e" and fast[0].started_at.tzinfo is None


def test_an_older_schema_is_migrated_by_store_first(tmp_path: Path) -> None:
    db = schema_5_database(tmp_path / "old.db")
    (run,) = list_runs(str(db))
    assert run.name == "before-schema-6" and run.points > 0
    con = sqlite3.connect(db)
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        con.close()
    assert version == (str(SCHEMA_VERSION),)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is an empty file"), (b"run,seconds\n1,2\n", "is not a SQLite database")],
)
def test_a_foreign_file_is_refused_untouched(tmp_path: Path, content: bytes, message: str) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        list_runs(str(db))
    assert db.read_bytes() == content and sorted(tmp_path.iterdir()) == [db]
    result = CliRunner().invoke(cli, ["list", "runs", "--db", str(db)])
    assert result.exit_code != 0 and message in result.output


def test_a_missing_database_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run 'dask-bench run' first"):
        list_runs(str(tmp_path / "none.db"))
    assert not list(tmp_path.iterdir())


def test_reading_leaves_no_write_ahead_log_files_behind(tmp_path: Path) -> None:
    database = three_runs(tmp_path / "r.db")
    for args in (["list", "runs"], ["show", "1"], ["export", "1", "-o", str(tmp_path / "x")]):
        result = CliRunner().invoke(cli, [*args, "--db", database])
        assert result.exit_code == 0, result.output
    (tmp_path / "x").unlink()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("r.db")) == ["r.db"]


def test_a_database_the_user_may_not_write_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = three_runs(tmp_path / "r.db")
    connect = sqlite3.connect
    modes = []

    def no_writing(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        modes.append(database.rpartition("mode=")[2])
        if "mode=rw" in database:  # as SQLite answers for a file the user may not write
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", no_writing)
    assert [r.name for r in list_runs(database)] == ["first", "empty", "variant"]
    assert modes[-2:] == ["rw", "ro"]
