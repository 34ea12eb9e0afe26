"""The hardware baseline in reports, the place it runs, and the performance report's files."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from rich.console import Console

from dask_bench.errors import ConfigError
from dask_bench.report import build_report, run_header
from dask_bench.report._format import format_bandwidth
from dask_bench.report.html._provenance import provenance_rows, provenance_section
from dask_bench.report.html.points import dask_report_links
from dask_bench.runner.baseline import baseline_size
from dask_bench.runner.checks import build_study
from dask_bench.runner.perfreport import report_folder, report_path
from dask_bench.runner.plan import plan_study
from dask_bench.store import Store
from dask_bench.store.schema import Run
from dask_bench.study import Measurement
from tests.unit.report_data import GIB, add_run, build_store, full_environment

MIB = 2**20


def hardware(memory: float, disk: float, network: float | None, **extra: Any) -> dict[str, Any]:
    """A baseline shaped like Client.benchmark_hardware's, the given figure at the largest size.

    The smaller sizes get larger bandwidths, so picking any other size shows.
    """
    return {
        "memory": {"2 kiB": 50 * GIB, "10 MiB": memory, "100 kiB": 40 * GIB},
        "disk": {"1 kiB": 9 * GIB, "100 MiB": disk, "10 MiB": 8 * GIB},
        "network": {} if network is None else {"50 MiB": network, "1 kiB": 7 * GIB},
        "workers": 2,
        "seconds": 15.0,
        "started_at": "2024-01-01T00:00:00",
        **extra,
    }


def with_hardware(tmp_path: Path, hw: dict[str, Any] | None) -> tuple[Store, Run]:
    env = full_environment()
    if hw is not None:
        env["hardware"] = hw
    return build_store(tmp_path, environment=env)


def render(renderable: Any) -> str:
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def gib(value: float) -> str:
    return f"{value / GIB:.1f} GiB/s"


# --- formatting ---


@pytest.mark.parametrize(
    ("value", "shown"),
    [(4.2 * GIB, "4.2 GiB/s"), (3 * MIB, "3.0 MiB/s"), (512, "512 B/s"), (None, "—")],
)
def test_format_bandwidth(value: float | None, shown: str) -> None:
    assert format_bandwidth(value) == shown
    assert format_bandwidth(math.nan) == "—"


def test_provenance_and_header_show_the_largest_size(tmp_path: Path) -> None:
    memory, disk, network = 4.2 * GIB, 1.1 * GIB, 2.0 * GIB
    store, run = with_hardware(tmp_path, hardware(memory, disk, network))
    rows = dict(provenance_rows(run))
    assert rows["memory bandwidth"] == gib(memory)
    assert rows["disk bandwidth"] == gib(disk)
    assert rows["network bandwidth"] == gib(network)
    assert "on 2 workers" in rows["hardware baseline"]
    assert "15.000 s" in rows["hardware baseline"]
    line = f"memory {gib(memory)}, disk {gib(disk)}, network {gib(network)}"
    assert re.search(rf"hardware\s+{re.escape(line)}", render(run_header(run)))
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    for kind, value in (("memory", memory), ("disk", disk), ("network", network)):
        assert f"<th>{kind} bandwidth</th><td>{gib(value)}</td>" in html


def test_without_baseline_rows_show_a_dash_and_the_header_no_line(tmp_path: Path) -> None:
    _, run = with_hardware(tmp_path, None)
    rows = dict(provenance_rows(run))
    assert [rows[f"{k} bandwidth"] for k in ("memory", "disk", "network")] == ["—"] * 3
    assert "hardware baseline" not in rows
    assert "hardware" not in render(run_header(run))


def test_one_worker_has_no_network_figure(tmp_path: Path) -> None:
    _, run = with_hardware(tmp_path, hardware(4 * GIB, 1 * GIB, None, workers=1))
    rows = dict(provenance_rows(run))
    assert rows["network bandwidth"] == "—" and rows["memory bandwidth"] == "4.0 GiB/s"
    assert "on 1 worker," in rows["hardware baseline"]
    assert "network —" in render(run_header(run))


def test_failed_baseline_is_shown_not_hidden(tmp_path: Path) -> None:
    error = "OSError: [Errno 28] No space left on device"
    failed = {"error": error, "workers": 2, "seconds": 0.5, "started_at": "2024-01-01T00:00:00"}
    _, run = with_hardware(tmp_path, failed)
    rows = dict(provenance_rows(run))
    assert rows["disk bandwidth"] == "—"
    assert rows["hardware baseline"] == f"failed: {error}"
    assert f"baseline failed: {error}" in render(run_header(run))


def test_measured_bandwidths_are_not_flagged_as_differences(tmp_path: Path) -> None:
    store, first = with_hardware(tmp_path, hardware(4 * GIB, 1 * GIB, 2 * GIB))
    env = {**full_environment(), "hardware": hardware(4.1 * GIB, 1.2 * GIB, 2.2 * GIB)}
    second = add_run(store, name="other", environment=env, threads=2)
    html = provenance_section([first, second])
    assert "<th>memory bandwidth</th><td>4.0 GiB/s</td><td>4.1 GiB/s</td>" in html
    assert not re.search(r'class="mismatch"><th>\w+ bandwidth', html)
    assert re.search(r'class="mismatch"><th>layout', html)  # a real difference still is


# --- where the baseline runs ---


@pytest.mark.parametrize(
    ("sizes", "at"), [([1, 2, 4], 2), ([1], 1), ([3, 4], 3), ([1, 8], 8), ([], None)]
)
def test_baseline_runs_at_the_first_size_with_two_workers(sizes: list[int], at: int) -> None:
    assert baseline_size(sizes) == at


# --- performance report files ---


def test_report_path_names_run_point_and_units(tmp_path: Path) -> None:
    study = build_study({"suites": {"tasks": {"workloads": ["map-tiny"]}},
                         "deployment": {"workers": [1, 2]}})  # fmt: skip
    paths = [report_path(tmp_path, 7, p) for p in plan_study(study).points]
    assert [p.name for p in paths] == ["run7-tasks-map-tiny-1u.html", "run7-tasks-map-tiny-2u.html"]
    assert all(p.parent == tmp_path for p in paths)


def test_report_folder_is_created_or_a_one_line_error(tmp_path: Path) -> None:
    assert report_folder(Measurement()) is None
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as err:
        report_folder(Measurement(performance_report=str(blocker / "reports")))
    message = str(err.value)
    assert "measurement.performance_report" in message and str(blocker) in message
    assert "\n" not in message
    nested = tmp_path / "x" / "y" / "reports"
    settings = Measurement(performance_report=str(nested))
    assert report_folder(settings) == nested
    assert nested.is_dir()


def test_performance_report_without_bokeh_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib.metadata import PackageNotFoundError

    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    # The boundary: what the installed-package metadata says about bokeh.
    monkeypatch.setattr("dask_bench.runner.perfreport.version", missing)
    with pytest.raises(ConfigError, match=r"needs bokeh>=[\d.]+ .*dask-bench\[diagnostics\]"):
        report_folder(Measurement(performance_report=str(tmp_path / "r")))


def href_target(index: Path, href: str) -> Path:
    """The file a link in ``index`` points to, relative or file://."""
    if href.startswith("file://"):
        return Path(unquote(urlparse(href).path))
    return (index.parent / unquote(href)).resolve()


def test_points_link_their_dask_report(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    folder = tmp_path / "dask reports"  # a space must survive the link
    folder.mkdir()
    linked = run.points[0]
    target = folder / f"run{run.id}-{linked.suite}-{linked.workload}-{linked.units}u.html"
    target.write_text("<html></html>")
    store.finish_point(linked, linked.status, linked.error, performance_report=str(target))
    index = build_report(store, [run], tmp_path / "rep")
    html = index.read_text(encoding="utf-8")
    assert html.count("<th>Dask report</th>") == 1  # only the suite with a linked point
    (href,) = re.findall(r'<a href="([^"]+)">report</a>', html)
    assert href_target(index, href) == target
    # With the report folder known, the link is relative, so both can move together.
    (relative,) = dask_report_links([run], folder=str(tmp_path / "rep")).values()
    assert not relative.startswith(("/", "file:"))
    assert href_target(tmp_path / "rep" / "index.html", relative) == target
