"""The tpch suite without a cluster: scale factors, the data cache, the queries, the check."""

from __future__ import annotations

import decimal
import fcntl
import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.errors import ConfigError, WrongResult
from dask_bench.runner.checks import build_study
from dask_bench.runner.plan import plan_study
from dask_bench.study import suite_info
from dask_bench.workloads import WorkloadContext, _tpch, get_workload, suite_workloads
from dask_bench.workloads._tpch import (
    FORMAT,
    MANIFEST,
    TABLES,
    GenerationError,
    data_root,
    ensure_data,
    folder_name,
    generate_tables,
    read_manifest,
    sf_text,
    thousandths,
)
from dask_bench.workloads._tpch_queries import QUERIES
from dask_bench.workloads.tpch import as_frame, compare, sql_columns

NEEDS = "suite 'tpch' needs {}; install it with: pip install 'dask-bench[tpch]'"


# --- scale factors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunks", "chunk_size", "text", "folder"),
    [
        (1, 10, "0.01", "sf0.01-p1"),
        (4, 25, "0.1", "sf0.1-p4"),
        (3, 25, "0.075", "sf0.075-p3"),
        (40, 25, "1", "sf1-p40"),
        (500, 25, "12.5", "sf12.5-p500"),
        (1, 1, "0.001", "sf0.001-p1"),
    ],
)
def test_a_chunk_is_a_thousandth_of_a_scale_factor(
    chunks: int, chunk_size: int, text: str, folder: str
) -> None:
    milli = thousandths(chunks, chunk_size)
    assert milli == chunks * chunk_size
    assert sf_text(milli) == text
    assert float(text) == chunks * chunk_size / 1000
    assert folder_name(milli, chunks) == folder


def test_no_scale_factor_without_chunks() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        thousandths(0, 25)


def test_weak_scaling_grows_the_scale_factor_and_strong_keeps_it() -> None:
    suites = {"tpch": {"chunk_size": 25, "per_unit": 4, "workloads": ["q6"]}}
    weak = plan_study(build_study({"deployment": {"workers": [1, 2, 4]}, "suites": suites}))
    assert [sf_text(thousandths(p.chunks, p.chunk_size)) for p in weak.points] == [
        "0.1",
        "0.2",
        "0.4",
    ]
    strong_suites = {"tpch": {"chunk_size": 25, "total": 8, "workloads": ["q6"]}}
    strong = plan_study(
        build_study(
            {"mode": "strong", "deployment": {"workers": [1, 2, 4]}, "suites": strong_suites}
        )
    )
    assert {sf_text(thousandths(p.chunks, p.chunk_size)) for p in strong.points} == {"0.2"}


def test_the_catalogue_row() -> None:
    info = suite_info("tpch")
    assert (info.unit, info.chunk_size, info.per_unit, info.extra) == ("MB/s", 25, 4, "tpch")
    assert "chunks x chunk_size / 1000" in info.chunk
    assert not info.default and "tpch" not in build_study({}).suites.selected()


def test_the_data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert data_root(str(tmp_path)) == tmp_path / "dask-bench-tpch"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    assert data_root(None) == tmp_path / "c" / "dask-bench" / "tpch"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root(None) == tmp_path / "home" / ".cache" / "dask-bench" / "tpch"


# --- the cache, with a stand-in for tpchgen-cli ------------------------------------


class FakeGenerator:
    """Writes one tiny Parquet file per table (and counts its calls)."""

    def __init__(self, pause: float = 0.0, fail: BaseException | None = None) -> None:
        self.calls = 0
        self.pause = pause
        self.fail = fail
        self.folders: list[Path] = []

    def __call__(self, folder: Path, milli: int, parts: int, deadline: float) -> dict[str, Any]:
        self.calls += 1
        self.folders.append(folder)
        for table in TABLES:
            (folder / table).mkdir()
            pd.DataFrame({f"{table[:2]}_key": [1, 2]}).to_parquet(folder / table / "a.parquet")
        time.sleep(self.pause)
        if self.fail is not None:
            raise self.fail
        tables = {t: {"files": 1, "rows": 2, "bytes": {f"{t[:2]}_key": 16}} for t in TABLES}
        return {"generator": "fake 1", "tables": tables}


def names(folder: Path) -> list[str]:
    """What a folder of cache folders holds, but its lock files."""
    return sorted(p.name for p in folder.iterdir() if p.suffix != ".lock")


def test_data_is_generated_once_then_found(tmp_path: Path) -> None:
    gen = FakeGenerator()
    first = ensure_data(tmp_path, 10, 2, generate=gen)
    assert first.path == tmp_path / "sf0.01-p2" and first.seconds is not None
    assert first.manifest["format"] == FORMAT and first.manifest["generator"] == "fake 1"
    assert first.note.startswith(
        f"tpch data SF 0.01 in 2 files per table by fake 1 at {first.path}"
    )
    assert "generated in" in first.note
    again = ensure_data(tmp_path, 10, 2, generate=gen)
    assert gen.calls == 1 and again.seconds is None and again.note.endswith("cached")
    assert again.manifest == first.manifest
    # another size is another folder; nothing is left beside them
    ensure_data(tmp_path, 10, 1, generate=gen)
    assert gen.calls == 2
    assert names(tmp_path) == ["sf0.01-p1", "sf0.01-p2"]


