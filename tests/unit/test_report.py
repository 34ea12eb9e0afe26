"""Tables, figures and the HTML report, checked against timings inserted by hand."""

from __future__ import annotations

import io
import itertools
import re
import statistics
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dask_bench.report import (
    build_report,
    figure_png,
    heatmap_figure,
    run_header,
    runs_table,
    suite_figures,
    suite_tables,
)
from dask_bench.report.tables import suite_frames
from tests.unit.report_data import (
    GIB,
    NBYTES,
    NTASKS,
    PNG_MAGIC,
    TIMINGS,
    XSS,
    build_store,
    full_environment,
)


def render(renderable: Any) -> str:
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def column(table: Table, header: str) -> list[Text]:
    (col,) = [c for c in table.columns if c.header == header]
    cells = list(col.cells)
    assert all(isinstance(c, Text) for c in cells)
    return cells  # type: ignore[return-value]


def rows_of(table: Table) -> list[dict[str, str]]:
    """Each row as header -> plain text, with the workload filled down."""
    headers = [str(c.header) for c in table.columns]
    columns = [[c.plain for c in column(table, h)] for h in headers]
    rows = [dict(zip(headers, values, strict=True)) for values in zip(*columns, strict=True)]
    for previous, row in itertools.pairwise(rows):
        row["workload"] = row["workload"] or previous["workload"]
    return rows


def find(rows: list[dict[str, str]], workload: str, units: int) -> dict[str, str]:
    (row,) = [r for r in rows if r["workload"] == workload and r["units"] == str(units)]
    return row


def weak_efficiency(suite: str, workload: str, units: int) -> float:
    base, this = TIMINGS[suite][workload][1], TIMINGS[suite][workload][units]
    assert base is not None and this is not None
    return statistics.median(base) / statistics.median(this)


# --- terminal tables ---


