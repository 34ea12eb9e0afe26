"""The hardware baseline and Dask's performance report, on a real LocalCluster."""

from __future__ import annotations

import io
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from dask.utils import parse_bytes
from distributed import Client, LocalCluster
from rich.console import Console

from dask_bench.report import build_report, run_header
from dask_bench.report._format import format_bandwidth
from dask_bench.runner import plan_study, run_study
from dask_bench.runner.baseline import hardware_baseline
from dask_bench.runner.checks import build_study
from dask_bench.runner.perfreport import point_report, report_folder
from dask_bench.store import Store
from dask_bench.study import Measurement
from tests.unit.report_data import build_store

from .helpers import dask_bench, tiny_study

KINDS = ("memory", "disk", "network")
MAP_TINY = {"tasks": {"workloads": ["map-tiny"], "chunk_size": 10, "per_unit": 2}}


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    db = tmp_path_factory.mktemp("baseline") / "r.db"
    measurement = {"min_repeats": 2, "max_repeats": 4, "target_ci": 0.5, "hardware_baseline": True}
    spec = tiny_study(db, suites=MAP_TINY, measurement=measurement)
    result = run_study(build_study(spec))
    assert result.status == "complete", result.message
    store = Store(str(db))
    yield store, store.run(result.run_id)
    store.close()


def test_helper_study_skips_the_baseline(tmp_path: Path) -> None:
    assert build_study(tiny_study(tmp_path / "r.db")).measurement.hardware_baseline is False


def test_provenance_holds_bandwidths_at_two_workers(baseline_run) -> None:
    _, run = baseline_run
    hw = run.environment["hardware"]
    assert "error" not in hw
    for kind in KINDS:
        assert hw[kind], kind  # network too: measured between the two workers
        assert all(isinstance(size, str) and value > 0 for size, value in hw[kind].items())
    assert hw["workers"] == 2
    assert 0 < hw["seconds"] < 120


def test_baseline_runs_between_points(baseline_run) -> None:
    _, run = baseline_run
    hw = run.environment["hardware"]
    began = datetime.fromisoformat(hw["started_at"])
    ended = began + timedelta(seconds=hw["seconds"])
    by_size = {w: [p for p in run.points if p.workers == w] for w in (1, 2)}
    assert by_size[1] and by_size[2]
    assert all(p.finished_at is not None and p.finished_at <= began for p in by_size[1])
    # allow for the clocks: wall time for the start, a monotonic clock for the duration
    assert all(p.started_at >= ended - timedelta(milliseconds=50) for p in by_size[2])
    (arrived,) = [ev for ev in run.scale_events if ev.requested == 2]
    assert arrived.ok and arrived.at <= began


def largest(by_size: dict[str, float]) -> float:
    return max(by_size.items(), key=lambda item: parse_bytes(item[0]))[1]


def test_report_and_header_show_the_baseline(baseline_run, tmp_path: Path) -> None:
    store, run = baseline_run
    shown = {kind: format_bandwidth(largest(run.environment["hardware"][kind])) for kind in KINDS}
    assert all(re.fullmatch(r"[\d.]+ [KMGT]?i?B/s", v) for v in shown.values()), shown
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(run_header(run))
    line = ", ".join(f"{kind} {shown[kind]}" for kind in KINDS)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert re.search(rf"hardware\s+{re.escape(line)}", text), text
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"<th>{kind} bandwidth</th><td>{shown[kind]}</td>" in html


def test_a_failing_benchmark_is_recorded_not_raised(tmp_path: Path) -> None:
    with (
        LocalCluster(
            n_workers=1, processes=False, dashboard_address=":0", local_directory=tmp_path
        ) as cluster,
        Client(cluster) as client,
    ):
        # the disk benchmark writes into the worker's directory: take it away
        for folder in client.run(lambda dask_worker: dask_worker.local_directory).values():
            shutil.rmtree(folder)
        result = hardware_baseline(client)
        assert client.submit(sum, [1, 2]).result() == 3  # the cluster is still usable
    assert "FileNotFoundError" in result["error"]
    assert result["workers"] == 1 and result["seconds"] >= 0
    assert not set(KINDS) & set(result)


def test_performance_report_of_a_real_computation(tmp_path: Path) -> None:
    import dask.bag as db

    settings = Measurement(performance_report=str(tmp_path / "dask" / "reports"))
    assert report_folder(settings) == tmp_path / "dask" / "reports"
    study = build_study({"suites": MAP_TINY, "deployment": {"workers": [1]}})
    (planned,) = plan_study(study).points
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        off = point_report(client, Measurement(), 3, planned)
        with off:
            pass
        assert off.path is None and off.error is None
        report = point_report(client, settings, 3, planned)
        with report:
            total = client.compute(db.range(100, npartitions=4).map(lambda x: x + 1).sum())
            assert total.result() == sum(range(1, 101))
    assert report.error is None and report.path is not None
    written = Path(report.path)
    assert written == tmp_path / "dask" / "reports" / "run3-tasks-map-tiny-1u.html"
    text = written.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<!DOCTYPE html>") and "Dask Performance Report" in text
    assert planned.label in text  # the "code" tab names the point
    # and the run's report links it
    store, run = build_store(tmp_path / "store")
    point = run.points[0]
    store.finish_point(point, point.status, point.error, performance_report=report.path)
    index = build_report(store, [run], tmp_path / "rep")
    hrefs = re.findall(r'<a href="([^"]+)">report</a>', index.read_text(encoding="utf-8"))
    assert len(hrefs) == 1 and written.name in hrefs[0]


def test_unusable_report_folder_stops_before_the_cluster(tmp_path: Path) -> None:
    import yaml

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(tiny_study(tmp_path / "r.db")))
    proc = dask_bench("run", str(study), "--quiet", "--performance-report", str(blocker / "dir"))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: measurement.performance_report")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.db").exists()  # no run was even created
