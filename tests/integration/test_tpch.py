"""The tpch suite with the real tpchgen-cli, DuckDB and a two-worker LocalCluster.

``test_workloads.py`` runs every query too, at scale factors 0.01 and 0.04 (answers
checked against DuckDB, tasks counted, wrong answers refused); here the generated
data, the cache, wrong answers on real data and a whole study are shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from distributed import Client

from dask_bench.errors import WrongResult
from dask_bench.workloads import WorkloadContext, get_workload
from dask_bench.workloads._tpch import TABLES, ensure_data
from dask_bench.workloads._tpch_queries import QUERIES
from dask_bench.workloads.tpch import answer

from .helpers import dask_bench, query, tiny_study

pytestmark = pytest.mark.integration


def context(client: Client, folder: Path, chunks: int = 2, chunk_size: int = 5) -> WorkloadContext:
    return WorkloadContext(
        client, 2, chunks, chunk_size, {}, timeout=60.0, io_directory=str(folder)
    )


def test_the_data_is_generated_once_with_its_types_and_kept(client: Client, tmp_path: Path) -> None:
    first = get_workload("tpch", "q6").func(context(client, tmp_path, chunks=1))
    (note,) = first.notes
    assert note.startswith("tpch data SF 0.005 in 1 file per table by tpchgen-cli ")
    assert "generated in" in note
    second = get_workload("tpch", "q14").func(context(client, tmp_path, chunks=1))
    assert second.notes[0].endswith(", cached")
    first.release()
    second.release()
    folder = tmp_path / "dask-bench-tpch" / "sf0.005-p1"
    kept = sorted(p.name for p in (tmp_path / "dask-bench-tpch").iterdir())
    assert kept == [".sf0.005-p1.lock", folder.name]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*TABLES, "dask-bench-tpch.json"])
    schema = pq.read_schema(next((folder / "lineitem").glob("*.parquet")))
    assert schema.field("l_quantity").type == pa.float64()
    assert schema.field("l_shipdate").type == pa.timestamp("ms")
    assert schema.field("l_shipmode").type == pa.string()
    manifest = ensure_data(tmp_path / "dask-bench-tpch", 5, 1).manifest
    assert manifest["tables"]["nation"]["rows"] == 25
    assert 29_000 < manifest["tables"]["lineitem"]["rows"] < 31_000  # 6 million per SF
    assert manifest["generator"].startswith("tpchgen-cli ")


def test_every_answer_has_rows_at_the_smallest_tested_size(tpch_cache: Path) -> None:
    # A check against an empty answer would prove little: SF 0.01 answers every query.
    data = ensure_data(tpch_cache / "dask-bench-tpch", 10, 1)
    rows = {name: len(answer(q, data)) for name, q in QUERIES.items()}
    assert all(n > 0 for n in rows.values()), rows
    assert rows["q1"] == 4 and rows["q3"] == 10 and rows["q10"] == 20


def test_wrong_answers_on_real_data_are_caught(client: Client, tpch_cache: Path) -> None:
    trial = get_workload("tpch", "q3").func(context(client, tpch_cache, chunks=1, chunk_size=10))
    result = trial.run()
    trial.check(result)
    assert list(result.columns) == ["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]
    wrong = {
        "two rows swapped": result.iloc[[1, 0, *range(2, len(result))]],
        "a revenue off by a millionth": result.assign(revenue=result.revenue * (1 + 1e-6)),
        "a day later": result.assign(o_orderdate=result.o_orderdate + pd.Timedelta(days=1)),
        "a row missing": result.iloc[:-1],
    }
    for what, frame in wrong.items():
        with pytest.raises(WrongResult):
            trial.check(frame)
            pytest.fail(f"{what} accepted")


def test_a_study_runs_the_suite(tmp_path: Path, tpch_cache: Path) -> None:
    db = tmp_path / "r.db"
    spec = tiny_study(
        db,
        deployment={"workers": [2], "memory_per_worker": "1GiB"},
        suites={"tpch": {"workloads": ["q3"], "chunk_size": 5, "per_unit": 1}},
        measurement={"min_repeats": 3, "max_repeats": 3, "max_warmup": 1, "point_budget": None},
        io={"directory": str(tpch_cache)},
    )
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    done = dask_bench("run", str(study), "--quiet", timeout=240)
    assert done.returncode == 0, done.stderr
    rows = query(db, "select workload, units, chunks, status, notes from points order by id")
    assert [r[:4] for r in rows] == [("q3", 2, 2, "ok")]
    for workload, *_, notes in rows:
        assert "tpch data SF 0.01 in 2 files per table" in notes, workload
    assert query(db, "select count(*), sum(ok) from measurements") == [(4, 4)]
    # the data stays for the next run
    assert (tpch_cache / "dask-bench-tpch" / "sf0.01-p2" / "dask-bench-tpch.json").exists()