def test_one_table_per_suite_in_suite_order(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    tables = suite_tables(store, run)
    assert [str(t.title).split()[0] for t in tables] == ["tasks", "arrays"]
    assert [t.row_count for t in tables] == [4, 6]


def test_table_numbers_match_inserted_timings(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    tasks, arrays = suite_tables(store, run)
    rows = rows_of(tasks)
    row = find(rows, "map-sleep", 2)
    assert row["median"] == f"{statistics.median([1.25, 1.3, 1.2]):.3f} s" == "1.250 s"
    assert row["n"] == "3"
    eff = weak_efficiency("tasks", "map-sleep", 2)
    assert row["eff."] == f"{eff * 100:.0f}%" == "88%"
    # tasks/s: 2000 tasks in a median 1.25 s
    assert row["tasks/s"] == f"{2 * NTASKS / 1.25:,.0f}" == "1,600"
    assert find(rows, "map-sleep", 1)["eff."] == "100%"
    # Student-t half-width of [1.0, 1.2, 1.1]: t(0.975, 2) * s / sqrt(3) = 4.303 * 0.1 / 1.732
    assert find(rows, "map-sleep", 1)["± CI"] == "±0.248 s"

    arows = rows_of(arrays)
    single = find(arows, "sum", 2)
    assert single["n"] == "1"
    assert single["± CI"] == "—"
    assert single["median"] == "2.500 s"
    assert single["MB/s"] == f"{2 * NBYTES / 2.5 / 1e6:,.0f}" == "160"
    assert find(arows, "transpose", 2)["median"] == "310.0 ms"


def test_failed_point_shows_its_short_error(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    row = find(rows_of(suite_tables(store, run)[0]), "tree-reduce", 2)
    assert row["status"] == f"failed: {XSS}"
    assert row["median"] == "—"
    assert row["eff."] == "—"
    assert row["n"] == "0"
    # The ok point keeps a green, unflagged status.
    assert find(rows_of(suite_tables(store, run)[0]), "tree-reduce", 1)["status"] == "ok"


def test_efficiency_colours(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    arrays = suite_tables(store, run)[1]
    effs = column(arrays, "eff.")
    by_text = {c.plain: str(c.style) for c in effs}
    red = f"{weak_efficiency('arrays', 'matmul', 2) * 100:.0f}%"  # 1.0 / 2.5 = 40 %
    yellow = f"{weak_efficiency('arrays', 'transpose', 2) * 100:.0f}%"  # 0.21 / 0.31 = 68 %
    assert (red, yellow) == ("40%", "68%")
    assert by_text[red] == "red"
    assert by_text[yellow] == "yellow"
    assert by_text["84%"] == ""  # sum: 2.1 / 2.5, above the 80 % threshold


def test_strong_mode_adds_speedup(tmp_path: Path) -> None:
    store, run = build_store(tmp_path, mode="strong")
    rows = rows_of(suite_tables(store, run)[0])
    row = find(rows, "map-sleep", 2)
    speedup = statistics.median([1.0, 1.2, 1.1]) / statistics.median([1.25, 1.3, 1.2])
    assert row["speedup"] == f"{speedup:.2f}x" == "0.88x"
    assert row["eff."] == f"{speedup / 2 * 100:.0f}%" == "44%"


def test_rich_markup_in_errors_is_not_interpreted(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    point = store.add_point(
        run, suite="tasks", workload="bad", workload_version=1, workers=1, threads_per_worker=1,
        memory_per_worker=GIB, units=1, chunks=1, chunk_size=1,
    )  # fmt: skip
    store.finish_point(point, "failed", error="[bold red]boom[/] in [x]")
    assert "failed: [bold red]boom[/] in [x]" in render(suite_tables(store, run)[0])


def test_failed_point_without_message(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    point = store.add_point(
        run, suite="tasks", workload="silent", workload_version=1, workers=1, threads_per_worker=1,
        memory_per_worker=GIB, units=1, chunks=1, chunk_size=1,
    )  # fmt: skip
    store.finish_point(point, "interrupted")
    row = find(rows_of(suite_tables(store, run)[0]), "silent", 1)
    assert row["status"] == "interrupted"
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)


def test_run_header_and_runs_table(tmp_path: Path) -> None:
    store, run = build_store(tmp_path, environment=full_environment(mismatch=True))
    text = render(run_header(run))
    for expected in ("ci-run (id 1)", "complete", "weak scaling", "local", "1 thread, 2.0 GiB",
                     "2024.8.0", "bench-host"):  # fmt: skip
        assert expected in text
    assert "version mismatch for dask" in text

    assert "no TLS asked" in text  # the environment records no security section
    other = store.create_run(
        name="second", mode="strong", backend="local", layout={}, study={}, version="0.1.0",
        study_id="s9", variant="tls",
    )  # fmt: skip
    store.set_environment(
        other, {"security": {"tls": "auto", "scheduler_address": "tls://127.0.0.1:1"}}
    )
    header = render(run_header(other))
    assert "s9, variant tls" in header and "tls:// (TLS, temporary certificates)" in header
    listing = render(runs_table(store.runs()))
    cells = [
        [c.strip() for c in re.split("[│┃]", line)[1:-1]]
        for line in listing.splitlines()
        if line[:1] in ("│", "┃")
    ]
    assert cells[0] == ["id", "name", "study", "status", "mode", "backend", "started", "points"]
    assert cells[1][:6] == ["1", "ci-run", "", "complete", "weak", "local"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", cells[1][6])
    assert cells[1][7] == "10 (1 failed)"
    assert cells[2][:6] == [str(other.id), "second", "s9", "running", "strong", "local"]
    assert cells[2][7] == "0"


def test_header_tolerates_missing_provenance(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    store.finish_run(run, "interrupted", "stopped by Ctrl-C")
    text = render(run_header(run))
    assert "dask" in text and "unknown" in text
    assert "results may be partial: stopped by Ctrl-C" in text


# --- figures ---


def test_figures_render_as_png(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    figures = suite_figures(store, run)
    assert list(figures) == ["tasks", "arrays"]
    eff, thr, wall, heat = figures["arrays"]
    ax = eff.axes[0]
    assert ax.get_xlabel().startswith("processing units")
    assert "%" in ax.get_ylabel()
    labels = ax.get_legend().get_texts()
    assert {t.get_text() for t in labels} >= {"sum", "matmul", "transpose", "ideal (100%)"}
    assert "arrays" in ax.get_title() and "weak" in ax.get_title() and "local" in ax.get_title()
    # The ideal efficiency line sits at 1.0.
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.get_lines())
    tax = thr.axes[0]
    assert "MB/s" in tax.get_ylabel()
    assert tax.get_xscale() == "log" and tax.get_yscale() == "log"
    # matmul's linear ideal grows from its 1-unit point: 200 MB in 1.0 s -> 200, then 400 MB/s.
    ideal = [
        [float(y) for y in ln.get_ydata()] for ln in tax.get_lines() if ln.get_linestyle() == "--"
    ]
    assert len(ideal) == 3
    assert any(ys == pytest.approx([200.0, 400.0]) for ys in ideal)
    png = figure_png(thr)
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000
    assert figure_png(eff).startswith(PNG_MAGIC)
    # Wall time: matmul's medians 1.0 s then 2.5 s, and a flat weak-scaling ideal at 1.0 s.
    wax = wall.axes[0]
    assert "wall time" in wax.get_ylabel() and wax.get_yscale() == "log"
    solid = [
        [float(y) for y in ln.get_ydata()] for ln in wax.get_lines() if ln.get_linestyle() == "-"
    ]
    assert [1.0, 2.5] in solid
    flat = [
        [float(y) for y in ln.get_ydata()] for ln in wax.get_lines() if ln.get_linestyle() == "--"
    ]
    assert [1.0, 1.0] in flat
    # Heatmap: one row per workload, one column per size; matmul is 100 % then 40 %.
    hax = heat.axes[0]
    assert [t.get_text() for t in hax.get_yticklabels()] == ["sum", "matmul", "transpose"]
    grid = hax.get_images()[0].get_array()
    assert grid[1].tolist() == pytest.approx([1.0, 0.4])
    assert {"100%", "40%"} <= {t.get_text() for t in hax.texts}


def test_efficiency_band_widens_with_noise(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    arrays = suite_frames(store, run)["arrays"]
    transpose = arrays[arrays["workload"] == "transpose"].set_index("units")
    # The base point is exactly 100 %; the 2-unit band holds its efficiency.
    assert transpose.loc[1, "efficiency_low"] == transpose.loc[1, "efficiency_high"] == 1.0
    low, eff, high = transpose.loc[2, ["efficiency_low", "efficiency", "efficiency_high"]]
    assert low < eff < high
    # matmul has identical base timings but noise at 2 units: still a band.
    matmul = arrays[arrays["workload"] == "matmul"].set_index("units")
    assert matmul.loc[2, "efficiency_high"] > matmul.loc[2, "efficiency_low"]


def test_heatmap_marks_failed_points(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    tasks = suite_frames(store, run)["tasks"]
    ax = heatmap_figure(run, "tasks", tasks).axes[0]
    grid = ax.get_images()[0].get_array()
    assert bool(grid.mask[1, 1])  # tree-reduce at 2 units failed: no colour
    assert [t.get_text() for t in ax.texts].count("x") == 1


def test_points_that_missed_the_confidence_target_are_starred(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    point = next(p for p in run.points if p.workload == "map-sleep" and p.units == 2)
    store.finish_point(point, "ok", stopped_by="budget")
    table = suite_tables(store, run)[0]
    row = find(rows_of(table), "map-sleep", 2)
    assert row["n"] == "3*"
    assert find(rows_of(table), "map-sleep", 1)["n"] == "3"
    assert str(table.caption) == "* confidence target not reached (time budget)"
    assert suite_tables(store, run)[1].caption is None


def test_many_workloads_get_distinct_colours(tmp_path: Path) -> None:
    import pandas as pd

    from dask_bench.report import efficiency_figure

    _, run = build_store(tmp_path)
    points = pd.DataFrame(
        [
            {"workload": f"w{i}", "units": u, "efficiency": 1.0 / u, "n": 3}
            for i in range(12)
            for u in (1, 2)
        ]
    )
    ax = efficiency_figure(run, "dataframes", points).axes[0]
    colours = [line.get_color() for line in ax.get_lines() if line.get_label().startswith("w")]
    assert len(colours) == 12 and len(set(map(str, colours))) == 12


def test_dominant_cost_column_and_breakdown_figure(tmp_path: Path) -> None:
    from dask_bench.report.breakdown import breakdown_figure

    store, run = build_store(tmp_path)
    points = {(p.workload, p.units): p for p in run.points}
    store.add_breakdown(points[("matmul", 1)], {"compute-cpu": 0.8, "transfer": 0.0, "idle": 0.2})
    store.add_breakdown(points[("matmul", 2)], {"compute-cpu": 0.8, "transfer": 1.2, "idle": 0.0})
    arrays = suite_tables(store, run)[1]
    rows = rows_of(arrays)
    assert find(rows, "matmul", 1)["mostly"] == "cpu 80%"
    assert find(rows, "matmul", 2)["mostly"] == "xfer 60%"
    assert find(rows, "sum", 1)["mostly"] == "—"  # no breakdown stored
    assert "xfer transfer" in str(arrays.caption)
    assert "mostly" not in [str(c.header) for c in suite_tables(store, run)[0].columns]
    fig = breakdown_figure(run, "arrays", suite_frames(store, run)["arrays"])
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["sum", "matmul", "transpose"]
    # matmul: two stacked bars; the transfer segment of the 2-unit bar is 60 % high.
    heights = sorted(round(b.get_height(), 3) for b in panels[1].patches if b.get_height() > 0)
    assert heights == [0.2, 0.4, 0.6, 0.8]


def test_a_package_missing_on_workers_is_called_missing(tmp_path: Path) -> None:
    from dask_bench.report.tables import warnings_of

    env = full_environment()
    env["version_mismatches"] = [
        {"package": "toolz", "client": "1.2.0", "scheduler": "1.2.0", "workers": {"w": None}}
    ]
    _store, run = build_store(tmp_path, environment=env)
    (warning,) = warnings_of(run)
    assert warning == "version mismatch for toolz: client 1.2.0, scheduler 1.2.0, workers missing"