def test_nbytes_counts_the_columns_named(tmp_path: Path) -> None:
    data = ensure_data(tmp_path, 10, 2, generate=FakeGenerator())
    assert data.columns()["li_key"] == "lineitem"
    assert data.nbytes(["li_key", "or_key", "li_key"]) == 32
    assert data.table("orders") == str(tmp_path / "sf0.01-p2" / "orders")


def _break(folder: Path, how: str) -> None:
    manifest = folder / MANIFEST
    if how == "no manifest":
        manifest.unlink()
    elif how == "a file missing":
        (folder / "lineitem" / "a.parquet").unlink()
    elif how == "older format":
        data = json.loads(manifest.read_text())
        manifest.write_text(json.dumps({**data, "format": FORMAT - 1}))
    elif how == "unreadable manifest":
        manifest.write_text("{not json")


@pytest.mark.parametrize(
    "how", ["no manifest", "a file missing", "older format", "unreadable manifest"]
)
def test_an_incomplete_folder_is_generated_again(tmp_path: Path, how: str) -> None:
    gen = FakeGenerator()
    folder = ensure_data(tmp_path, 10, 2, generate=gen).path
    _break(folder, how)
    assert read_manifest(folder, 10, 2) is None
    data = ensure_data(tmp_path, 10, 2, generate=gen)
    assert gen.calls == 2 and data.seconds is not None
    assert read_manifest(folder, 10, 2) == data.manifest
    assert names(tmp_path) == ["sf0.01-p2"]


def test_an_interrupted_generation_leaves_nothing(tmp_path: Path) -> None:
    gen = FakeGenerator(fail=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        ensure_data(tmp_path, 10, 2, generate=gen)
    assert names(tmp_path) == []  # the partial folder is gone
    # a partial folder left by a killed run is removed by the next generation
    (tmp_path / ".sf0.01-p2.partial-dead").mkdir()
    ensure_data(tmp_path, 10, 2, generate=FakeGenerator())
    assert names(tmp_path) == ["sf0.01-p2"]


def test_two_processes_do_not_generate_the_same_data_at_once(tmp_path: Path) -> None:
    gen = FakeGenerator(pause=0.5)
    seconds: list[float | None] = []

    def one() -> None:
        seconds.append(ensure_data(tmp_path, 10, 2, generate=gen).seconds)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gen.calls == 1  # the second waited for the lock, then found the data
    assert sorted(s is None for s in seconds) == [False, True]


def test_waiting_for_another_generation_has_a_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_tpch, "time_limit", lambda milli: 0.3)
    with open(tmp_path / ".sf0.01-p2.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process, generating
        with pytest.raises(GenerationError) as info:
            ensure_data(tmp_path, 10, 2, generate=FakeGenerator())
    assert str(info.value) == (
        f"another process has been generating {tmp_path / 'sf0.01-p2'} for too long; "
        "try again once it is done"
    )


def fake_program(tmp_path: Path, body: str) -> str:
    path = tmp_path / "tpchgen-cli"
    path.write_text(
        f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "tpchgen-cli 0"; exit 0; fi\n{body}\n'
    )
    path.chmod(0o755)
    return str(path)


def test_a_failing_generator_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = fake_program(tmp_path, 'echo "error: invalid value" >&2; echo "more" >&2; exit 2')
    monkeypatch.setattr(_tpch, "find_program", lambda name: program)
    root = tmp_path / "data"
    with pytest.raises(GenerationError) as info:
        ensure_data(root, 10, 2)
    assert str(info.value) == (
        "tpchgen-cli at scale factor 0.01 failed with exit code 2: error: invalid value"
    )
    assert names(root) == []


def test_a_generator_past_its_deadline_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = fake_program(tmp_path, "sleep 30")
    monkeypatch.setattr(_tpch, "find_program", lambda name: program)
    start = time.monotonic()
    with pytest.raises(GenerationError, match=r"did not finish within 1 s"):
        generate_tables(tmp_path, 10, 2, time.monotonic() + 0.5)
    assert time.monotonic() - start < 10


def test_without_its_program_or_duckdb_the_suite_says_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = suite_info("tpch")
    assert info.programs == ("tpchgen-cli",) and info.requires == ("duckdb",)
    monkeypatch.setattr("dask_bench.study.catalogue.find_program", lambda name: None)
    assert info.unavailable() == NEEDS.format("tpchgen-cli")
    with pytest.raises(ConfigError) as error:
        build_study({"suites": {"tpch": {}}}, source="s.yaml")
    assert str(error.value) == f"s.yaml: {NEEDS.format('tpchgen-cli')}"
    monkeypatch.setitem(sys.modules, "duckdb", None)
    assert info.unavailable() == NEEDS.format("duckdb")
    # listing still works; the workload refuses before it touches the cluster
    result = CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["list", "workloads"])
    assert result.exit_code == 0 and "Pricing summary" in result.output
    w = get_workload("tpch", "q1")
    with pytest.raises(ConfigError, match=re.escape("pip install 'dask-bench[tpch]'")):
        w.func(WorkloadContext(None, 1, 1, 1, {}))  # type: ignore[arg-type]


