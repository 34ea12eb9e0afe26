"""The command line, run as a user would: dask-bench and dask bench, in subprocesses."""

from __future__ import annotations

import signal
import subprocess
import time

import pandas as pd
import pytest
import yaml

from .helpers import (
    BIN,
    dask_bench,
    descendants,
    query,
    start_study,
    stored_repetitions,
    tiny_study,
    wait_gone,
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    db = folder / "results.db"
    spec = tiny_study(db, report=True)
    study = folder / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    cache = {"DASK_BENCH_CACHE_DIR": str(folder / "cache")}
    proc = dask_bench("run", str(study), "--name", "try1", "--quiet", cwd=folder, extra_env=cache)
    return folder, db, proc


def test_run_prints_tables_and_writes_report(finished):
    folder, db, proc = finished
    assert proc.returncode == 0, proc.stderr
    assert "map-sleep" in proc.stdout and "map-tiny" in proc.stdout
    assert "eff." in proc.stdout and "units = workers x 1 thread" in proc.stdout
    reports = list(folder.glob("results-report-*/index.html"))
    assert len(reports) == 1 and f"report: {reports[0]}" in proc.stdout.replace("\n", "")
    assert (reports[0].parent / "figures" / "tasks-efficiency.svg").is_file()
    assert query(db, "select name, status from runs") == [("try1", "complete")]


def test_report_command(finished):
    folder, db, _ = finished
    proc = dask_bench("report", "try1", "--db", str(db), "-o", str(folder / "rep"), "--pdf")
    assert proc.returncode == 0, proc.stderr
    index = folder / "rep" / "index.html"
    assert proc.stdout.strip() == f"report: {index}"
    assert "map-sleep" in index.read_text(encoding="utf-8")
    assert (folder / "rep" / "figures" / "startup.pdf").is_file()
    # Bad input: one line, exit 2, nothing written.
    for args, message in [
        (("report", "99"), "no run '99'"),
        (("report", "1", "try1"), "name the same run twice"),
    ]:
        bad = dask_bench(*args, "--db", str(db), "-o", str(folder / "bad"))
        assert bad.returncode == 2, bad.stderr
        assert message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert not (folder / "bad").exists()


def test_show_latest_and_by_name(finished):
    _, db, _ = finished
    by_name = dask_bench("show", "try1", "--db", str(db))
    latest = dask_bench("show", "--db", str(db))
    assert by_name.returncode == 0 and latest.returncode == 0
    assert by_name.stdout == latest.stdout
    assert "map-sleep" in latest.stdout


def test_show_after_run_prints_what_run_kept(finished):
    folder, db, proc = finished
    cache = folder / "cache"
    kept = sorted(cache.iterdir())
    assert len(kept) == 1  # what the run printed at its end
    shown = dask_bench("show", "--db", str(db), extra_env={"DASK_BENCH_CACHE_DIR": str(cache)})
    assert shown.returncode == 0, shown.stderr
    assert sorted(cache.iterdir()) == kept  # read, not made again
    assert shown.stdout == kept[0].read_text(encoding="utf-8")
    assert proc.stdout.startswith(shown.stdout)  # the run's summary, then its report line


def test_dask_bench_is_also_dask_bench_subcommand(finished):
    _, db, _ = finished
    proc = subprocess.run(
        [str(BIN / "dask"), "bench", "show", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "map-sleep" in proc.stdout
    listing = subprocess.run(
        [str(BIN / "dask"), "bench", "list", "workloads"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    for name in ("map-tiny", "transpose-add", "groupby-mean"):
        assert name in listing.stdout


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_round_trips(finished, tmp_path, fmt):
    _, db, _ = finished
    out = tmp_path / f"m.{fmt}"
    proc = dask_bench("export", "try1", "--format", fmt, "-o", str(out), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    frame = {"csv": pd.read_csv, "parquet": pd.read_parquet, "json": pd.read_json}[fmt](out)
    assert len(frame) == query(db, "select count(*) from measurements")[0][0]
    assert set(frame["workload"]) == {"map-tiny", "map-sleep"}


def test_list_backends_and_runs(finished):
    _, db, _ = finished
    assert "local" in dask_bench("list", "backends").stdout
    runs = dask_bench("list", "runs", "--db", str(db))
    assert runs.returncode == 0 and "try1" in runs.stdout


BAD = [
    ("mode: [oops\n", "not valid YAML"),
    ("colour: blue\n", "unknown key 'colour'"),
    ("suites: {tasks: {workloads: [warp-drive]}}\n", "unknown workload 'warp-drive'"),
    ("deployment: {backend: mainframe}\n", "unknown back-end 'mainframe'"),
    ("suites: {arrays: {per_unit: 0}}\n", "'suites.arrays.per_unit'"),
    ("deployment: {workers: [-1]}\n", "'deployment.workers.0'"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_study_files_one_line_exit_2_nothing_written(tmp_path, text, message):
    study = tmp_path / "bad.yaml"
    study.write_text(text)
    db = tmp_path / "out.db"
    proc = dask_bench("run", str(study), "--db", str(db), "--quiet")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not db.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_unwritable_database_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = dask_bench("run", "--db", str(blocker / "r.db"), "--workers", "1", "--quiet")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: cannot create database")
    assert "Traceback" not in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    proc = dask_bench("--debug", "show", "--db", str(tmp_path / "none.db"))
    assert proc.returncode != 0 and "Traceback" in proc.stderr
    plain = dask_bench("show", "--db", str(tmp_path / "none.db"))
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "no results database" in plain.stderr


@pytest.mark.parametrize(
    "args",
    [("report",), ("report", "3"), ("compare", "1", "2"), ("history",), ("history", "std"),
     ("check", "1")],
)  # fmt: skip
def test_reading_commands_on_an_empty_store_say_so(tmp_path, args):
    from dask_bench.store import Store

    Store(str(tmp_path / "empty.db"), create=True).close()
    proc = dask_bench(*args, "--db", str(tmp_path / "empty.db"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "dask-bench run" in lines[0] or "no run" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_unknown_run_is_one_line(finished):
    _, db, _ = finished
    proc = dask_bench("show", "nope", "--db", str(db))
    assert proc.returncode == 2 and proc.stderr.startswith("error: no run 'nope'")


def test_sigint_marks_run_interrupted_keeps_data_and_leaves_no_workers(tmp_path):
    db = tmp_path / "i.db"
    spec = tiny_study(db)
    # long enough that the signal surely lands mid-study
    spec["suites"]["tasks"].update(workloads=["map-sleep"], options={"sleep_seconds": 0.3})
    spec["measurement"].update(min_repeats=20, max_repeats=20)
    proc = start_study(tmp_path, spec)
    deadline = time.monotonic() + 120
    seen: set = set()
    while time.monotonic() < deadline:
        seen |= set(descendants(proc.pid))
        if db.exists() and stored_repetitions(db) >= 2:
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("no measurement was stored within 120 s")
    seen |= set(descendants(proc.pid))
    assert seen, "the study should have started worker processes"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert query(db, "select status from runs") == [("interrupted",)]
    assert query(db, "select count(*) from measurements")[0][0] >= 3
    assert query(db, "select status from points") == [("interrupted",)]
    assert wait_gone(seen) == []


def test_workers_that_do_not_arrive_in_time(tmp_path):
    db = tmp_path / "w.db"
    spec = tiny_study(db)
    spec["deployment"]["startup_timeout"] = 0.01  # no worker process starts in 10 ms
    proc = start_study(tmp_path, spec)
    seen: set = set()
    while proc.poll() is None:
        seen |= set(descendants(proc.pid))
        time.sleep(0.05)
    err = proc.stderr.read()
    assert proc.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: expected 1 worker with 1 thread(s) each, 0 arrived within")
    assert query(db, "select status from runs") == [("failed",)]
    assert query(db, "select requested, previous, ok from scale_events") == [(1, 0, 0)]
    assert wait_gone(seen) == []
