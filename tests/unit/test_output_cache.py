"""``show`` and ``export`` reuse what they printed or wrote while the runs are unchanged.

The digest of the stored rows decides: any change to a run, in any of its tables, is
shown; another run's changes are not its concern. A kept output is read without pandas
or SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.report import cache
from dask_bench.store import Store
from dask_bench.store.fingerprint import resolve_runs, runs_digest, stored_view
from tests.unit.report_data import add_point, add_run
from tests.unit.test_migrate import schema_5_database

STUDY = "5e1f00aa42bc"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """Three runs: 'a' (id 1), 'b' twice (ids 2 and 3, a study's two variants)."""
    path = str(tmp_path / "r.db")
    store = Store(path, create=True)
    add_run(store, name="a")
    for _ in range(2):
        run = add_run(store, name="b")
        run.study_id = STUDY
    store.session.commit()
    store.close()
    return path


def shown(database: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["show", *args, "--db", database])
    assert result.exit_code == 0, result.output
    return result.output


def kept(tmp_path: Path) -> list[Path]:
    folder = tmp_path / ".dask-bench-cache"
    return sorted(p for p in folder.iterdir() if len(p.name) == 64) if folder.exists() else []


def test_runs_are_resolved_as_store_resolves_them(database: str) -> None:
    store = Store(database)
    con = sqlite3.connect(database)
    try:
        for ref in (None, "1", "a", "b", "3"):
            assert resolve_runs(con, ref, None) == [store.run(ref).id], ref
        assert resolve_runs(con, None, STUDY) == [r.id for r in store.study_runs(STUDY)]
        assert resolve_runs(con, "nope", None) == []
        assert resolve_runs(con, None, "nope") == []
    finally:
        con.close()
        store.close()


def change(database: str, sql: str) -> None:
    con = sqlite3.connect(database)
    with con:
        con.execute(sql)
    con.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE runs SET status = 'interrupted' WHERE id = 1",
        "UPDATE measurements SET seconds = seconds * 2 WHERE id = ("
        " SELECT min(m.id) FROM measurements m JOIN points p ON p.id = m.point_id"
        " WHERE p.run_id = 1 AND m.warmup = 0)",
        "UPDATE points SET notes = 'looked at' WHERE run_id = 1",
        "INSERT INTO scale_events (run_id, requested, previous, ok, at)"
        " VALUES (1, 2, 1, 1, '2026-01-01 00:00:00')",
        "INSERT INTO breakdowns (point_id, category, seconds)"
        " SELECT min(id), 'compute', 1.0 FROM points WHERE run_id = 1",
    ],
)
def test_any_change_to_a_run_changes_its_digest(database: str, sql: str) -> None:
    before = runs_digest(database, [1]), runs_digest(database, [2])
    change(database, sql)
    after = runs_digest(database, [1]), runs_digest(database, [2])
    assert after[0] != before[0]
    assert after[1] == before[1]  # another run's change is not this run's


def test_a_second_show_is_the_same_and_a_change_is_shown(database: str, tmp_path: Path) -> None:
    first = shown(database, "1")
    assert len(kept(tmp_path)) == 1
    assert shown(database, "1") == first
    assert len(kept(tmp_path)) == 1  # read, not made again
    change(database, "UPDATE runs SET name = 'renamed' WHERE id = 1")
    again = shown(database, "1")
    assert "renamed" in again and again != first
    assert len(kept(tmp_path)) == 2


def test_the_terminal_width_is_part_of_the_key(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    wide = shown(database, "1")
    monkeypatch.setenv("COLUMNS", "80")
    narrow = shown(database, "1")
    assert max(map(len, narrow.splitlines())) <= 80 < max(map(len, wide.splitlines()))
    assert len(kept(tmp_path)) == 2


def test_a_kept_show_imports_neither_pandas_nor_sqlalchemy(database: str) -> None:
    script = (
        "import json, sys\n"
        "from dask_bench.cli import cli\n"
        f"cli.main(['show', '--db', {database!r}], standalone_mode=False)\n"
        "print(json.dumps(sorted(m for m in sys.modules if '.' not in m)))\n"
    )

    def run() -> tuple[str, set[str]]:
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "120"},
        )
        *lines, modules = done.stdout.splitlines()
        return "\n".join(lines), set(json.loads(modules))

    first, loaded = run()
    assert {"pandas", "sqlalchemy"} <= loaded  # made the full way
    second, loaded = run()
    assert second == first
    assert loaded.isdisjoint({"pandas", "sqlalchemy", "numpy", "scipy", "pydantic"}), loaded