# --- the queries -------------------------------------------------------------------


def test_every_query_is_a_workload_with_its_sql() -> None:
    names = [w.name for w in suite_workloads("tpch")]
    assert names == list(QUERIES) == [f"q{n}" for n in (1, 3, 5, 6, 7, 10, 12, 14, 18)]
    for name, query in QUERIES.items():
        assert get_workload("tpch", name).description.startswith(f"TPC-H Q{name[1:]}. ")
        sql = query.sql.lower()
        tables = re.findall(
            r"\b(region|nation|supplier|customer|partsupp|part|orders|lineitem)\b", sql
        )
        assert tables, name
        # an answer of one number is a query without group by or order by
        assert (query.scalar is not None) == ("group by" not in sql and "order by" not in sql)


def test_the_columns_a_query_reads_are_those_its_sql_names() -> None:
    known = {"l_shipdate", "l_discount", "l_quantity", "l_extendedprice", "l_tax", "o_orderkey"}
    assert sql_columns(QUERIES["q6"].sql, known) == {
        "l_shipdate",
        "l_discount",
        "l_quantity",
        "l_extendedprice",
    }
    # aliases (l_year, supp_nation) are no columns
    assert "l_year" not in sql_columns(QUERIES["q7"].sql, known | {"o_orderkey"})


def test_a_scalar_answer_becomes_one_row() -> None:
    frame = as_frame(np.float64(12.5), QUERIES["q6"])
    assert list(frame.columns) == ["revenue"] and frame["revenue"].tolist() == [12.5]
    q3 = pd.DataFrame({"l_orderkey": [1]}, index=[7])
    assert as_frame(q3, QUERIES["q3"]).index.tolist() == [0]


# --- the check ---------------------------------------------------------------------


def duckdb_like() -> pd.DataFrame:
    """An answer as DuckDB gives it: us timestamps, HUGEINT sums as floats, object text."""
    return pd.DataFrame(
        {
            "l_orderkey": np.array([47714, 22276, 32965], dtype=np.int64),
            "revenue": [267010.5894, 266351.5562, 263768.3414],
            "o_orderdate": pd.to_datetime(["1995-03-11", "1995-01-29", "1995-02-25"]).astype(
                "datetime64[us]"
            ),
            "count": [3.0, 1.0, 2.0],
            "name": pd.Series(["a", "b", "c"], dtype=object),
        }
    )


def dask_like() -> pd.DataFrame:
    """The same answer as Dask gives it: ms timestamps, integer counts, Arrow strings."""
    frame = duckdb_like()
    return frame.assign(
        o_orderdate=frame.o_orderdate.astype("datetime64[ms]"),
        count=frame["count"].astype("int64"),
        name=frame.name.astype("string[pyarrow]"),
        revenue=frame.revenue * (1 + 1e-12),  # summed in another order
    )


def test_the_same_answer_passes_whatever_its_types() -> None:
    compare(dask_like(), duckdb_like())
    decimals = duckdb_like().assign(
        revenue=[decimal.Decimal(str(v)) for v in duckdb_like().revenue]
    )
    compare(dask_like(), decimals)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (
            lambda f: f.assign(revenue=f.revenue * (1 + 1e-6)),
            "DuckDB's revenue = 267010.5894 in row 0 (within 1e-09)",
        ),
        (
            lambda f: f.iloc[[1, 0, 2]],
            "DuckDB's l_orderkey = 47714 in row 0 (within 1e-09), got 22276",
        ),
        (lambda f: f.iloc[:-1], "DuckDB's 3 rows, got 2 rows"),
        (lambda f: f.rename(columns={"count": "n"}), "DuckDB's columns"),
        (
            lambda f: f[["revenue", "l_orderkey", "o_orderdate", "count", "name"]],
            "DuckDB's columns",
        ),
        (lambda f: f.assign(o_orderdate=f.o_orderdate + pd.Timedelta(days=1)), "o_orderdate"),
        (lambda f: f.assign(name=["a", "b", "d"]), "DuckDB's name = 'c' in row 2, got 'd'"),
        (
            lambda f: f.assign(count=f["count"] + 1),
            "DuckDB's count = 3 in row 0 (within 1e-09), got 4",
        ),
        (lambda f: f.assign(o_orderdate=f.o_orderdate.astype(str)), "time in column 'o_orderdate'"),
        (lambda f: f.assign(revenue=np.nan), "revenue"),
        (lambda f: f.to_numpy(), "a pandas DataFrame, got ndarray"),
    ],
)
def test_a_wrong_answer_is_caught(wrong: Any, message: str) -> None:
    with pytest.raises(WrongResult) as info:
        compare(wrong(dask_like()), duckdb_like())
    assert message in str(info.value)
    assert "\n" not in str(info.value)
