"""Exports of every repetition, read back with pandas and compared to what was inserted."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dask_bench.errors import ConfigError
from dask_bench.report import EXPORT_FORMATS, export_run
from dask_bench.store import Store
from dask_bench.store.schema import Run

T0 = datetime(2024, 5, 17, 9, 30, 0, 250_000)
ERROR = "KilledWorker: <worker 'tcp://10.0.0.1:4000'>, \"quoted\", comma"

# (suite, workload, units, [(repetition, warmup, seconds, ok, error)])
INSERTED: list[tuple[str, str, int, list[tuple[int, bool, float | None, bool, str | None]]]] = [
    ("tasks", "map-sleep", 1, [(0, True, 3.5, True, None), (0, False, 1.0, True, None),
                               (1, False, 1.25, True, None)]),
    ("tasks", "map-sleep", 2, [(0, False, 1.5, True, None)]),
    ("arrays", "sum", 1, [(0, False, 0.125, True, None), (1, False, None, False, ERROR)]),
    ("arrays", "sum", 2, [(0, False, None, False, ERROR)]),
]  # fmt: skip


def build_store(tmp_path: Path) -> tuple[Store, Run]:
    store = Store(str(tmp_path / "r.db"), create=True)
    run = store.create_run(
        name="export-run", mode="strong", backend="local",
        layout={"threads_per_worker": 2, "memory_per_worker": 2**30}, study={}, version="0.1.0",
    )  # fmt: skip
    minute = 0
    for suite, workload, units, reps in INSERTED:
        point = store.add_point(
            run, suite=suite, workload=workload, workload_version=3, workers=units,
            threads_per_worker=2, memory_per_worker=2**30, units=2 * units, chunks=8,
            chunk_size=100, nbytes=None if suite == "tasks" else 1_000_000 * units,
            ntasks=400 * units if suite == "tasks" else None,
        )  # fmt: skip
        for rep, warmup, seconds, ok, error in reps:
            minute += 1
            store.add_measurement(
                point, repetition=rep, warmup=warmup, seconds=seconds, ok=ok, error=error,
                started_at=T0.replace(minute=minute),
            )  # fmt: skip
        failed = all(not r[3] for r in reps)
        store.finish_point(point, "failed" if failed else "ok", error=ERROR if failed else None)
    store.finish_run(run, "complete")
    return store, run


def expected_rows(run: Run) -> list[dict[str, Any]]:
    rows, minute = [], 0
    for suite, workload, units, reps in INSERTED:
        for rep, warmup, seconds, ok, error in reps:
            minute += 1
            rows.append({
                "run_id": run.id, "run_name": "export-run", "backend": "local", "mode": "strong",
                "suite": suite, "workload": workload, "workers": units, "units": 2 * units,
                "threads_per_worker": 2, "repetition": rep, "warmup": warmup, "seconds": seconds,
                "ok": ok, "error": error, "started_at": T0.replace(minute=minute),
                "point_status": "failed" if all(not r[3] for r in reps) else "ok",
            })  # fmt: skip
    return rows


def same(a: Any, b: Any) -> bool:
    missing = (a is None or (isinstance(a, float) and math.isnan(a)), b is None)
    if any(missing):
        return all(missing)
    if isinstance(b, float):
        return float(a) == pytest.approx(b)
    if isinstance(b, bool):
        return bool(a) is b
    if isinstance(b, datetime):
        return pd.Timestamp(a).to_pydatetime() == b
    return bool(a == b)


def check_frame(frame: pd.DataFrame, run: Run) -> None:
    expected = expected_rows(run)
    assert len(frame) == len(expected) == 7
    for got, want in zip(frame.to_dict("records"), expected, strict=True):
        for key, value in want.items():
            assert same(got[key], value), (key, got[key], value)


def read_back(fmt: str, path: Path) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, parse_dates=["started_at"], keep_default_na=True)
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    store, run = build_store(tmp_path)
    out = export_run(store, run, fmt, tmp_path / f"run.{fmt}")
    assert out == tmp_path / f"run.{fmt}"
    check_frame(read_back(fmt, out), run)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "r.db",
        f"run.{fmt}",
    ]


def test_json_is_records_with_iso_dates(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    records = json.loads(export_run(store, run, "json", tmp_path / "x.json").read_text())
    assert isinstance(records, list) and isinstance(records[0], dict)
    assert records[0]["started_at"] == "2024-05-17T09:01:00.250000"
    assert records[0]["warmup"] is True and records[1]["seconds"] == 1.0
    assert records[-1]["seconds"] is None and records[-1]["error"] == ERROR


def test_csv_dates_are_iso(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    text = export_run(store, run, "csv", tmp_path / "x.csv").read_text()
    assert "2024-05-17T09:01:00.250000" in text


def test_unknown_format(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    with pytest.raises(ConfigError) as info:
        export_run(store, run, "xlsx", tmp_path / "x.xlsx")
    message = str(info.value)
    assert "\n" not in message and "'xlsx'" in message
    assert all(f in message for f in EXPORT_FORMATS)
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_folder_is_named(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    missing = tmp_path / "no" / "such"
    with pytest.raises(ConfigError, match=str(missing)):
        export_run(store, run, "csv", missing / "x.csv")


def test_existing_file_is_replaced(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    target = tmp_path / "x.csv"
    target.write_text("stale,content\n" * 100)
    export_run(store, run, "csv", target)
    check_frame(read_back("csv", target), run)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "r.db",
        "x.csv",
    ]


@pytest.mark.parametrize("level", ["repetitions", "points"])
def test_crash_while_writing_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str
) -> None:
    import csv

    store, run = build_store(tmp_path)
    target = tmp_path / "x.csv"
    target.write_text("previous export\n")

    def half_write(self: pd.DataFrame, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_text("run_id,run_na")  # a partial file, then the crash
        raise OSError("disk full")

    class HalfWriter:
        """csv.writer that writes the header, then the disk is full."""

        def __init__(self, f: Any, **kwargs: Any) -> None:
            self.f = f

        def writerow(self, row: Any) -> None:
            self.f.write("run_id,run_na")

        def writerows(self, rows: Any) -> None:
            raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_write)  # the points' table
    monkeypatch.setattr(csv, "writer", HalfWriter)  # the repetitions' rows
    with pytest.raises(OSError, match="disk full"):
        export_run(store, run, "csv", target, level=level)
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "r.db",
        "x.csv",
    ]


def test_run_without_measurements_exports_header_only(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "r.db"), create=True)
    run = store.create_run(name="e", mode="weak", backend="local", layout={}, study={},
                           version="0.1.0")  # fmt: skip
    out = export_run(store, run, "csv", tmp_path / "e.csv")
    frame = pd.read_csv(out)
    assert frame.empty and "seconds" in frame.columns and "workload" in frame.columns


# --- one row per point ---


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_points_level_round_trip(tmp_path: Path, fmt: str) -> None:
    from dask_bench.report.analysis.export import POINT_COLUMNS

    store, run = build_store(tmp_path)
    point = next(p for p in run.points if p.workload == "map-sleep" and p.units == 2)
    store.finish_point(point, "ok", stopped_by="budget", notes=["two warm-ups until steady"],
                       metrics_note="cluster-wide metrics")  # fmt: skip
    store.add_measurement(point, repetition=2, warmup=False, seconds=9.0, ok=True,
                          disturbance="worker w1 paused")  # fmt: skip
    store.add_breakdown(point, {"compute-cpu": 0.75, "shuffle": 0.25})
    out = export_run(store, run, fmt, tmp_path / f"points.{fmt}", level="points")
    frame = read_back(fmt, out) if fmt != "csv" else pd.read_csv(out)
    assert list(frame.columns)[: len(POINT_COLUMNS)] == POINT_COLUMNS
    assert len(frame) == 4
    rows = {(r["workload"], r["units"]): r for r in frame.to_dict("records")}
    first = rows[("map-sleep", 2)]
    # two timings (1.0, 1.25) count; the warm-up and the disturbed repetition do not
    assert first["n"] == 2 and first["median"] == pytest.approx(1.125)
    assert first["stopped_by"] == "budget" and first["ended"] == "budget, 1 disturbed"
    assert first["n_disturbed"] == 1 and first["disturbance"] == "worker w1 paused"
    assert first["notes"] == "two warm-ups until steady"
    assert first["metrics_note"] == "cluster-wide metrics"
    assert first["bd_compute-cpu"] == pytest.approx(0.75) and first["bd_shuffle"] == 0.25
    assert first["dominant"] == "compute-cpu" and bool(first["precise"]) is False
    assert first["confidence"] == 0.95 and first["metric"] == "throughput"
    assert same(first["ci_low"], None) and same(first["ci_high"], None)  # two timings only
    failed = rows[("sum", 4)]
    assert failed["status"] == "failed" and failed["n"] == 0 and failed["error"] == ERROR


def test_points_level_of_an_empty_run_has_the_header(tmp_path: Path) -> None:
    from dask_bench.report.analysis.export import POINT_COLUMNS

    store = Store(str(tmp_path / "r.db"), create=True)
    run = store.create_run(name="e", mode="weak", backend="local", layout={}, study={},
                           version="0.1.0")  # fmt: skip
    frame = pd.read_csv(export_run(store, run, "csv", tmp_path / "e.csv", level="points"))
    assert frame.empty and list(frame.columns) == POINT_COLUMNS


def test_unknown_level(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    with pytest.raises(ConfigError, match="unknown export level 'runs'"):
        export_run(store, run, "csv", tmp_path / "x.csv", level="runs")


def test_cli_exports_points(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dask_bench.cli import cli

    store, run = build_store(tmp_path)
    store.close()
    out = tmp_path / "p.csv"
    args = [
        "export",
        str(run.id),
        "--level",
        "points",
        "-o",
        str(out),
        "--db",
        str(tmp_path / "r.db"),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 4


# --- the repetitions, read with sqlite3 alone ---


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_command_s_quick_way_writes_the_same_file_as_store(tmp_path: Path, fmt: str) -> None:
    from click.testing import CliRunner

    from dask_bench.cli import cli
    from dask_bench.report.reuse import quick_export

    store, run = build_store(tmp_path)
    full = export_run(store, run, fmt, tmp_path / f"full.{fmt}")
    store.close()
    database = str(tmp_path / "r.db")
    quick = quick_export(database, "export-run", fmt, "repetitions", tmp_path / f"q.{fmt}")
    assert quick is not None and quick.read_bytes() == full.read_bytes()
    check_frame(read_back(fmt, quick), run)
    result = CliRunner().invoke(cli, ["export", "1", "--format", fmt, "-o", "c", "--db", database])
    assert result.exit_code == 0, result.output
    assert Path("c").read_bytes() == full.read_bytes()


def test_values_are_written_as_stored(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    point = run.points[0]
    store.add_measurement(point, repetition=9, warmup=False, seconds=0.1234567890123456, ok=True)
    text = export_run(store, run, "csv", tmp_path / "x.csv").read_text()
    records = json.loads(export_run(store, run, "json", tmp_path / "x.json").read_text())
    store.close()
    # every digit of the seconds (pandas' JSON kept 10)
    (added,) = [r for r in records if r["repetition"] == 9]
    assert added["seconds"] == 0.1234567890123456 and "0.1234567890123456" in text
    # a column with missing values keeps its integers (pandas made it a float column)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["nbytes"] for r in rows[:3]] == ["", "", ""]  # tasks: no bytes
    assert "1000000" in {r["nbytes"] for r in rows} and "1000000.0" not in text
    assert {r["ntasks"] for r in rows} >= {"400", ""}
    by_suite = {r["suite"]: r["nbytes"] for r in records if r["units"] == 2}
    assert by_suite == {"tasks": None, "arrays": 1000000}


def test_quick_export_leaves_other_outputs_to_the_full_way(tmp_path: Path) -> None:
    from dask_bench.report.reuse import quick_export

    store, _ = build_store(tmp_path)
    store.close()
    database = str(tmp_path / "r.db")
    assert quick_export(database, "1", "parquet", "repetitions", tmp_path / "x") is None
    assert quick_export(database, "1", "csv", "points", tmp_path / "x") is None
    assert quick_export(database, "nope", "csv", "repetitions", tmp_path / "x") is None
    with pytest.raises(ConfigError, match="does not exist"):
        quick_export(database, "1", "csv", "repetitions", tmp_path / "no" / "x.csv")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "r.db"
    ]