@pytest.mark.parametrize(
    "args", [["--level", "points"], ["--format", "parquet"]], ids=["points", "parquet"]
)
def test_export_keeps_the_file_and_follows_changes(
    database: str, tmp_path: Path, args: list[str]
) -> None:
    def export(name: str) -> bytes:
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["export", "1", *args, "-o", str(out), "--db", database])
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    first = export("one")
    assert export("two") == first
    assert len(kept(tmp_path)) == 1
    change(database, "UPDATE measurements SET seconds = 123.25 WHERE id = 2")
    assert export("three") != first
    assert len(kept(tmp_path)) == 2


def test_the_repetitions_as_csv_or_json_need_no_cache(database: str, tmp_path: Path) -> None:
    for fmt in ("csv", "json"):
        args = ["export", "1", "--format", fmt, "-o", str(tmp_path / fmt), "--db", database]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
    assert kept(tmp_path) == []  # read with sqlite3 each time: nothing to keep


def test_a_kept_export_to_a_missing_folder_is_one_line(database: str, tmp_path: Path) -> None:
    points = ["export", "1", "--level", "points", "--db", database]
    CliRunner().invoke(cli, [*points, "-o", str(tmp_path / "x.csv")])
    assert len(kept(tmp_path)) == 1
    result = CliRunner().invoke(cli, [*points, "-o", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code != 0
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_off_keeps_nothing(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASK_BENCH_CACHE", "off")
    shown(database)
    assert kept(tmp_path) == []


def test_an_unwritable_cache_costs_nothing_but_time(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DASK_BENCH_CACHE_DIR", str(blocker / "cache"))
    assert shown(database) == shown(database)


def test_new_code_is_a_new_key(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown(database)
    monkeypatch.setattr(cache, "_code_stamp", "another version of the code")
    shown(database)
    assert len(kept(tmp_path)) == 2


def test_only_the_newest_outputs_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    for i in range(5):
        cache.save(cache.key("test", str(i)), b"x")
    assert len(kept(tmp_path)) == 3
    monkeypatch.setattr(cache, "MAX_BYTES", 10)
    cache.save(cache.key("test", "large"), b"x" * 11)
    assert cache.load(cache.key("test", "large")) is None


def test_other_databases_go_the_full_way(tmp_path: Path) -> None:
    old = schema_5_database(tmp_path / "old.db")
    assert stored_view(str(old), None, None) is None
    assert stored_view("postgresql://nobody@localhost/none", None, None) is None
    assert stored_view(str(tmp_path / "missing.db"), None, None) is None


def test_a_study_keeps_what_a_bare_show_prints_next(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dask_bench.report import summarise_runs

    summarise_runs(database, [2, 3], write=False, study_end=True)
    assert len(kept(tmp_path)) == 2  # the study, and its last run alone

    def full_way(*args: object) -> None:
        raise AssertionError("read the full way")

    monkeypatch.setattr("dask_bench.report.summarise.show_runs", full_way)
    assert "(id 3)" in shown(database)
    assert "(id 2)" in shown(database, "--study", STUDY)
    store = Store(database)
    add_point(store, store.run(3), "tasks", "map-tiny", 9, [1.0, 1.0, 1.0])
    store.close()
    result = CliRunner().invoke(cli, ["show", "--db", database])
    assert isinstance(result.exception, AssertionError)  # changed: made again


def test_a_study_ending_on_a_terminal_keeps_what_show_prints_into_a_pipe(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dask_bench.report import summarise_runs

    monkeypatch.setenv("COLUMNS", "132")
    monkeypatch.setenv("FORCE_COLOR", "1")  # the study's own output: a terminal
    summarise_runs(database, [1], write=False, study_end=True)
    assert len(kept(tmp_path)) == 2  # in colour, and plain
    monkeypatch.delenv("FORCE_COLOR")
    before = kept(tmp_path)
    piped = shown(database, "1")  # CliRunner: not a terminal, as 'show | less'
    assert kept(tmp_path) == before  # read, not made again
    assert "\x1b[" not in piped and max(map(len, piped.splitlines())) <= 132
