"""A database written before schema 6 (a real run, dumped as SQL) is read and migrated."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.errors import StoreError
from dask_bench.store import SCHEMA_VERSION, Store, point_summaries
from dask_bench.store.migrate import FORMATS
from dask_bench.store.provenance import PROVENANCE_FORMAT, read_provenance

#: ``dask-bench run`` of a 2-size tasks study, as the release before schema 6 stored it.
SCHEMA_5_RUN = Path(__file__).parent / "data" / "schema_v5_run.sql"


def schema_5_database(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.executescript(SCHEMA_5_RUN.read_text())
    con.close()
    return path


def _raw(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_dump_is_a_schema_5_database_without_formats(tmp_path: Path) -> None:
    db = schema_5_database(tmp_path / "old.db")
    assert _raw(db, "select key, value from meta") == [("schema_version", "5")]
    (env,) = _raw(db, "select environment from runs")[0]
    assert "format" not in json.loads(str(env))


def test_a_schema_5_run_is_migrated_and_reads_the_same(tmp_path: Path) -> None:
    db = schema_5_database(tmp_path / "old.db")
    before = _raw(db, "select id, seconds from measurements order by id")
    store = Store(str(db))
    run = store.run(1)
    summaries = point_summaries(store, run)
    assert len(summaries) == 4 and summaries["median"].notna().all()
    provenance = read_provenance(run.environment)
    assert provenance.format == PROVENANCE_FORMAT
    # listeners of that release were plain HTTP; now they say so
    assert provenance.security.dashboard and all(
        a.startswith("http://127.0.0.1:") for a in provenance.security.dashboard
    )
    assert provenance.versions is not None and "client" in provenance.versions
    # suites the study did not run are left out, no longer stored as null
    assert run.study["suites"].keys() == {"tasks"}
    # it set no Dask config (so a resume with the same study finds no change)
    assert run.study["config"] == {}
    store.close()
    meta = dict(_raw(db, "select key, value from meta"))
    assert meta.pop("schema_version") == str(SCHEMA_VERSION)
    assert meta == {f"format:{c}": str(v) for c, v in FORMATS.items()}
    assert _raw(db, "select id, seconds from measurements order by id") == before


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    db = schema_5_database(tmp_path / "old.db")
    Store(str(db)).close()
    first = _raw(db, "select study, environment from runs")
    Store(str(db)).close()
    assert _raw(db, "select study, environment from runs") == first


def test_the_command_line_shows_a_migrated_run(tmp_path: Path) -> None:
    db = schema_5_database(tmp_path / "old.db")
    result = CliRunner().invoke(cli, ["show", "1", "--db", str(db)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "before-schema-6" in result.output and "map-sleep" in result.output


def test_a_newer_document_format_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    Store(str(db), create=True).close()
    con = sqlite3.connect(db)
    con.execute("update meta set value = '99' where key = 'format:runs.environment'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match=r"runs.environment in format 99, newer"):
        Store(str(db))
